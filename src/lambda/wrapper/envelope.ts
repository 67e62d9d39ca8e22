/**
 * Validation of the EventBridge event that a Stripe event destination delivers.
 *
 * Shape (docs.stripe.com/event-destinations/eventbridge; stripe-node test/CloudProviderEvent.spec.ts):
 * `source` = `aws.partner/stripe.com/ed_…`, `detail-type` = the Stripe event type, `detail` = the whole
 * Stripe Event (`id` `evt_…`, `object: "event"`, `type`, `created` in Unix seconds, `livemode`,
 * `data.object`, …). A *thin* (v2) event has `object: "v2.core.event"` and no `data`: the library's
 * destinations deliver snapshot events only, so a thin event is rejected with a reason that says so.
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
  THIN_EVENT = 'THIN_EVENT',
  NOT_A_STRIPE_EVENT = 'NOT_A_STRIPE_EVENT',
  DETAIL_TYPE_MISMATCH = 'DETAIL_TYPE_MISMATCH',
  MISSING_CREATED = 'MISSING_CREATED',
  MISSING_DATA_OBJECT = 'MISSING_DATA_OBJECT',
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
  /** Stripe's `created`, Unix seconds. */
  readonly created: number;
  readonly apiVersion: string | undefined;
}

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

/**
 * Checks that `event` is a Stripe snapshot event in an EventBridge envelope and returns its summary.
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
  // Before anything recursive runs: measuring the size below stringifies `detail`.
  const maxDepth = options.maxDepth ?? MAX_EVENT_DEPTH;
  if (nestedDeeperThan(event, maxDepth)) {
    return fail(
      InvalidStripeEventReason.TOO_DEEP,
      `the event is nested more than ${maxDepth} levels deep (Stripe's events nest about 10); it did not come from a Stripe event destination`,
      eventBridgeId,
    );
  }
  if (options.maxBytes !== undefined) {
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
  if (detail.object === 'v2.core.event') {
    return fail(
      InvalidStripeEventReason.THIN_EVENT,
      `${detail.id} is a thin (v2) event; this handler expects snapshot events (set the event destination's payload to \`snapshot\`)`,
      eventBridgeId,
    );
  }
  if (detail.object !== 'event') {
    return fail(InvalidStripeEventReason.NOT_A_STRIPE_EVENT, `\`detail.object\` is ${describe(detail.object)}; expected "event"`, eventBridgeId);
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
