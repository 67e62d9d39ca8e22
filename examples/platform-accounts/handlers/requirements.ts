/**
 * `v2.core.account[requirements].updated`: what the account must still provide. An account's `requirements` are
 * include-dependent (docs.stripe.com/api-includable-response-values): a plain fetch leaves them out, so this handler
 * retrieves the account with `include: ['requirements']` through `context.stripe` (the same restricted key, and the
 * event's `context` when it has one).
 */
import type { StripeEventBridgeHandler } from '@babes/stripe-eventbridge/typed-events';
import { conditionFailed, fencedUpdate } from './table';

export type RequirementsResult = { account: string; requirementsStatus: string; due: number } | { account: string; skipped: string };

export const requirementsChanged: StripeEventBridgeHandler<'v2.core.account[requirements].updated', RequirementsResult> = async (event, context) => {
  const account = await context.stripe.v2.core.accounts.retrieve(event.detail.related_object.id, { include: ['requirements'] });
  const fetchedAt = new Date().toISOString();
  const entries = account.requirements?.entries ?? [];
  // What blocks the account now: due or overdue, whoever must act (the account's user, or Stripe reviewing it).
  const due = entries.filter((e) => e.minimum_deadline.status !== 'eventually_due').map((e) => e.description);
  const deadline = account.requirements?.summary?.minimum_deadline;
  const requirementsStatus = deadline?.status ?? 'none';
  try {
    return await context.effects.transactWrite({
      TransactItems: [
        fencedUpdate(account.id, 'requirementsFetchedAt', fetchedAt, event.detail.id, {
          requirementsStatus,
          requirementsDeadline: deadline?.time ?? null,
          requirementsDue: due,
        }),
      ],
    }, { account: account.id, requirementsStatus, due: due.length });
  } catch (err) {
    if (conditionFailed(err)) return { account: account.id, skipped: 'a newer fetch of the requirements is stored' };
    throw err;
  }
};
