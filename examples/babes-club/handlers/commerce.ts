/** The commerce table, from the function's environment (the SDK honours AWS_ENDPOINT_URL_DYNAMODB locally). */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export const db = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });

export function commerceTable(): string {
  const name = process.env.COMMERCE_TABLE;
  if (!name) throw new Error('COMMERCE_TABLE is not set');
  return name;
}

/** True for DynamoDB's "condition not met" (alone or inside a cancelled transaction). */
export function conditionFailed(err: unknown): boolean {
  const e = err as { name?: string; CancellationReasons?: Array<{ Code?: string }> };
  return e.name === 'ConditionalCheckFailedException'
    || (e.name === 'TransactionCanceledException' && (e.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed'));
}
