/**
 * Checks the effects against the stream after the chaos run, per handler. The Babes Club's handlers append the
 * Stripe event's id to the changed item's `stripeEvents` in the commerce table (its audit trail); the Ledger's
 * handlers count their writes in `effects` on the item `EVENT#<event id>` of the ledger table. Each event's
 * idempotency record holds the handler's result, which says whether the event called for a change. For each
 * valid Stripe event and each handler its rules take it to:
 *
 * - exactly once: its record is COMPLETED and its effect is there once (none when its result says no change was
 *   due: `ignored`, or `changed: false`);
 * - repeated: the effect is there more often than that;
 * - dead-lettered: no completed record, no effect, and a message in the dead-letter queue with the reason;
 * - missing: anything else (no completed record and not dead-lettered, or a completed record without its
 *   effect); `withoutRecord` counts effects present with no completed record (a broken commit).
 *
 * Records are found by their key, computed from the function's key prefixes as the contract says
 * (src/contract/idempotency.ts): `<prefix>#<base64 MD5 of the JSON event id>`, under the prefix of today's key scope
 * or of an earlier one (after the run's key scope change, an event may have its record under either).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RECORD_ATTRIBUTE, RECORD_STATUS } from '../../src/contract/idempotency';
import { idempotencyKey } from '../../src/reconcile/records';
import { scanAll } from '../../test/support/local-stack';

/** One handler's events, where its records are, and how many times each event's effect is there. */
export interface HandlerCheck {
  readonly handler: string;
  /** Its key prefixes: today's and any earlier one. */
  readonly prefixes: readonly string[];
  /** The valid Stripe events its rules take. */
  readonly events: readonly string[];
  /** Effects by Stripe event id. */
  readonly effects: ReadonlyMap<string, number>;
}

export interface CheckInput {
  readonly client: DynamoDBClient;
  readonly idempotencyTable: string;
  readonly handlers: readonly HandlerCheck[];
  /** `<handler> <Stripe event id>` of each message in the dead-letter queue at the end. */
  readonly deadLettered: ReadonlySet<string>;
}

export interface CheckResult {
  exactlyOnce: number;
  /** `<handler> <event id>` of each. */
  readonly missing: string[];
  readonly repeated: string[];
  readonly deadLettered: string[];
  readonly withoutRecord: string[];
  /** Events whose result said no change was due (counted in exactlyOnce when none was made). */
  noChangeDue: number;
  /** Exactly once, by handler. */
  readonly byHandler: Record<string, number>;
}

/** Whether the handler's result says it changed something. */
function changeDue(result: unknown): boolean {
  const r = (result ?? {}) as Record<string, unknown>;
  return !('ignored' in r) && r.changed !== false;
}

/** The commerce table's audit trails: how many times each Stripe event id appears in the items' `stripeEvents`. */
export async function auditTrail(client: DynamoDBClient, table: string): Promise<Map<string, number>> {
  const trail = new Map<string, number>();
  for (const item of await scanAll(client, table)) {
    for (const id of (item.stripeEvents ?? []) as string[]) trail.set(id, (trail.get(id) ?? 0) + 1);
  }
  return trail;
}

/** The ledger table's counters: `effects` of each `EVENT#<id>` entry. */
export async function ledgerEntries(client: DynamoDBClient, table: string): Promise<Map<string, number>> {
  const entries = new Map<string, number>();
  for (const item of await scanAll(client, table)) {
    if (typeof item.PK === 'string' && item.PK.startsWith('EVENT#')) entries.set(item.PK.slice('EVENT#'.length), Number(item.effects ?? 0));
  }
  return entries;
}

export async function checkEffects(input: CheckInput): Promise<CheckResult> {
  const records = new Map((await scanAll(input.client, input.idempotencyTable)).map((r) => [r[RECORD_ATTRIBUTE.KEY] as string, r]));
  const result: CheckResult = { exactlyOnce: 0, missing: [], repeated: [], deadLettered: [], withoutRecord: [], noChangeDue: 0, byHandler: {} };
  for (const h of input.handlers) {
    result.byHandler[h.handler] = 0;
    for (const id of h.events) {
      const found = h.prefixes.map((p) => records.get(idempotencyKey(p, id))).filter((r) => r !== undefined);
      const record = found.find((r) => r![RECORD_ATTRIBUTE.STATUS] === RECORD_STATUS.COMPLETED);
      const completed = record !== undefined;
      const effects = h.effects.get(id) ?? 0;
      const due = completed && changeDue(record[RECORD_ATTRIBUTE.DATA]) ? 1 : 0;
      const what = `${h.handler} ${id}`;
      if (completed && !due) result.noChangeDue++;
      if (effects > (completed ? due : 1)) {
        result.repeated.push(what);
      } else if (completed && effects === due) {
        result.exactlyOnce++;
        result.byHandler[h.handler]++;
      } else if (!completed && effects > 0) {
        result.withoutRecord.push(what);
      } else if (!completed && input.deadLettered.has(what)) {
        result.deadLettered.push(what);
      } else {
        result.missing.push(what);
      }
    }
  }
  return result;
}
