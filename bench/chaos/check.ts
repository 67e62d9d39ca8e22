/**
 * Checks the commerce table against the stream after the chaos run. Every write of The Babes Club's handlers
 * appends the Stripe event's id to the changed item's `stripeEvents` (its audit trail), and each event's
 * idempotency record holds the handler's result, which says whether the event called for a change. For each
 * valid Stripe event of the stream:
 *
 * - exactly once: its record is COMPLETED and its id is in the audit trails once (none when its result says
 *   no change was due: `ignored`, or `changed: false`);
 * - repeated: its id is there more often than that;
 * - dead-lettered: no completed record, no effect, and a message in the dead-letter queue with the reason;
 * - missing: anything else (no completed record and not dead-lettered, or a completed record without its
 *   effect); `withoutRecord` counts effects present with no completed record (a broken commit).
 *
 * Records are found by their key, computed from the function's key prefix as the contract says
 * (src/contract/idempotency.ts): `<prefix>#<base64 MD5 of the JSON event id>`.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RECORD_ATTRIBUTE, RECORD_STATUS } from '../../src/contract/idempotency';
import { idempotencyKey } from '../../src/reconcile/records';
import { scanAll } from '../../test/support/local-stack';

export interface CheckInput {
  readonly client: DynamoDBClient;
  readonly commerceTable: string;
  readonly idempotencyTable: string;
  /** Each valid Stripe event of the stream and the key prefix of the function that handles it. */
  readonly events: ReadonlyMap<string, string>;
  /** Stripe event ids with a message in the dead-letter queue at the end. */
  readonly deadLettered: ReadonlySet<string>;
}

export interface CheckResult {
  exactlyOnce: number;
  readonly missing: string[];
  readonly repeated: string[];
  readonly deadLettered: string[];
  readonly withoutRecord: string[];
  /** Events whose result said no change was due (counted in exactlyOnce when none was made). */
  noChangeDue: number;
}

/** Whether the handler's result says it changed something. */
function changeDue(result: unknown): boolean {
  const r = (result ?? {}) as Record<string, unknown>;
  return !('ignored' in r) && r.changed !== false;
}

export async function checkEffects(input: CheckInput): Promise<CheckResult> {
  const trail = new Map<string, number>();
  for (const item of await scanAll(input.client, input.commerceTable)) {
    for (const id of (item.stripeEvents ?? []) as string[]) trail.set(id, (trail.get(id) ?? 0) + 1);
  }
  const records = new Map((await scanAll(input.client, input.idempotencyTable)).map((r) => [r[RECORD_ATTRIBUTE.KEY] as string, r]));
  const result: CheckResult = { exactlyOnce: 0, missing: [], repeated: [], deadLettered: [], withoutRecord: [], noChangeDue: 0 };
  for (const [id, prefix] of input.events) {
    const record = records.get(idempotencyKey(prefix, id));
    const completed = record?.[RECORD_ATTRIBUTE.STATUS] === RECORD_STATUS.COMPLETED;
    const effects = trail.get(id) ?? 0;
    const due = completed && changeDue(record![RECORD_ATTRIBUTE.DATA]) ? 1 : 0;
    if (completed && !due) result.noChangeDue++;
    if (effects > (completed ? due : 1)) {
      result.repeated.push(id);
    } else if (completed && effects === due) {
      result.exactlyOnce++;
    } else if (!completed && effects > 0) {
      result.withoutRecord.push(id);
    } else if (!completed && input.deadLettered.has(id)) {
      result.deadLettered.push(id);
    } else {
      result.missing.push(id);
    }
  }
  return result;
}
