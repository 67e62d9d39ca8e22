/** Memberships: every customer.subscription.* event, and invoice.payment_failed. */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { StripeEffects, StripeEventBridgeHandler } from '@babes/stripe-eventbridge/typed-events';
import type Stripe from 'stripe';
import { commerceTable, conditionFailed, db } from './commerce';
import { idOf, MEMBERSHIP_SK, sanitizeUserId, userPk } from './keys';
import { decideMembership, Membership, MembershipUpdate, membershipStatus } from './membership-state';

export type MembershipResult = { membership: Membership & { PK: string }; changed: boolean } | { ignored: string };

/** `current_period_end` moved from the subscription to its items in API version 2025-03-31; read both. */
export function currentPeriodEnd(sub: Stripe.Subscription): number {
  const legacy = (sub as unknown as { current_period_end?: number }).current_period_end;
  const fromItems = (sub.items?.data ?? []).map((i) => i.current_period_end).filter((n): n is number => typeof n === 'number');
  return legacy ?? (fromItems.length ? Math.max(...fromItems) : 0);
}

function memberOf(metadata: Stripe.Metadata | null | undefined, customer: string | { id: string } | null | undefined): string | undefined {
  return sanitizeUserId(metadata?.userId ?? metadata?.user_id) ?? sanitizeUserId(idOf(customer));
}

type StoredMembership = Membership & { version: number; PK: string; stripeEvents?: string[] };

/**
 * Reads the membership, decides, and hands the write to the wrapper with optimistic concurrency: a lost race
 * cancels the transaction (nothing written), and the membership is read and decided again.
 */
async function applyUpdate(effects: StripeEffects, userId: string, update: MembershipUpdate, eventId: string): Promise<MembershipResult> {
  const Key = { PK: userPk(userId), SK: MEMBERSHIP_SK };
  for (let attempt = 0; attempt < 5; attempt++) {
    const { Item } = await db.send(new GetCommand({ TableName: commerceTable(), Key, ConsistentRead: true }));
    const current = Item as StoredMembership | undefined;
    const decided = decideMembership(current, update);
    if (!decided) {
      const { stripeEvents: _, ...membership } = current!;
      return { membership, changed: false };
    }
    try {
      return await effects.transactWrite({
        TransactItems: [{
          Put: {
            TableName: commerceTable(),
            Item: {
              ...Key, type: 'MEMBERSHIP', userId, ...decided, version: (current?.version ?? 0) + 1, updatedBy: eventId,
              stripeEvents: [...(current?.stripeEvents ?? []), eventId],
            },
            ConditionExpression: current ? 'version = :v' : 'attribute_not_exists(PK)',
            ExpressionAttributeValues: current ? { ':v': current.version } : undefined,
          },
        }],
      }, { membership: { ...decided, PK: Key.PK }, changed: true });
    } catch (err) {
      if (!conditionFailed(err)) throw err;
    }
  }
  throw new Error(`membership of ${userId} kept changing under five attempts; Lambda will retry`);
}

export const subscriptionChanged: StripeEventBridgeHandler<'customer.subscription.*', MembershipResult> = async (event, context) => {
  const sub = event.detail.data.object;
  const userId = memberOf(sub.metadata, sub.customer);
  if (!userId) return { ignored: `subscription ${sub.id} has no user id or customer` };
  const previous = event.detail.data.previous_attributes as Partial<Stripe.Subscription> | undefined;
  return applyUpdate(context.effects, userId, {
    subscriptionId: sub.id,
    subscriptionCreated: sub.created,
    status: membershipStatus(sub.status),
    stripeStatus: sub.status,
    currentPeriodEnd: currentPeriodEnd(sub),
    previousStatus: previous?.status ? membershipStatus(previous.status) : undefined,
  }, event.detail.id);
};

export const invoicePaymentFailed: StripeEventBridgeHandler<'invoice.payment_failed', MembershipResult> = async (event, context) => {
  const invoice = event.detail.data.object;
  // `invoice.subscription` before API version 2025-03-31, `invoice.parent.subscription_details` after.
  const legacy = invoice as unknown as { subscription?: string | { id: string } | null; subscription_details?: { metadata?: Stripe.Metadata } };
  const details = invoice.parent?.subscription_details;
  const subscriptionId = idOf(legacy.subscription) ?? idOf(details?.subscription);
  if (!subscriptionId) return { ignored: `invoice ${invoice.id} is not a subscription invoice` };
  const userId = memberOf(details?.metadata ?? legacy.subscription_details?.metadata, invoice.customer);
  if (!userId) return { ignored: `invoice ${invoice.id} has no user id or customer` };
  const periodEnds = (invoice.lines?.data ?? []).map((l) => l.period?.end).filter((n): n is number => typeof n === 'number');
  return applyUpdate(context.effects, userId, {
    subscriptionId,
    subscriptionCreated: 0,
    status: 'past_due',
    stripeStatus: 'past_due',
    currentPeriodEnd: periodEnds.length ? Math.max(...periodEnds) : invoice.period_end,
  }, event.detail.id);
};
