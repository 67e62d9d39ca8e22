/**
 * A Stripe event as EventBridge carries it from a Stripe event destination: `source` is the partner event
 * source (`aws.partner/stripe.com/ed_…`), `detail-type` is the Stripe event type and `detail` is the Stripe
 * event (https://docs.stripe.com/event-destinations/eventbridge; stripe-node's test/CloudProviderEvent.spec.ts
 * has the same shape). Of either payload style: a snapshot destination's bus delivers the whole `Event`
 * (`object: "event"`, `created` in Unix seconds), a thin destination's bus the event notification
 * (`object: "v2.core.event"`, `created` an ISO 8601 string, no `data`: stripe-node's `EVENTBRIDGE_V2_PAYLOAD`,
 * stripe-python's `eventbridge_notification_payload`, test/fixtures/data/stripe-events/eventbridge-envelope__*-thin-*).
 */
import { createHash } from 'node:crypto';
import { toJsonText } from './json-text';
import { LOCAL_STRIPE_SOURCE } from '../contract/stripe';

/** A bare Stripe event of either payload style, as the envelope takes it. */
export interface BareStripeEvent {
  readonly id: string;
  readonly object: string;
  readonly type: string;
  /** Unix seconds (snapshot), or an ISO 8601 timestamp (thin). */
  readonly created?: number | string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether a JSON value is a bare snapshot Stripe event (`{"id": "evt_…", "object": "event", "type": …}`). */
export function isStripeEvent(value: unknown): value is { id: string; object: 'event'; type: string; created?: number } {
  return isObject(value) && value.object === 'event' && typeof value.type === 'string' && typeof value.id === 'string';
}

/**
 * Whether a JSON value is a bare thin event (`{"id": "evt_…", "object": "v2.core.event", "type": …}`): the notification a
 * thin destination sends, or the event as `GET /v2/core/events/{id}` returns it.
 */
export function isThinEvent(value: unknown): value is { id: string; object: 'v2.core.event'; type: string; created?: string } {
  return isObject(value) && value.object === 'v2.core.event' && typeof value.type === 'string' && typeof value.id === 'string';
}

/** Whether a JSON value is a bare Stripe event of either payload style. */
export function isBareStripeEvent(value: unknown): value is BareStripeEvent {
  return isStripeEvent(value) || isThinEvent(value);
}

/** Whether a JSON value looks like an EventBridge event (has `detail-type` and `source`). */
export function isEventBridgeEvent(value: unknown): boolean {
  return isObject(value) && 'detail-type' in value && 'source' in value;
}

export interface EnvelopeOptions {
  /** @default LOCAL_STRIPE_SOURCE */
  readonly source?: string;
  /** @default '000000000000' */
  readonly account?: string;
  /** @default 'us-east-1' */
  readonly region?: string;
}

/**
 * What a thin event's API form has that its notification has not: Stripe's API reference lists `changes` and `data` as
 * the "fetched attributes" of every thin event type (docs.stripe.com/api/v2/core/events/event-types), present on
 * `GET /v2/core/events` and absent from what a destination sends.
 */
const FETCHED_THIN_ATTRIBUTES = new Set(['changes', 'data']);

/**
 * The `detail` a bus delivers for a bare event: a snapshot event as it is; a thin event as its notification (the
 * fetched attributes left out; any other field kept, since thin payloads are unversioned).
 */
export function deliveredDetail(event: BareStripeEvent): Record<string, unknown> {
  if (event.object !== 'v2.core.event') return event as unknown as Record<string, unknown>;
  return Object.fromEntries(Object.entries(event).filter(([k]) => !FETCHED_THIN_ATTRIBUTES.has(k)));
}

/** The envelope's `time`: the event's `created` to the second, as EventBridge writes it (`2024-03-07T18:27:56Z`). */
function envelopeTime(created: number | string | undefined): string {
  const ms = typeof created === 'number' ? created * 1000 : typeof created === 'string' ? Date.parse(created) : NaN;
  return new Date(Number.isFinite(ms) ? ms : 0).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Wraps a bare Stripe event in the EventBridge envelope its destination's bus delivers: a snapshot event whole, a
 * thin one as its notification (deliveredDetail). The envelope id is derived from the Stripe event id (EventBridge
 * assigns its own UUID; a stable one keeps outputs reproducible), and `time` from the event's `created`.
 */
export function toEventBridgeEvent(
  stripeEvent: { id: string; type: string; object?: string; created?: number | string },
  options: EnvelopeOptions = {},
): Record<string, unknown> {
  const hash = createHash('sha256').update(stripeEvent.id).digest('hex');
  const id = `${hash.slice(0, 8)}-${hash.slice(8, 12)}-${hash.slice(12, 16)}-${hash.slice(16, 20)}-${hash.slice(20, 32)}`;
  return {
    'version': '0',
    id,
    'detail-type': stripeEvent.type,
    'source': options.source ?? LOCAL_STRIPE_SOURCE,
    'account': options.account ?? '000000000000',
    'time': envelopeTime(stripeEvent.created),
    'region': options.region ?? 'us-east-1',
    'resources': [],
    'detail': deliveredDetail(stripeEvent as BareStripeEvent),
  };
}

/**
 * The event as EventBridge delivers it: a bare Stripe event of either style (JSON text) wrapped in its envelope,
 * anything else (an envelope, or text that is not JSON, for the matcher to report) unchanged.
 */
export function asDelivered(eventJson: string, options: EnvelopeOptions = {}): string {
  let value: unknown;
  try {
    value = JSON.parse(eventJson);
  } catch {
    return eventJson;
  }
  return isBareStripeEvent(value) && !isEventBridgeEvent(value) ? toJsonText(toEventBridgeEvent(value, options)) : eventJson;
}

/** The payload style of an event: of its `detail` for an EventBridge event, of itself for a bare one; undefined for anything else. */
export function payloadStyleOf(value: unknown): 'snapshot' | 'thin' | undefined {
  const event = isEventBridgeEvent(value) ? (value as { detail?: unknown }).detail : value;
  if (!isObject(event)) return undefined;
  return event.object === 'v2.core.event' ? 'thin' : event.object === 'event' ? 'snapshot' : undefined;
}
