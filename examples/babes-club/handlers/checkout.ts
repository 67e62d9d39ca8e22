/**
 * Checkout: a paid Checkout Session becomes an order. Stripe can send both checkout.session.completed and
 * checkout.session.async_payment_succeeded for one session, so writing the order is idempotent by itself
 * (same keys, updates that never move an order back from refunded) — the wrapper only de-duplicates each
 * event, not two events about one session. The writes go to the wrapper, which commits them with the
 * event's idempotency record (commerce.ts).
 */
import type { StripeEffects, StripeEventBridgeHandler, StripeTransactItem } from '@babes/stripe-eventbridge/typed-events';
import type Stripe from 'stripe';
import { APPEND_EVENT, appendEventValues, commerceTable, conditionFailed } from './commerce';
import { idOf, orderSk, paymentIntentKey, sanitizeUserId, sessionKey, userPk } from './keys';

export type CheckoutResult =
  | { order: { PK: string; SK: string }; session: string }
  | { order: null; session: string; sessionStatus: string }
  | { ignored: string; session: string };

/** Whose order it is: the shop's own user id (client_reference_id), else the Stripe customer, else a guest. */
export function orderOwner(session: Stripe.Checkout.Session): string {
  return sanitizeUserId(session.client_reference_id) ?? sanitizeUserId(idOf(session.customer)) ?? `guest_${sanitizeUserId(session.id)}`;
}

/** Sets a session's status, except that a completed session stays completed. */
function sessionStatusUpdate(session: Stripe.Checkout.Session, status: string, eventId: string): StripeTransactItem {
  return {
    Update: {
      TableName: commerceTable(),
      Key: sessionKey(session.id),
      UpdateExpression: `SET #status = :status, updatedBy = :event, expiresAt = :expires, ${APPEND_EVENT}`,
      ConditionExpression: 'attribute_not_exists(#status) OR #status <> :completed',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':status': status, ':event': eventId, ':completed': 'completed', ':expires': session.expires_at ?? null, ...appendEventValues(eventId) },
    },
  };
}

/** Commits the session's new status with the event; `ignored` when the session is already completed. */
async function setSessionStatus(effects: StripeEffects, session: Stripe.Checkout.Session, status: string, eventId: string, ignored: CheckoutResult): Promise<CheckoutResult> {
  try {
    return await effects.transactWrite({ TransactItems: [sessionStatusUpdate(session, status, eventId)] }, { order: null, session: session.id, sessionStatus: status });
  } catch (err) {
    if (conditionFailed(err)) return ignored;
    throw err;
  }
}

export const checkoutPaid: StripeEventBridgeHandler<'checkout.session.completed' | 'checkout.session.async_payment_succeeded', CheckoutResult> = async (event, context) => {
  const session = event.detail.data.object;
  if (session.payment_status !== 'paid') {
    // e.g. completed with a delayed payment method: the order waits for async_payment_succeeded.
    const status = session.payment_status === 'unpaid' ? 'awaiting_payment' : 'completed';
    return setSessionStatus(context.effects, session, status, event.detail.id, { order: null, session: session.id, sessionStatus: status });
  }

  const owner = orderOwner(session);
  // The session's own creation time orders a user's orders; samples from old API versions lack it.
  const order = { PK: userPk(owner), SK: orderSk(session.created ?? event.detail.created, session.id) };
  const paymentIntent = idOf(session.payment_intent);
  const table = commerceTable();
  return context.effects.transactWrite({
    TransactItems: [
      {
        Update: {
          TableName: table,
          Key: order,
          // if_not_exists: a second event for the session (or a late retry) never moves a refunded order back to paid.
          UpdateExpression:
            'SET #type = :order, sessionId = :session, userId = :user, amount = :amount, currency = :currency, email = :email, '
            + `paymentIntent = :pi, #status = if_not_exists(#status, :paid), paidAt = if_not_exists(paidAt, :at), ${APPEND_EVENT}`,
          ExpressionAttributeNames: { '#type': 'type', '#status': 'status' },
          ExpressionAttributeValues: {
            ':order': 'ORDER',
            ':session': session.id,
            ':user': owner,
            ':amount': session.amount_total,
            ':currency': session.currency,
            ':email': session.customer_details?.email ?? session.customer_email ?? null,
            ':pi': paymentIntent ?? null,
            ':paid': 'paid',
            ':at': event.detail.created,
            ...appendEventValues(event.detail.id),
          },
        },
      },
      {
        Update: {
          TableName: table,
          Key: sessionKey(session.id),
          UpdateExpression: 'SET #status = :completed, userId = :user, orderSk = :sk, updatedBy = :event',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':completed': 'completed', ':user': owner, ':sk': order.SK, ':event': event.detail.id },
        },
      },
      // How a refund (which knows only the payment intent) finds the order.
      ...(paymentIntent
        ? [{
          Update: {
            TableName: table,
            Key: paymentIntentKey(paymentIntent),
            UpdateExpression: 'SET orderPK = :pk, orderSK = :sk',
            ExpressionAttributeValues: { ':pk': order.PK, ':sk': order.SK },
          },
        }]
        : []),
    ],
  }, { order, session: session.id });
};

export const checkoutClosed: StripeEventBridgeHandler<'checkout.session.expired' | 'checkout.session.async_payment_failed', CheckoutResult> = async (event, context) => {
  const session = event.detail.data.object;
  const status = event['detail-type'] === 'checkout.session.expired' ? 'expired' : 'payment_failed';
  return setSessionStatus(context.effects, session, status, event.detail.id, { ignored: 'the session is already completed', session: session.id });
};
