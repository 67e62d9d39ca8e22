/**
 * The idempotency record's key, as every wrapper of this library writes it and as tools read it. No imports.
 *
 * Key: `<key prefix>#<hash>`, where the key prefix is the function's `STRIPE_EB_IDEMPOTENCY_KEY_PREFIX`
 * (`<key scope>.<handler name>`) and the hash is the MD5 digest of `JSON.stringify(stripeEventId)` (the
 * event id in double quotes, e.g. `"evt_1Q…"`) in standard base64 with padding: Powertools for AWS Lambda
 * (TypeScript) 2.x (`BasePersistenceLayer.generateHash`: `createHash('md5')…digest('base64')`).
 */

/** Between the key prefix and the hash of the Stripe event id. */
export const KEY_HASH_SEPARATOR = '#';

/** Between the key scope and the handler name in a key prefix: `<key scope>.<handler name>`. */
export const KEY_SCOPE_SEPARATOR = '.';

/**
 * How long Stripe retries a delivery in live mode: "for up to 3 days with an exponential back off"
 * (docs.stripe.com/workbench/event-destinations, "Retry sending an event"); three times over a few hours in
 * test mode.
 */
export const STRIPE_RETRY_WINDOW_SECONDS = 3 * 24 * 60 * 60;
