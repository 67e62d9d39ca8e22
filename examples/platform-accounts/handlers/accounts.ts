/**
 * `v2.core.account.created`, `.updated` and `.closed`: the account as it is now, fetched with the notification's
 * `fetchRelatedObject()` (a `GET /v2/core/accounts/{id}` with the restricted key, made by the wrapper's Stripe client),
 * becomes the account's row. What the event says is only *which* account changed; the fetch says how.
 */
import type { StripeEventBridgeHandler } from '@babes/stripe-eventbridge/typed-events';
import { conditionFailed, fencedUpdate } from './table';

export type AccountResult = { account: string; status: 'active' | 'closed' } | { account: string; skipped: string };

export const accountChanged: StripeEventBridgeHandler<'v2.core.account.*', AccountResult> = async (event, context) => {
  const account = await context.eventNotification.fetchRelatedObject();
  const fetchedAt = new Date().toISOString();
  const status = account.closed ? 'closed' : 'active';
  try {
    return await context.effects.transactWrite({
      TransactItems: [
        fencedUpdate(account.id, 'accountFetchedAt', fetchedAt, event.detail.id, {
          displayName: account.display_name ?? null,
          contactEmail: account.contact_email ?? null,
          configurations: account.applied_configurations,
          dashboard: account.dashboard ?? null,
          status,
          accountCreated: account.created,
          livemode: account.livemode,
        }),
      ],
    }, { account: account.id, status });
  } catch (err) {
    // Another event's handler fetched the account after this one did and has written it already.
    if (conditionFailed(err)) return { account: account.id, skipped: 'a newer fetch of the account is stored' };
    throw err;
  }
};
