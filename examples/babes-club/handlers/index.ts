/** The Babes Club's Stripe event handlers, bundled into one asset; each function names its export. */
export { checkoutPaid, checkoutClosed } from './checkout';
export { chargeRefunded } from './refunds';
export { subscriptionChanged, invoicePaymentFailed } from './memberships';
