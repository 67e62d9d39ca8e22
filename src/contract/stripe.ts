/**
 * Facts about Stripe's EventBridge deliveries that synth-time, Lambda and CLI code share. No imports.
 *
 * Stripe names its partner event sources `aws.partner/stripe.com/<unique id>`
 * (docs.stripe.com/event-destinations/eventbridge), and every event it delivers carries that name as its
 * `source`.
 */

/** The `source` prefix of Stripe's partner events, and of the names of the buses that accept them. */
export const STRIPE_SOURCE_PREFIX = 'aws.partner/stripe.com';

/** The same with its trailing slash: what a partner event source name starts with. */
export const STRIPE_PARTNER_SOURCE_PREFIX = `${STRIPE_SOURCE_PREFIX}/`;

/** The source used for events wrapped locally; any `aws.partner/stripe.com/…` source matches the same rules. */
export const LOCAL_STRIPE_SOURCE = `${STRIPE_PARTNER_SOURCE_PREFIX}ed_local`;
