/**
 * Memberships: every customer.subscription.* event writes its subscription's row with `context.effects.putLatest`, so
 * the row holds the subscription's latest state whatever order the events arrive in (a renewal before the creation, an
 * update after the cancellation), and appends the event to the subscription's audit trail in the same transaction
 * (a ledger: every event, exactly once). invoice.payment_failed records the failed payment for the member, exactly
 * once; the membership itself turns past_due with the subscription's own update.
 */
import type { StripeEventBridgeHandler } from '@babes/stripe-eventbridge/typed-events';
import { APPEND_EVENT, appendEventValues, commerceTable, conditionFailed } from './commerce';
import { idOf, membershipAuditSk, membershipSk, paymentFailedSk, userPk } from './keys';
import { memberOf, membershipOf } from './membership';

export type MembershipResult = { subscription: string; user: string; written: boolean; decision: string } | { ignored: string };

export const subscriptionChanged: StripeEventBridgeHandler<'customer.subscription.*', MembershipResult> = async (event, context) => {
  const sub = event.detail.data.object;
  const userId = memberOf(sub.metadata, sub.customer);
  if (!userId) return { ignored: `subscription ${sub.id} has no user id or customer` };
  const audit = {
    Update: {
      TableName: commerceTable(),
      Key: { PK: userPk(userId), SK: membershipAuditSk(sub.id) },
      UpdateExpression: `SET #type = :audit, ${APPEND_EVENT}`,
      ExpressionAttributeNames: { '#type': 'type' },
      ExpressionAttributeValues: { ':audit': 'MEMBERSHIP_EVENTS', ...appendEventValues(event.detail.id) },
    },
  };
  return context.effects.putLatest({
    TableName: commerceTable(),
    Key: { PK: userPk(userId), SK: membershipSk(sub.id) },
    object: sub,
    // The state of the subscription this event is about, or a newer one Stripe returned when the event could not tell.
    Item: (latest) => ({ type: 'MEMBERSHIP', userId, ...membershipOf(latest) }),
    TransactItems: [audit],
  }, (outcome) => ({ subscription: sub.id, user: userId, written: outcome.written, decision: outcome.decision }));
};

export type PaymentFailedResult = { notice: { PK: string; SK: string }; invoice: string; attempt: number } | { ignored: string };

export const invoicePaymentFailed: StripeEventBridgeHandler<'invoice.payment_failed', PaymentFailedResult> = async (event, context) => {
  const invoice = event.detail.data.object;
  // `invoice.subscription` before API version 2025-03-31, `invoice.parent.subscription_details` after.
  type Legacy = { subscription?: string | { id: string } | null; subscription_details?: { metadata?: Record<string, string> } };
  const legacy = invoice as unknown as Legacy;
  const details = invoice.parent?.subscription_details;
  const subscriptionId = idOf(legacy.subscription) ?? idOf(details?.subscription);
  if (!subscriptionId) return { ignored: `invoice ${invoice.id} is not a subscription invoice` };
  const userId = memberOf(details?.metadata ?? legacy.subscription_details?.metadata, invoice.customer);
  if (!userId) return { ignored: `invoice ${invoice.id} has no user id or customer` };
  // One notice per failed attempt, for the e-mail that asks the member to update their card: an effect, not a state.
  const notice = { PK: userPk(userId), SK: paymentFailedSk(invoice.id, invoice.attempt_count) };
  try {
    return await context.effects.transactWrite({
      TransactItems: [{
        Put: {
          TableName: commerceTable(),
          Item: {
            ...notice,
            type: 'PAYMENT_FAILED',
            userId,
            subscriptionId,
            invoice: invoice.id,
            attempt: invoice.attempt_count,
            amountDue: invoice.amount_due,
            currency: invoice.currency,
            stripeEvents: [event.detail.id],
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      }],
    }, { notice, invoice: invoice.id, attempt: invoice.attempt_count });
  } catch (err) {
    // Nothing was written: another event already noted this attempt.
    if (conditionFailed(err)) return { ignored: `attempt ${invoice.attempt_count} of invoice ${invoice.id} is already noted` };
    throw err;
  }
};
