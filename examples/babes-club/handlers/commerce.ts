/**
 * The commerce table, from the function's environment (the SDK honours AWS_ENDPOINT_URL_DYNAMODB locally).
 *
 * The handlers read with `db` and hand every write to the wrapper (`context.effects.transactWrite`), which
 * commits it in one DynamoDB transaction with the Stripe event's idempotency record: an order, a refund or a
 * membership change happens exactly once, even when the function crashes or DynamoDB fails after the write.
 * Each write also appends the Stripe event's id to the item's `stripeEvents`, the audit trail support staff
 * read (which Stripe events changed this order?) and the chaos run counts.
 */
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

/** An UpdateExpression clause that appends the event to the item's audit trail (values: appendEventValues). */
export const APPEND_EVENT = 'stripeEvents = list_append(if_not_exists(stripeEvents, :none), :events)';

/** The values APPEND_EVENT needs. */
export function appendEventValues(eventId: string): Record<string, unknown> {
  return { ':none': [], ':events': [eventId] };
}
