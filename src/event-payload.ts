/**
 * The payload style of a Stripe event destination, and so of the events on the bus that receives them. Stripe
 * fixes it per destination (`event_payload`, docs.stripe.com/api/v2/core/event-destinations).
 */
export enum StripeEventPayload {
  /**
   * Snapshot events: the whole Stripe `Event` (`evt_…`) with the object as it was (`data.object`), rendered in
   * the destination's API version. Their types have no version prefix: `checkout.session.completed`.
   */
  SNAPSHOT = 'SNAPSHOT',
  /**
   * Thin events (event notifications): `{ id, type, related_object, context, … }` without `data`; the handler
   * fetches the event or the object from the Stripe API. Their types start with a version: `v1.*` (thin twins of
   * snapshot types, and some thin-only types) and `v2.*` (Stripe's v2 APIs, thin only).
   */
  THIN = 'THIN',
}
