import { createHash } from 'node:crypto';
import { DestinationPropertiesError } from './errors';
import {
  DEFAULT_SOURCE_TIMEOUT_SECONDS,
  PROP_AWS_ACCOUNT_ID,
  PROP_AWS_PARTITION,
  PROP_AWS_REGION,
  PROP_DESCRIPTION,
  PROP_ENABLED_EVENTS,
  PROP_EVENT_PAYLOAD,
  PROP_NAME,
  PROP_RETAIN_ON_DELETE,
  PROP_SECRET_ID,
  PROP_SNAPSHOT_API_VERSION,
  PROP_SOURCE_TIMEOUT_SECONDS,
} from '../../contract/destination';
import { isThinEventType } from '../../contract/stripe';

/** The destination a resource's properties ask for. */
export interface DesiredDestination {
  readonly secretId: string;
  readonly name: string;
  readonly description: string;
  readonly enabledEvents: string[];
  /** Stripe's `event_payload`. */
  readonly eventPayload: 'snapshot' | 'thin';
  /** Only for a snapshot destination (Stripe takes `snapshot_api_version` with `event_payload: snapshot` only). */
  readonly snapshotApiVersion?: string;
  readonly awsAccountId: string;
  readonly awsRegion: string;
  readonly awsPartition: string;
  readonly retainOnDelete: boolean;
  readonly sourceTimeoutSeconds: number;
}

function text(props: Record<string, unknown>, name: string, pattern?: RegExp): string {
  const value = props[name];
  if (typeof value !== 'string' || value === '') {
    throw new DestinationPropertiesError(`resource property ${name} is missing or not a string; deploy the template StripeEventDestination synthesizes.`);
  }
  if (pattern && !pattern.test(value)) {
    throw new DestinationPropertiesError(`resource property ${name} is '${value}', which does not match ${pattern}.`);
  }
  return value;
}

/** Reads and checks the resource properties (CloudFormation passes every scalar as a string). */
export function parseProperties(props: Record<string, unknown> | undefined): DesiredDestination {
  const p = props ?? {};
  const events = p[PROP_ENABLED_EVENTS];
  if (!Array.isArray(events) || events.length === 0 || !events.every((e) => typeof e === 'string' && e !== '')) {
    throw new DestinationPropertiesError(`resource property ${PROP_ENABLED_EVENTS} must be a non-empty list of Stripe event types.`);
  }
  const timeoutText = p[PROP_SOURCE_TIMEOUT_SECONDS];
  const timeout = timeoutText === undefined ? DEFAULT_SOURCE_TIMEOUT_SECONDS : Number(timeoutText);
  if (!Number.isInteger(timeout) || timeout <= 0) {
    throw new DestinationPropertiesError(`resource property ${PROP_SOURCE_TIMEOUT_SECONDS} must be a whole number of seconds, got '${String(timeoutText)}'.`);
  }
  const description = p[PROP_DESCRIPTION];
  const payload = p[PROP_EVENT_PAYLOAD] ?? 'snapshot';
  if (payload !== 'snapshot' && payload !== 'thin') {
    throw new DestinationPropertiesError(`resource property ${PROP_EVENT_PAYLOAD} is '${String(payload)}'; expected 'snapshot' or 'thin'.`);
  }
  const thin = payload === 'thin';
  if (thin && p[PROP_SNAPSHOT_API_VERSION] !== undefined) {
    throw new DestinationPropertiesError(`resource property ${PROP_SNAPSHOT_API_VERSION} is set on a thin destination; thin events have no API version.`);
  }
  if (thin && (events as string[]).some((e) => !isThinEventType(e))) {
    const snapshot = (events as string[]).filter((e) => !isThinEventType(e));
    throw new DestinationPropertiesError(`resource property ${PROP_ENABLED_EVENTS} of a thin destination lists snapshot event types (${snapshot.join(', ')}); thin types start with a version, e.g. v2.core.account.updated.`);
  }
  return {
    secretId: text(p, PROP_SECRET_ID),
    name: text(p, PROP_NAME),
    description: typeof description === 'string' ? description : '',
    // Sorted and unique, so that an update compares sets, not orderings.
    enabledEvents: [...new Set(events as string[])].sort(),
    eventPayload: payload,
    snapshotApiVersion: thin ? undefined : text(p, PROP_SNAPSHOT_API_VERSION),
    awsAccountId: text(p, PROP_AWS_ACCOUNT_ID, /^\d{12}$/),
    awsRegion: text(p, PROP_AWS_REGION, /^[a-z]{2}(-[a-z]+)+-\d+$/),
    awsPartition: typeof p[PROP_AWS_PARTITION] === 'string' ? (p[PROP_AWS_PARTITION] as string) : 'aws',
    retainOnDelete: String(p[PROP_RETAIN_ON_DELETE] ?? 'false') === 'true',
    sourceTimeoutSeconds: timeout,
  };
}

/**
 * What Stripe cannot change on an existing destination: its type (fixed here) and payload, the AWS
 * account and region, and the snapshot API version ("You can't change this value after you create the
 * event destination", stripe@23 `EventDestination.snapshot_api_version`). Only name, description,
 * enabled_events and metadata are updatable (docs.stripe.com/api/v2/core/event-destinations/update).
 * A snapshot destination's fingerprint is what it was before thin destinations existed, so that an upgrade
 * neither replaces it nor fails to find the one an earlier attempt created.
 */
export function fingerprint(d: DesiredDestination): string {
  const immutable = ['amazon_eventbridge', d.eventPayload, d.awsAccountId, d.awsRegion, d.snapshotApiVersion ?? ''].join('\n');
  return createHash('sha256').update(immutable).digest('hex').slice(0, 16);
}

/** True when going from `before` to `after` needs a new destination. */
export function needsReplacement(before: DesiredDestination, after: DesiredDestination): boolean {
  return fingerprint(before) !== fingerprint(after);
}
