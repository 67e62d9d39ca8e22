/** Refunds: charge.refunded marks the order refunded, found through its payment intent. */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { StripeEventBridgeHandler } from '@babes/stripe-eventbridge/typed-events';
import { APPEND_EVENT, appendEventValues, commerceTable, conditionFailed, db } from './commerce';
import { idOf, paymentIntentKey } from './keys';

/** The refund arrived before the order it belongs to: failing lets Lambda retry it later. */
export class OrderNotFoundYetError extends Error {
  public readonly name = 'OrderNotFoundYetError';
}

export type RefundResult = { order: { PK: string; SK: string }; status: string; amountRefunded: number } | { ignored: string };

export const chargeRefunded: StripeEventBridgeHandler<'charge.refunded', RefundResult> = async (event, context) => {
  const charge = event.detail.data.object;
  const paymentIntent = idOf(charge.payment_intent);
  if (!paymentIntent) return { ignored: `charge ${charge.id} has no payment intent, so it is not a Checkout order` };

  const ref = await db.send(new GetCommand({ TableName: commerceTable(), Key: paymentIntentKey(paymentIntent), ConsistentRead: true }));
  if (!ref.Item) throw new OrderNotFoundYetError(`no order for payment intent ${paymentIntent} yet (charge ${charge.id}); retry later`);

  const order = { PK: ref.Item.orderPK as string, SK: ref.Item.orderSK as string };
  const status = charge.refunded ? 'refunded' : 'partially_refunded';
  try {
    return await context.effects.transactWrite({
      TransactItems: [{
        Update: {
          TableName: commerceTable(),
          Key: order,
          UpdateExpression: `SET #status = :status, amountRefunded = :refunded, refundedBy = :event, ${APPEND_EVENT}`,
          // Refunds only grow: an older refund event arriving late does not undo a newer one.
          ConditionExpression: 'attribute_exists(PK) AND (attribute_not_exists(amountRefunded) OR amountRefunded <= :refunded)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':status': status, ':refunded': charge.amount_refunded, ':event': event.detail.id, ...appendEventValues(event.detail.id) },
        },
      }],
    }, { order, status, amountRefunded: charge.amount_refunded });
  } catch (err) {
    // Nothing was written; the event completes with this result.
    if (conditionFailed(err)) return { ignored: `order already has a larger refund than ${charge.amount_refunded}` };
    throw err;
  }
};
