/**
 * Facts about Stripe's EventBridge deliveries that synth-time, Lambda and CLI code share. No imports.
 *
 * Stripe names its partner event sources `aws.partner/stripe.com/<unique id>`
 * (docs.stripe.com/event-destinations/eventbridge), and every event it delivers carries that name as its
 * `source`.
 */

/**
 * The `source` prefix of Stripe's partner events and the start of every Stripe partner event source name,
 * with its trailing slash: without it, `aws.partner/stripe.community` or `aws.partner/stripe.com.evil/x`
 * would pass as Stripe's. Rules, the archive and the wrapper's check all use it.
 */
export const STRIPE_PARTNER_SOURCE_PREFIX = 'aws.partner/stripe.com/';

/** The source used for events wrapped locally; any `aws.partner/stripe.com/…` source matches the same rules. */
export const LOCAL_STRIPE_SOURCE = `${STRIPE_PARTNER_SOURCE_PREFIX}ed_local`;

/**
 * Thin event types start with a version (`v1.checkout.session.completed`, `v2.core.account.updated`); snapshot
 * types do not (`checkout.session.completed`). In stripe@23.1.0 every member of `Stripe.V2.Core.EventNotification`
 * starts with `v1.` or `v2.` and no member of `Stripe.Event.Type` does (test/private/stripe-event-types.test.ts).
 */
export const THIN_EVENT_TYPE_PATTERN = /^v\d+\./;

/** True for a thin event type (`v1.…`, `v2.…`). */
export function isThinEventType(type: string): boolean {
  return THIN_EVENT_TYPE_PATTERN.test(type);
}
