/**
 * The shop's rules for memberships, which are not about ordering (that is the library's: each subscription's row is
 * written with `context.effects.putLatest`, so it holds the subscription's latest state whatever order Stripe's events
 * arrive in):
 *
 * 1. A subscription belongs to the shop user in its `metadata.userId` (set when the shop creates it), else to its
 *    Stripe customer.
 * 2. Stripe's subscription status says what the member may do: `active` and `trialing` are members, `past_due` and
 *    `unpaid` have a payment to fix, `canceled` and `incomplete_expired` are gone, the rest not yet members.
 * 3. A user with several subscriptions (a canceled one and its replacement) is a member as their newest says.
 */
import type Stripe from 'stripe';
import { idOf, sanitizeUserId } from './keys';

export type MembershipStatus = 'inactive' | 'active' | 'past_due' | 'canceled';

/** A membership row: one subscription's latest state, as the shop keeps it. */
export interface Membership {
  readonly subscriptionId: string;
  /** The subscription's own creation time: the newest subscription is the member's (rule 3). */
  readonly subscriptionCreated: number;
  readonly status: MembershipStatus;
  /** Stripe's status, for support staff. */
  readonly stripeStatus: string;
  readonly currentPeriodEnd: number;
  readonly cancelAtPeriodEnd: boolean;
}

/** Rule 1: the shop user a subscription belongs to, or undefined when it names none. */
export function memberOf(metadata: Stripe.Metadata | null | undefined, customer: string | { id: string } | null | undefined): string | undefined {
  return sanitizeUserId(metadata?.userId ?? metadata?.user_id) ?? sanitizeUserId(idOf(customer));
}

/** Rule 2: Stripe's subscription status → the shop's membership status. */
export function membershipStatus(stripeStatus: string): MembershipStatus {
  switch (stripeStatus) {
    case 'active':
    case 'trialing':
      return 'active';
    case 'past_due':
    case 'unpaid':
      return 'past_due';
    case 'canceled':
    case 'incomplete_expired':
      return 'canceled';
    default:
      return 'inactive'; // incomplete, paused
  }
}

/** `current_period_end` moved from the subscription to its items in API version 2025-03-31; read both. */
export function currentPeriodEnd(sub: Stripe.Subscription): number {
  const legacy = (sub as unknown as { current_period_end?: number }).current_period_end;
  const fromItems = (sub.items?.data ?? []).map((i) => i.current_period_end).filter((n): n is number => typeof n === 'number');
  return legacy ?? (fromItems.length ? Math.max(...fromItems) : 0);
}

/** A subscription's state as a membership row. */
export function membershipOf(sub: Stripe.Subscription): Membership {
  return {
    subscriptionId: sub.id,
    subscriptionCreated: sub.created,
    status: membershipStatus(sub.status),
    stripeStatus: sub.status,
    currentPeriodEnd: currentPeriodEnd(sub),
    cancelAtPeriodEnd: sub.cancel_at_period_end === true,
  };
}

/** Rule 3: of a user's membership rows, the one that says what they are (the newest subscription's). */
export function currentMembership<M extends Membership>(rows: readonly M[]): M | undefined {
  return [...rows].sort((a, b) => b.subscriptionCreated - a.subscriptionCreated || (a.subscriptionId < b.subscriptionId ? 1 : -1))[0];
}
