import { DescribeEventSourceCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventSourceError } from './errors';

export type EventSourceState = 'PENDING' | 'ACTIVE' | 'DELETED' | 'ABSENT';

/**
 * The state of a partner event source in this account and region: `PENDING` until a bus of the same
 * name accepts it, `ACTIVE` after, `DELETED` once AWS or the partner removed it (docs.aws.amazon.com
 * eventbridge/latest/APIReference/API_DescribeEventSource.html), or `ABSENT` while it does not exist yet.
 */
export async function describeEventSource(client: EventBridgeClient, name: string): Promise<EventSourceState> {
  try {
    const out = await client.send(new DescribeEventSourceCommand({ Name: name }));
    const state = out.State;
    if (state === 'PENDING' || state === 'ACTIVE' || state === 'DELETED') return state;
    throw new EventSourceError(`DescribeEventSource returned an unknown state '${String(state)}' for partner event source ${name}.`);
  } catch (err) {
    if (err instanceof EventSourceError) throw err;
    if ((err as { name?: string }).name === 'ResourceNotFoundException') return 'ABSENT';
    const e = err as { name?: string; message?: string };
    throw new EventSourceError(`could not describe partner event source ${name}: ${e.name ?? 'Error'}: ${e.message ?? String(err)}`);
  }
}
