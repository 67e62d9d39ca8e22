/**
 * Validation of the EventBridge event that a Stripe event destination delivers, of either payload style.
 *
 * Snapshot events (docs.stripe.com/event-destinations/eventbridge; stripe-node test/CloudProviderEvent.spec.ts):
 * `source` = `aws.partner/stripe.com/ed_…`, `detail-type` = the Stripe event type, `detail` = the whole Stripe Event
 * (`id` `evt_…`, `object: "event"`, `type`, `created` in Unix seconds, `livemode`, `data.object`, …).
 *
 * Thin events, Stripe's event notifications (stripe-node resources/V2/Core/Events.d.ts `EventBase` and
 * `EventNotificationBase`, its `_buildEventNotification`; the `EVENTBRIDGE_V2_PAYLOAD` of test/CloudProviderEvent.spec.ts;
 * stripe-python v2/core/_event.py `EventNotification`): the same envelope, `detail` =
 * `{ id, object: "v2.core.event", type, created (an ISO 8601 string), livemode, context?, related_object?: { id,
 * type, url }, reason?, snapshot_event? }` and no `data`; `context` and `related_object` may be null. Fields beyond
 * these are accepted: thin payloads are unversioned, so Stripe may add some without notice.
 *
 * A function receives the payload styles its rules deliver (`STRIPE_EB_EVENT_PAYLOADS`, absent = snapshot); an
 * event of another style was misrouted and is rejected with a reason that says so.
 */
import { StripeEventBridgeError } from '../../contract/errors';
import { STRIPE_PARTNER_SOURCE_PREFIX } from '../../contract/stripe';
import { MAX_EVENT_DEPTH } from '../../contract/wrapper';

/** Why an event was rejected. Stable strings: they appear in logs, metrics and DLQ messages. */
export enum InvalidStripeEventReason {
  EMPTY_EVENT = 'EMPTY_EVENT',
  NOT_AN_OBJECT = 'NOT_AN_OBJECT',
  NOT_EVENTBRIDGE = 'NOT_EVENTBRIDGE',
  NOT_STRIPE_SOURCE = 'NOT_STRIPE_SOURCE',
  DETAIL_NOT_OBJECT = 'DETAIL_NOT_OBJECT',
  MISSING_EVENT_ID = 'MISSING_EVENT_ID',
  /** A thin event reached a function whose rules deliver snapshot events only. */
  THIN_EVENT = 'THIN_EVENT',
  /** A snapshot event reached a function whose rules deliver thin events only. */
  SNAPSHOT_EVENT = 'SNAPSHOT_EVENT',
  NOT_A_STRIPE_EVENT = 'NOT_A_STRIPE_EVENT',
  DETAIL_TYPE_MISMATCH = 'DETAIL_TYPE_MISMATCH',
  MISSING_CREATED = 'MISSING_CREATED',
  MISSING_DATA_OBJECT = 'MISSING_DATA_OBJECT',
  /** A thin event's `snapshot_event`, its idempotency key when present, is not a Stripe event id. */
  INVALID_SNAPSHOT_EVENT = 'INVALID_SNAPSHOT_EVENT',
  /** A thin event's `context` (the account whose API calls fetch its data) is not an account context. */
  INVALID_CONTEXT = 'INVALID_CONTEXT',
  /** A thin event's `related_object` is not `{ id, type, url }` with an API path as its `url`. */
  INVALID_RELATED_OBJECT = 'INVALID_RELATED_OBJECT',
  TOO_LARGE = 'TOO_LARGE',
  /** Nested deeper than MAX_EVENT_DEPTH: decided before anything recursive (JSON.stringify) walks it. */
  TOO_DEEP = 'TOO_DEEP',
  /**
   * Not decided by the envelope but by the event's idempotency record: its `evt_` id has a record made by an
   * event of another type or account (src/contract/idempotency.ts, `validation`). Stripe event ids are unique,
   * so this delivery is forged or corrupted; it is not answered as a duplicate.
   */
  EVENT_ID_REUSED = 'EVENT_ID_REUSED',
}

/**
 * Thrown before the user's handler runs, and before any idempotency record is written (for EVENT_ID_REUSED: when
 * the in-progress put found the record of another event).
 */
export class InvalidStripeEventError extends StripeEventBridgeError {
  public readonly name = 'InvalidStripeEventError';
  constructor(
    public readonly reason: InvalidStripeEventReason,
    message: string,
    /** The EventBridge envelope id, when the event had one. */
    public readonly eventBridgeId?: string,
  ) {
    super(`${reason}: ${message}`);
  }
}

/** What the wrapper logs and measures about a valid event. Never the payload itself. */
export interface StripeEventSummary {
  readonly eventBridgeId: string;
  readonly source: string;
  readonly stripeEventId: string;
  readonly type: string;
  readonly livemode: boolean | undefined;
  /** Stripe's `created`, Unix seconds (with milliseconds for a thin event, whose `created` is an ISO 8601 string). */
  readonly created: number;
  readonly apiVersion: string | undefined;
  /** Set for a thin event only: what the wrapper needs of its notification. */
  readonly thin?: ThinEventFacts;
}

/** What a thin event's notification says beyond the summary. */
export interface ThinEventFacts {
  /** `snapshot_event`: the id of its snapshot twin, which is then the idempotency key. */
  readonly snapshotEvent?: string;
  /** `context`: the account the event belongs to, whose API calls fetch its data (`Stripe-Context`). */
  readonly context?: string;
  /** `related_object`, the object the event is about. */
  readonly relatedObject?: { readonly id: string; readonly type: string; readonly url: string };
}

/** Stripe's two payload styles (`event_payload`), as STRIPE_EB_EVENT_PAYLOADS lists them. */
export type EventPayloadStyle = 'snapshot' | 'thin';

export interface ValidateOptions {
  /** Accepted `source` prefix. @default 'aws.partner/stripe.com/' */
  readonly sourcePrefix?: string;
  /**
   * Largest accepted event, in bytes as EventBridge counts an event entry (see eventBridgeEntryBytes).
   * Anything larger did not come through EventBridge. Measured only when set. @default - not measured
   */
  readonly maxBytes?: number;
  /** Deepest accepted nesting of objects and arrays, the event itself being level 1. @default MAX_EVENT_DEPTH */
  readonly maxDepth?: number;
  /** The payload styles the function receives; an event of another style is rejected. @default ['snapshot'] */
  readonly payloads?: readonly EventPayloadStyle[];
}

/** Stripe object ids are `<prefix>_<alphanumerics>`; event ids use the `evt_` prefix. */
const STRIPE_EVENT_ID = /^evt_[A-Za-z0-9_]{1,255}$/;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Runs of 12 or more digits (card numbers and the like) never reach a log line or an error message. */
const LONG_DIGIT_RUN = /\d{12,}/g;

/** A string for an error message, quoted: at most 40 characters of it, long digit runs masked. */
function quote(text: string, max = 40): string {
  return JSON.stringify((text.length > max ? text.slice(0, max) + '…' : text).replace(LONG_DIGIT_RUN, '[digits]'));
}

/** A short description of a value for an error message: never more than 40 characters of it. */
function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${quote(value)}`;
  if (typeof value === 'number') return `the number ${String(value).replace(LONG_DIGIT_RUN, '[digits]')}`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

const utf8Bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/**
 * Whether `value` nests objects and arrays deeper than `max` levels (`value` itself being level 1).
 * Iterative, with its own stack, and it stops at the first container past the limit: safe on any depth.
 */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const pending: Array<[unknown, number]> = [[value, 1]];
  while (pending.length > 0) {
    const [current, depth] = pending.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth > max) return true;
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (typeof child === 'object' && child !== null) pending.push([child, depth + 1]);
    }
  }
  return false;
}

/**
 * The size of an event as EventBridge counts it against its limit: 14 bytes for `time`, the UTF-8 bytes of
 * `source`, `detail-type`, the `detail` JSON and each of `resources`
 * (docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html). The envelope's own keys and
 * punctuation do not count.
 */
export function eventBridgeEntryBytes(event: Record<string, unknown>): number {
  let size = typeof event.time === 'string' ? 14 : 0;
  size += typeof event.source === 'string' ? utf8Bytes(event.source) : 0;
  size += typeof event['detail-type'] === 'string' ? utf8Bytes(event['detail-type']) : 0;
  const detail = event.detail === undefined ? undefined : JSON.stringify(event.detail);
  size += detail === undefined ? 0 : utf8Bytes(detail);
  if (Array.isArray(event.resources)) {
    for (const resource of event.resources) size += typeof resource === 'string' ? utf8Bytes(resource) : 0;
  }
  return size;
}

/** What sizeBoundOrDepth found deeper than the limit. */
export const TOO_DEEP_MARK = 'TOO_DEEP';

/**
 * One iterative pass over `event` (its own stack, as nestedDeeperThan): TOO_DEEP_MARK when it nests objects and arrays
 * deeper than `max` levels, else an upper bound of eventBridgeEntryBytes(event) without building its JSON text, or
 * undefined where the pass cannot say (a value that is not JSON's: an object of another prototype, a function, a
 * bigint; or an enumerable property on Object.prototype): then nestedDeeperThan and eventBridgeEntryBytes decide.
 *
 * The bound: in JSON text each UTF-16 unit of a string or a key takes at most 6 bytes of UTF-8 (`\u001f`, a lone
 * surrogate's `\udc00`; 3 otherwise), plus its quotes, colon and comma; a number at most 24 characters; `null`, `true`
 * and `false` at most 5. The whole event is counted, so the bound also covers the 14 bytes EventBridge counts for `time`
 * (its key alone is counted 28) and the `source`, `detail-type` and `resources` strings.
 */
export function sizeBoundOrDepth(event: object, max: number): number | typeof TOO_DEEP_MARK | undefined {
  for (const _ in Object.prototype) return undefined;
  let bound = 0;
  const stack: unknown[] = [event, 1];
  // The bytes of a value that is not a container (pushed for later), or undefined for one that is not JSON's.
  const leaf = (child: unknown, depth: number): number | undefined => {
    switch (typeof child) {
      case 'string':
        return 6 * child.length + 2;
      case 'object':
        if (child === null) return 4;
        stack.push(child, depth + 1);
        return 0;
      case 'number':
      case 'boolean':
      case 'undefined':
        return 24;
      default:
        return undefined;
    }
  };
  while (stack.length > 0) {
    const depth = stack.pop() as number;
    const current = stack.pop() as object;
    if (depth > max) return TOO_DEEP_MARK;
    bound += 2;
    if (Array.isArray(current)) {
      // By index, as JSON and nestedDeeperThan read an array (a hole is `null`).
      for (let i = 0; i < current.length; i++) {
        const bytes = leaf(current[i], depth);
        if (bytes === undefined) return undefined;
        bound += 1 + bytes;
      }
    } else {
      if (Object.getPrototypeOf(current) !== Object.prototype) return undefined;
      // Own enumerable keys only: Object.prototype has none (checked above).
      for (const key in current) {
        const bytes = leaf((current as Record<string, unknown>)[key], depth);
        if (bytes === undefined) return undefined;
        bound += 6 * key.length + 4 + bytes;
      }
    }
  }
  return bound;
}

/**
 * Checks that `event` is a Stripe event of a payload style the function receives, in an EventBridge envelope, and
 * returns its summary.
 * @throws InvalidStripeEventError naming what is wrong.
 */
export function validateStripeEventBridgeEvent(event: unknown, options: ValidateOptions = {}): StripeEventSummary {
  const sourcePrefix = options.sourcePrefix ?? STRIPE_PARTNER_SOURCE_PREFIX;
  const fail = (reason: InvalidStripeEventReason, message: string, id?: string): never => {
    throw new InvalidStripeEventError(reason, message, id);
  };

  if (event === undefined || event === null || (isPlainObject(event) && Object.keys(event).length === 0)) {
    return fail(InvalidStripeEventReason.EMPTY_EVENT, 'the event is empty; expected an EventBridge event carrying a Stripe event in `detail`');
  }
  if (!isPlainObject(event)) {
    return fail(InvalidStripeEventReason.NOT_AN_OBJECT, `the event is ${describe(event)}; expected an EventBridge event object`);
  }

  const eventBridgeId = typeof event.id === 'string' ? event.id : undefined;
  if (eventBridgeId === undefined || typeof event['detail-type'] !== 'string' || typeof event.source !== 'string' || !('detail' in event)) {
    return fail(
      InvalidStripeEventReason.NOT_EVENTBRIDGE,
      'not an EventBridge event: expected string `id`, `source` and `detail-type` and a `detail` field (was the function invoked directly with a bare Stripe event?)',
      eventBridgeId,
    );
  }
  const source = event.source as string;
  const detailType = event['detail-type'] as string;
  if (!source.startsWith(sourcePrefix)) {
    return fail(InvalidStripeEventReason.NOT_STRIPE_SOURCE, `source ${quote(source, 80)} does not start with ${JSON.stringify(sourcePrefix)}`, eventBridgeId);
  }
  // Before anything recursive runs: measuring the exact size below stringifies `detail`, which only an event whose
  // bound is above the limit needs (a bound of a few times its size: Stripe's events are far below the limit).
  const maxDepth = options.maxDepth ?? MAX_EVENT_DEPTH;
  const bound = sizeBoundOrDepth(event, maxDepth);
  if (bound === TOO_DEEP_MARK || (bound === undefined && nestedDeeperThan(event, maxDepth))) {
    return fail(
      InvalidStripeEventReason.TOO_DEEP,
      `the event is nested more than ${maxDepth} levels deep (Stripe's events nest about 10); it did not come from a Stripe event destination`,
      eventBridgeId,
    );
  }
  if (options.maxBytes !== undefined && (bound === undefined || bound > options.maxBytes)) {
    const bytes = eventBridgeEntryBytes(event);
    if (bytes > options.maxBytes) {
      return fail(
        InvalidStripeEventReason.TOO_LARGE,
        `the event is ${bytes} bytes as EventBridge counts them, above the ${options.maxBytes}-byte limit of an EventBridge event; it did not come from a Stripe event destination`,
        eventBridgeId,
      );
    }
  }

  const detail = event.detail;
  if (!isPlainObject(detail)) {
    return fail(InvalidStripeEventReason.DETAIL_NOT_OBJECT, `\`detail\` is ${describe(detail)}; expected the Stripe event object`, eventBridgeId);
  }
  if (typeof detail.id !== 'string' || !STRIPE_EVENT_ID.test(detail.id)) {
    return fail(
      InvalidStripeEventReason.MISSING_EVENT_ID,
      `\`detail.id\` is ${describe(detail.id)}; expected a Stripe event id (\`evt_…\`), which is the idempotency key`,
      eventBridgeId,
    );
  }
  const payloads = options.payloads ?? SNAPSHOT_ONLY;
  if (detail.object === 'v2.core.event') {
    if (!payloads.includes('thin')) {
      return fail(
        InvalidStripeEventReason.THIN_EVENT,
        `${detail.id} is a thin event; this function receives snapshot events only. Subscribe thin event types (v1.…, v2.…) on a thin event bus, or set the event destination's payload to \`snapshot\``,
        eventBridgeId,
      );
    }
    return validateThinDetail(detail, detailType, source, eventBridgeId, fail);
  }
  if (detail.object !== 'event') {
    return fail(InvalidStripeEventReason.NOT_A_STRIPE_EVENT, `\`detail.object\` is ${describe(detail.object)}; expected "event" or "v2.core.event"`, eventBridgeId);
  }
  if (!payloads.includes('snapshot')) {
    return fail(
      InvalidStripeEventReason.SNAPSHOT_EVENT,
      `${detail.id} is a snapshot event; this function receives thin events only. Subscribe snapshot event types on a snapshot event bus`,
      eventBridgeId,
    );
  }
  if (detail.type !== detailType) {
    return fail(
      InvalidStripeEventReason.DETAIL_TYPE_MISMATCH,
      `\`detail-type\` ${quote(detailType, 80)} differs from \`detail.type\` ${describe(detail.type)}; Stripe always sets them equal`,
      eventBridgeId,
    );
  }
  if (typeof detail.created !== 'number' || !Number.isFinite(detail.created)) {
    return fail(InvalidStripeEventReason.MISSING_CREATED, `\`detail.created\` is ${describe(detail.created)}; expected Unix seconds`, eventBridgeId);
  }
  if (!isPlainObject(detail.data) || !isPlainObject(detail.data.object)) {
    return fail(InvalidStripeEventReason.MISSING_DATA_OBJECT, `${detail.id} has no \`data.object\`; a snapshot event carries the object it is about`, eventBridgeId);
  }

  return {
    eventBridgeId,
    source,
    stripeEventId: detail.id,
    type: detailType,
    livemode: typeof detail.livemode === 'boolean' ? detail.livemode : undefined,
    created: detail.created,
    apiVersion: typeof detail.api_version === 'string' ? detail.api_version : undefined,
  };
}

const SNAPSHOT_ONLY: readonly EventPayloadStyle[] = ['snapshot'];

/**
 * `created` of a thin event: RFC 3339 (ISO 8601 with a date, a time and a zone, as Stripe writes it:
 * `2024-03-07T18:27:56.000Z`). Parsed here, not by Date.parse, so that both runtimes read the same instant from the
 * same text (fractions beyond milliseconds are cut).
 */
const ISO_TIMESTAMP = /^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))$/;

/** Milliseconds since the epoch of an RFC 3339 timestamp (from 1970 on), or undefined when it is not one. */
export function parseIsoTimestamp(text: string): number | undefined {
  const m = ISO_TIMESTAMP.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const daysInMonth = month >= 1 && month <= 12 ? new Date(Date.UTC(year, month, 0)).getUTCDate() : 0;
  if (year < 1970 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (!m[8]) {
    if (Number(m[10]) > 23 || Number(m[11]) > 59) return undefined;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
  }
  const millis = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  return Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
}

/** A `context`: one or more `/`-separated account segments (`acct_1…`, or a path through an organization). */
const STRIPE_CONTEXT = /^[A-Za-z0-9_]{1,255}(\/[A-Za-z0-9_]{1,255}){0,7}$/;
/**
 * A related object's `url`: a path of Stripe's API (`/v1/…` or `/v2/…`) that the SDK requests with the function's key
 * (`fetchRelatedObject`). Nothing that could leave the path: no `..`, no `//`, no scheme, no fragment, no spaces.
 */
const API_PATH = /^\/v[0-9]+\/(?!.*\.\.)(?!.*\/\/)[A-Za-z0-9_\-./%[\]]+(\?[A-Za-z0-9_\-.%[\]=&]*)?$/;

/** The checks of a thin event's `detail`, after its id and object (see the top of this file). */
function validateThinDetail(
  detail: Record<string, unknown>,
  detailType: string,
  source: string,
  eventBridgeId: string,
  fail: (reason: InvalidStripeEventReason, message: string, id?: string) => never,
): StripeEventSummary {
  const id = detail.id as string;
  if (detail.type !== detailType) {
    return fail(
      InvalidStripeEventReason.DETAIL_TYPE_MISMATCH,
      `\`detail-type\` ${quote(detailType, 80)} differs from \`detail.type\` ${describe(detail.type)}; Stripe always sets them equal`,
      eventBridgeId,
    );
  }
  const createdMs = typeof detail.created === 'string' ? parseIsoTimestamp(detail.created) : undefined;
  if (createdMs === undefined) {
    return fail(
      InvalidStripeEventReason.MISSING_CREATED,
      `\`detail.created\` is ${describe(detail.created)}; expected an ISO 8601 timestamp (a thin event's \`created\`, e.g. "2026-11-26T12:00:00.000Z")`,
      eventBridgeId,
    );
  }
  const snapshotEvent = detail.snapshot_event;
  if (snapshotEvent !== undefined && snapshotEvent !== null && (typeof snapshotEvent !== 'string' || !STRIPE_EVENT_ID.test(snapshotEvent))) {
    return fail(
      InvalidStripeEventReason.INVALID_SNAPSHOT_EVENT,
      `\`detail.snapshot_event\` is ${describe(snapshotEvent)}; expected the Stripe event id (\`evt_…\`) of the event's snapshot twin, which is then the idempotency key`,
      eventBridgeId,
    );
  }
  const context = detail.context;
  if (context !== undefined && context !== null && (typeof context !== 'string' || !STRIPE_CONTEXT.test(context))) {
    return fail(
      InvalidStripeEventReason.INVALID_CONTEXT,
      `\`detail.context\` is ${describe(context)}; expected the account the event belongs to (e.g. "acct_1…"), or null`,
      eventBridgeId,
    );
  }
  const related = detail.related_object;
  if (related !== undefined && related !== null) {
    const r = related as Record<string, unknown>;
    if (!isPlainObject(related) || typeof r.id !== 'string' || r.id === '' || typeof r.type !== 'string' || typeof r.url !== 'string' || !API_PATH.test(r.url)) {
      const why = !isPlainObject(related) ? `is ${describe(related)}` : typeof r.url === 'string' && typeof r.id === 'string' && r.id !== '' && typeof r.type === 'string'
        ? `has the url ${quote(r.url, 80)}, which is not a path of Stripe's API`
        : `has id ${describe(r.id)}, type ${describe(r.type)} and url ${describe(r.url)}`;
      return fail(
        InvalidStripeEventReason.INVALID_RELATED_OBJECT,
        `\`detail.related_object\` ${why}; expected { id, type, url } with url a path such as "/v2/core/accounts/acct_1…", or null`,
        eventBridgeId,
      );
    }
  }
  const relatedObject = related as { id: string; type: string; url: string } | null | undefined;
  return {
    eventBridgeId,
    source,
    stripeEventId: id,
    type: detailType,
    livemode: typeof detail.livemode === 'boolean' ? detail.livemode : undefined,
    created: createdMs / 1000,
    apiVersion: undefined,
    thin: {
      ...(typeof snapshotEvent === 'string' ? { snapshotEvent } : {}),
      ...(typeof context === 'string' ? { context } : {}),
      ...(relatedObject ? { relatedObject: { id: relatedObject.id, type: relatedObject.type, url: relatedObject.url } } : {}),
    },
  };
}
