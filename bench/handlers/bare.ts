/**
 * Variant (a) of the benchmark, and the business logic of (b) and (c): a Stripe event handler whose effect
 * is one atomic counter update per Stripe event in a business table. No idempotency of its own.
 */
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';

const client = new DynamoDBClient({ endpoint: process.env.BENCH_DYNAMODB_ENDPOINT });

export interface StripeEventBridgeEvent {
  readonly 'detail-type': string;
  readonly 'detail': { readonly id: string; readonly type: string };
}

export const handler = async (event: StripeEventBridgeEvent): Promise<{ handled: string; effects: number }> => {
  const out = await client.send(new UpdateItemCommand({
    TableName: process.env.BENCH_BUSINESS_TABLE,
    Key: { pk: { S: event.detail.id } },
    UpdateExpression: 'ADD effects :one SET eventType = :t',
    ExpressionAttributeValues: { ':one': { N: '1' }, ':t': { S: event['detail-type'] } },
    ReturnValues: 'UPDATED_NEW',
  }));
  return { handled: event.detail.id, effects: Number(out.Attributes?.effects?.N) };
};
