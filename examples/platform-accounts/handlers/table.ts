/**
 * The connected accounts table (`accountId`), from the function's environment. The handlers hand every write to the
 * wrapper (`context.effects.transactWrite`), which commits it in one DynamoDB transaction with the thin event's
 * idempotency record: an account's row changes exactly once per event, even when the function crashes after the fetch.
 *
 * Thin events carry no data, and Stripe does not order them: a handler fetches the account as it is *now*, so the
 * newest fetch is the truth, whatever the order of the events. Each part of the row (the account, its requirements)
 * keeps when it was fetched, and a write only lands if its fetch is newer than the stored one: two handlers that
 * fetched concurrently cannot leave the older state behind (Lambda hosts' clocks are NTP-synchronised, well within
 * the time between two changes of one account).
 */
import type { StripeTransactItem } from '@babes/stripe-eventbridge/typed-events';

export function accountsTable(): string {
  const name = process.env.ACCOUNTS_TABLE;
  if (!name) throw new Error('ACCOUNTS_TABLE is not set');
  return name;
}

/** Whether a write was refused by its condition (alone, or as part of a transaction). */
export function conditionFailed(err: unknown): boolean {
  const e = err as { name?: string; CancellationReasons?: Array<{ Code?: string }> };
  return e.name === 'ConditionalCheckFailedException'
    || (e.name === 'TransactionCanceledException' && (e.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed'));
}

/**
 * An update of one account's row that lands only if `fetchedAt` is newer than the row's `<fence>` attribute: `fields`
 * become the row's, with the event that brought them.
 */
export function fencedUpdate(
  accountId: string,
  fence: string,
  fetchedAt: string,
  eventId: string,
  fields: Record<string, unknown>,
): StripeTransactItem {
  const names: Record<string, string> = { '#fence': fence };
  const values: Record<string, unknown> = { ':fetchedAt': fetchedAt, ':event': eventId };
  const sets = ['#fence = :fetchedAt', 'lastEventId = :event'];
  Object.entries(fields).forEach(([field, value], i) => {
    names[`#f${i}`] = field;
    values[`:v${i}`] = value;
    sets.push(`#f${i} = :v${i}`);
  });
  return {
    Update: {
      TableName: accountsTable(),
      Key: { accountId },
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: 'attribute_not_exists(#fence) OR #fence < :fetchedAt',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}
