/**
 * A Stripe event as EventBridge carries it from a Stripe event destination: `source` is the partner event
 * source (`aws.partner/stripe.com/ed_…`), `detail-type` is the Stripe event type and `detail` is the
 * whole Stripe event (https://docs.stripe.com/event-destinations/eventbridge; stripe-node's
 * test/CloudProviderEvent.spec.ts has the same shape).
 */
import { createHash } from 'node:crypto';
import { toJsonText } from './json-text';
import { LOCAL_STRIPE_SOURCE } from '../contract/stripe';

/** Whether a JSON value is a bare Stripe event (`{"id": "evt_…", "object": "event", "type": …}`). */
export function isStripeEvent(value: unknown): value is { id: string; object: 'event'; type: string; created?: number } {
  const v = value as Record<string, unknown> | null;
  return typeof v === 'object' && v !== null && !Array.isArray(v) && v.object === 'event' && typeof v.type === 'string' && typeof v.id === 'string';
}

/** Whether a JSON value looks like an EventBridge event (has `detail-type` and `source`). */
export function isEventBridgeEvent(value: unknown): boolean {
  const v = value as Record<string, unknown> | null;
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'detail-type' in v && 'source' in v;
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
 * Wraps a bare Stripe event in the EventBridge envelope Stripe delivers. The envelope id is derived from
 * the Stripe event id (EventBridge assigns its own UUID; a stable one keeps outputs reproducible), and
 * `time` from the event's `created`.
 */
export function toEventBridgeEvent(
  stripeEvent: { id: string; type: string; created?: number },
  options: EnvelopeOptions = {},
): Record<string, unknown> {
  const hash = createHash('sha256').update(stripeEvent.id).digest('hex');
  const id = `${hash.slice(0, 8)}-${hash.slice(8, 12)}-${hash.slice(12, 16)}-${hash.slice(16, 20)}-${hash.slice(20, 32)}`;
  const created = typeof stripeEvent.created === 'number' ? stripeEvent.created : 0;
  return {
    'version': '0',
    id,
    'detail-type': stripeEvent.type,
    'source': options.source ?? LOCAL_STRIPE_SOURCE,
    'account': options.account ?? '000000000000',
    'time': new Date(created * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'region': options.region ?? 'us-east-1',
    'resources': [],
    'detail': stripeEvent,
  };
}

/**
 * The event as EventBridge delivers it: a bare Stripe event (JSON text) wrapped in its envelope, anything
 * else (an envelope, or text that is not JSON, for the matcher to report) unchanged.
 */
export function asDelivered(eventJson: string, options: EnvelopeOptions = {}): string {
  let value: unknown;
  try {
    value = JSON.parse(eventJson);
  } catch {
    return eventJson;
  }
  return isStripeEvent(value) && !isEventBridgeEvent(value) ? toJsonText(toEventBridgeEvent(value, options)) : eventJson;
}
