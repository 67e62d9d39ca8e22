/**
 * Facts about the idempotency record that synth-time and run-time code share. No imports.
 */

/**
 * How long Stripe retries a delivery in live mode: "for up to 3 days with an exponential back off"
 * (docs.stripe.com/workbench/event-destinations, "Retry sending an event"); three times over a few hours in
 * test mode.
 */
export const STRIPE_RETRY_WINDOW_SECONDS = 3 * 24 * 60 * 60;
