/**
 * Variant (d) of the benchmark: the same business effect as (a), one counter update per Stripe event in the
 * business table, handed to the wrapper with `context.effects.transactWrite`, which commits it in one
 * transaction with the event's idempotency record.
 */
import type { StripeEventBridgeContext, StripeTransactItem } from '../../src/typed-events';

interface StripeEventBridgeEvent {
  readonly 'detail-type': string;
  readonly 'detail': { readonly id: string; readonly type: string };
}

/** The effect: the event's counter in the business table, as (d) and the thin handler (bench/handlers/thin.ts) write it. */
export function counterUpdate(event: StripeEventBridgeEvent): { TransactItems: StripeTransactItem[] } {
  return {
    TransactItems: [{
      Update: {
        TableName: process.env.BENCH_BUSINESS_TABLE,
        Key: { pk: event.detail.id },
        UpdateExpression: 'ADD effects :one SET eventType = :t',
        ExpressionAttributeValues: { ':one': 1, ':t': event['detail-type'] },
      },
    }],
  };
}

export const handler = async (event: StripeEventBridgeEvent, context: StripeEventBridgeContext): Promise<{ handled: string }> =>
  context.effects.transactWrite(counterUpdate(event), { handled: event.detail.id });
