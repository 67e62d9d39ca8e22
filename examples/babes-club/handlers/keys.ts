/**
 * Keys of The Babes Club's single-table "commerce" table (PK/SK). User ids come from outside (Checkout's
 * client_reference_id, subscription metadata, Stripe customer ids), so they are sanitised before they
 * become key parts: a '#' or a slash in an id must not be able to address another user's items.
 */

/** Letters, digits, '_' and '-' only, at most 64 characters; anything else becomes '_'. */
export function sanitizeUserId(raw: string | null | undefined): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const cleaned = raw.trim().replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
  return /[A-Za-z0-9]/.test(cleaned) ? cleaned : undefined;
}

export const userPk = (userId: string) => `USER#${userId}`;
export const orderSk = (created: number, sessionId: string) => `ORDER#${created}#${sessionId}`;
/** A subscription's membership row (its latest state) and the audit trail of its events. */
export const membershipSk = (subscriptionId: string) => `MEMBERSHIP#${subscriptionId}`;
export const membershipAuditSk = (subscriptionId: string) => `EVENTS#MEMBERSHIP#${subscriptionId}`;
/** One failed payment attempt of an invoice. */
export const paymentFailedSk = (invoiceId: string, attempt: number) => `PAYMENT_FAILED#${invoiceId}#${attempt}`;
export const sessionKey = (sessionId: string) => ({ PK: `CHECKOUT#${sessionId}`, SK: 'SESSION' });
export const paymentIntentKey = (paymentIntentId: string) => ({ PK: `PAYMENT_INTENT#${paymentIntentId}`, SK: 'ORDER_REF' });

/** A Stripe expandable field: an id, or the object when expanded. */
export function idOf(field: string | { id: string } | null | undefined): string | undefined {
  if (field === null || field === undefined) return undefined;
  return typeof field === 'string' ? field : field.id;
}
