/**
 * Latest state wins, the pure part: what a stored fence and an event say about which state is newer, and the
 * DynamoDB conditions that make the write safe under concurrency. The contract (fence fields, the rule, the status
 * transitions and their sources) is src/contract/latest-state.ts; the effect that uses this is latest-state-effect.ts.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { parseIsoTimestamp } from './envelope';
import { StripeEventBridgeError } from '../../contract/errors';
import {
  DELETED_EVENT_TYPE_SUFFIX,
  FENCE,
  FENCE_ATTRIBUTE,
  LATEST_DECISION,
  STATUS_TRANSITIONS,
  STRIPE_DATE_MARGIN_MS,
} from '../../contract/latest-state';

/** `putLatest` cannot do what it was asked: nothing was written (the event fails, and Lambda retries it). */
export class LatestStateError extends StripeEventBridgeError {
  public readonly name = 'LatestStateError';
}

/** The fence as stored (FENCE's fields). */
export interface Fence {
  readonly id: string;
  readonly type: string;
  readonly lo: number;
  readonly hi: number;
  readonly status?: string;
  readonly terminal?: boolean;
  readonly token: string;
  readonly event?: string;
  readonly source?: string;
}

/** What an event (or a fetch) says about the object: its instant range, and for a snapshot its status and item. */
export interface Candidate {
  readonly id: string;
  readonly type: string;
  /** The state is Stripe's at some instant in [lo, hi) (epoch milliseconds). */
  readonly lo: number;
  readonly hi: number;
  readonly status?: string;
  /** The event deletes the object (`*.deleted`). */
  readonly terminal: boolean;
  /** The item it would write, marshalled, without the fence; absent for a thin event (it carries no state). */
  readonly item?: Record<string, AttributeValue>;
}

export type Decided = typeof LATEST_DECISION.NEWER | typeof LATEST_DECISION.OLDER | typeof LATEST_DECISION.UNCHANGED;

/** What to do: write the candidate, leave the stored state, or ask Stripe. */
export type Decision = { readonly action: 'write' | 'skip'; readonly decision: Decided } | { readonly action: 'fetch' };

const reachable = new Map<string, Map<string, Set<string>>>();

/** The statuses reachable from `status` of an object type, following STATUS_TRANSITIONS (memoised). */
function reachableFrom(type: string, status: string): Set<string> | undefined {
  const graph = STATUS_TRANSITIONS[type];
  if (!graph || !(status in graph)) return undefined;
  let byStatus = reachable.get(type);
  if (!byStatus) reachable.set(type, (byStatus = new Map()));
  let out = byStatus.get(status);
  if (!out) {
    out = new Set();
    const todo = [...graph[status]];
    while (todo.length > 0) {
      const next = todo.pop()!;
      if (out.has(next)) continue;
      out.add(next);
      todo.push(...(graph[next] ?? []));
    }
    byStatus.set(status, out);
  }
  return out;
}

/** Whether status `b` provably comes after status `a` for objects of `type`: `b` follows `a`, and `a` never follows `b`. */
export function statusProvablyAfter(type: string, a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined || a === b) return false;
  const fromA = reachableFrom(type, a);
  const fromB = reachableFrom(type, b);
  return fromA !== undefined && fromB !== undefined && fromA.has(b) && !fromB.has(a);
}

/** Every status that `status` provably comes after (the stored statuses a snapshot with `status` may replace). */
export function statusesBefore(type: string, status: string | undefined): string[] {
  const graph = STATUS_TRANSITIONS[type];
  if (!graph || status === undefined) return [];
  return Object.keys(graph).filter((a) => statusProvablyAfter(type, a, status));
}

/** An item's attributes as comparable text (map keys sorted), the fence left out. */
function itemText(item: Record<string, AttributeValue>): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (v && typeof v === 'object' && !(v instanceof Uint8Array)) {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])]));
    }
    return v;
  };
  const { [FENCE_ATTRIBUTE]: _fence, ...rest } = item;
  return JSON.stringify(sorted(rest));
}

/** The fence of a stored item, or undefined when it has none (an item written otherwise counts as no state). */
export function fenceOf(item: Record<string, AttributeValue> | undefined): Fence | undefined {
  const value = item?.[FENCE_ATTRIBUTE];
  if (!value?.M) return undefined;
  const fence = unmarshall(value.M) as Partial<Fence>;
  if (typeof fence.id !== 'string' || typeof fence.lo !== 'number' || typeof fence.hi !== 'number' || typeof fence.token !== 'string') return undefined;
  return fence as Fence;
}

/**
 * The rule (src/contract/latest-state.ts) for a candidate against the stored item. A snapshot is written when provably
 * newer, skipped when provably older or equal, else Stripe decides; a thin event (no item) is skipped only when the
 * stored state is provably at least as new, else Stripe decides. Throws when the item holds another object's state.
 */
export function decideLatest(stored: Record<string, AttributeValue> | undefined, candidate: Candidate): Decision {
  const fence = fenceOf(stored);
  if (!fence) return candidate.item ? { action: 'write', decision: LATEST_DECISION.NEWER } : { action: 'fetch' };
  if (fence.id !== candidate.id) {
    throw new LatestStateError(
      `putLatest: the item already holds the state of ${fence.type} ${fence.id}, not of ${candidate.type} ${candidate.id}; an item holds one Stripe object's state. ` +
        'Key the item by the object\'s id. Nothing was written.',
    );
  }
  if (fence.terminal) return { action: 'skip', decision: candidate.terminal ? LATEST_DECISION.UNCHANGED : LATEST_DECISION.OLDER };
  if (candidate.terminal) return candidate.item ? { action: 'write', decision: LATEST_DECISION.NEWER } : { action: 'fetch' };
  if (!candidate.item) return candidate.hi <= fence.lo ? { action: 'skip', decision: LATEST_DECISION.OLDER } : { action: 'fetch' };
  if (candidate.lo >= fence.hi) return { action: 'write', decision: LATEST_DECISION.NEWER };
  if (candidate.hi <= fence.lo) return { action: 'skip', decision: LATEST_DECISION.OLDER };
  if (statusProvablyAfter(candidate.type, fence.status, candidate.status)) return { action: 'write', decision: LATEST_DECISION.NEWER };
  if (statusProvablyAfter(candidate.type, candidate.status, fence.status)) return { action: 'skip', decision: LATEST_DECISION.OLDER };
  if (stored && itemText(stored) === itemText(candidate.item)) return { action: 'skip', decision: LATEST_DECISION.UNCHANGED };
  return { action: 'fetch' };
}

/** A DynamoDB condition with its names and values (plain values, marshalled with the action). */
export interface Condition {
  readonly ConditionExpression: string;
  readonly ExpressionAttributeNames: Record<string, string>;
  readonly ExpressionAttributeValues?: Record<string, unknown>;
}

const N = { '#sf': FENCE_ATTRIBUTE, '#sf_id': FENCE.ID, '#sf_terminal': FENCE.TERMINAL };

/**
 * The condition under which a snapshot's write is decided by the event alone (rule 1): exactly the stored fences for
 * which decideLatest says `write`, so a write with no read is safe against any concurrent one.
 */
export function eventCondition(candidate: Candidate): Condition {
  const same = '#sf.#sf_id = :sf_id AND attribute_not_exists(#sf.#sf_terminal)';
  if (candidate.terminal) {
    return { ConditionExpression: `attribute_not_exists(#sf) OR (${same})`, ExpressionAttributeNames: N, ExpressionAttributeValues: { ':sf_id': candidate.id } };
  }
  const before = statusesBefore(candidate.type, candidate.status);
  const names: Record<string, string> = { ...N, '#sf_hi': FENCE.HI };
  const values: Record<string, unknown> = { ':sf_id': candidate.id, ':sf_lo': candidate.lo };
  let newer = '#sf.#sf_hi <= :sf_lo';
  if (before.length > 0) {
    Object.assign(names, { '#sf_status': FENCE.STATUS, '#sf_lo': FENCE.LO });
    before.forEach((s, i) => (values[`:sf_s${i}`] = s));
    values[':sf_hi'] = candidate.hi;
    newer += ` OR (#sf.#sf_status IN (${before.map((_, i) => `:sf_s${i}`).join(', ')}) AND #sf.#sf_lo < :sf_hi)`;
  }
  return { ConditionExpression: `attribute_not_exists(#sf) OR (${same} AND (${newer}))`, ExpressionAttributeNames: names, ExpressionAttributeValues: values };
}

/** The condition of a write decided by Stripe: the item is still as read before the fetch (rule 2). */
export function unchangedCondition(stored: Fence | undefined): Condition {
  if (!stored) return { ConditionExpression: 'attribute_not_exists(#sf)', ExpressionAttributeNames: { '#sf': FENCE_ATTRIBUTE } };
  return {
    ConditionExpression: '#sf.#sf_token = :sf_token',
    ExpressionAttributeNames: { '#sf': FENCE_ATTRIBUTE, '#sf_token': FENCE.TOKEN },
    ExpressionAttributeValues: { ':sf_token': stored.token },
  };
}

/** The instant range of a snapshot event's state: its `created` second. */
export function snapshotRange(createdSeconds: number): { lo: number; hi: number } {
  return { lo: createdSeconds * 1000, hi: createdSeconds * 1000 + 1000 };
}

/**
 * The instant range of a thin event: its ISO 8601 `created`, parsed as the envelope's check parses it, to the precision
 * it is written with (`…:45.330Z`: a millisecond; `…:45Z`: a second).
 */
export function thinRange(created: string): { lo: number; hi: number } {
  const lo = parseIsoTimestamp(created);
  if (lo === undefined) throw new LatestStateError(`putLatest: the event's created ${JSON.stringify(created)} is not an ISO 8601 timestamp. Nothing was written.`);
  const fraction = /:\d\d\.(\d+)/.exec(created)?.[1] ?? '';
  return { lo, hi: lo + 10 ** Math.max(0, 3 - fraction.length) };
}

/**
 * The instant range of a state fetched from Stripe, read after `stored` and the event: between them and Stripe's
 * `Date` second (± STRIPE_DATE_MARGIN_MS), or the function's clock with a wider margin when there is no `Date`.
 */
export function fetchedRange(stored: Fence | undefined, event: { lo: number }, date: { ms: number; margin: number }): { lo: number; hi: number } {
  const lo = Math.max(stored?.lo ?? 0, event.lo, date.ms - date.margin);
  return { lo, hi: Math.max(date.ms + Math.max(date.margin, STRIPE_DATE_MARGIN_MS), lo + 1) };
}

/** Whether an event type deletes its object (its state is final). */
export function isDeletion(type: string): boolean {
  return type.endsWith(DELETED_EVENT_TYPE_SUFFIX);
}

/** The fence written with a state. */
export function newFence(candidate: Candidate, token: string, event: string, source: string): Record<string, unknown> {
  return {
    [FENCE.ID]: candidate.id,
    [FENCE.TYPE]: candidate.type,
    [FENCE.LO]: candidate.lo,
    [FENCE.HI]: candidate.hi,
    ...(candidate.status !== undefined ? { [FENCE.STATUS]: candidate.status } : {}),
    ...(candidate.terminal ? { [FENCE.TERMINAL]: true } : {}),
    [FENCE.TOKEN]: token,
    [FENCE.EVENT]: event,
    [FENCE.SOURCE]: source,
  };
}

/** Marshals an item as the effect writes it (undefined attributes left out, as JSON does). */
export function marshallItem(item: Record<string, unknown>): Record<string, AttributeValue> {
  return marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: false });
}
