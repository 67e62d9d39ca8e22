/**
 * A membership that never goes backwards when Stripe's events arrive out of order. Stripe's events are
 * not ordered and their `created` must not be used to order them, so the decision comes from the
 * subscription objects themselves:
 *
 * 1. A newer subscription (the subscription's own `created`) replaces an older one; an older one never
 *    replaces a newer one.
 * 2. For the same subscription, `canceled` is final.
 * 3. A later billing period (`current_period_end`) replaces an earlier one; an earlier one is stale.
 * 4. Within one period, statuses only move forward (inactive → active → past_due → canceled), except the
 *    one legitimate way back — a past_due subscription that is paid becomes active — which is applied only
 *    when the event proves it (its `previous_attributes.status` is the stored status). The recovery is
 *    remembered, so the past_due update it recovered from cannot re-apply if it arrives afterwards.
 */

export type MembershipStatus = 'inactive' | 'active' | 'past_due' | 'canceled';

export interface Membership {
  readonly subscriptionId: string;
  /** The subscription's own creation time (0 when only an invoice has been seen). */
  readonly subscriptionCreated: number;
  readonly status: MembershipStatus;
  /** Stripe's status, for support staff. */
  readonly stripeStatus: string;
  readonly currentPeriodEnd: number;
  /** Statuses this period recovered from (only `past_due` today). */
  readonly recoveredFrom: MembershipStatus[];
}

/** What one event says about the subscription. */
export interface MembershipUpdate extends Omit<Membership, 'recoveredFrom'> {
  /** The status the subscription had before this change, when the event says (`previous_attributes.status`). */
  readonly previousStatus?: MembershipStatus;
}

const RANK: Record<MembershipStatus, number> = { inactive: 0, active: 1, past_due: 2, canceled: 3 };

/** Stripe's subscription status → the shop's membership status. */
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

/** The membership after `update`, or undefined when the stored one stands. */
export function decideMembership(current: Membership | undefined, update: MembershipUpdate): Membership | undefined {
  const { previousStatus, ...fields } = update;
  // This event is the recovery itself: it proves that past_due came earlier in its period.
  const proves: MembershipStatus[] = previousStatus === 'past_due' && update.status === 'active' ? ['past_due'] : [];
  const next = (recoveredFrom: MembershipStatus[], subscriptionCreated = update.subscriptionCreated): Membership => ({
    ...fields,
    subscriptionCreated,
    recoveredFrom: [...new Set([...recoveredFrom, ...proves])],
  });
  if (!current) return next([]);

  if (current.subscriptionId !== update.subscriptionId) {
    // Rule 1. An invoice-only update (created 0) for another subscription never replaces a known one.
    const newer = update.subscriptionCreated > current.subscriptionCreated
      || (update.subscriptionCreated === current.subscriptionCreated && update.subscriptionId > current.subscriptionId);
    return newer ? next([]) : undefined;
  }
  const created = Math.max(current.subscriptionCreated, update.subscriptionCreated);
  if (current.status === 'canceled') return undefined; // rule 2
  if (update.status === 'canceled') return next(current.recoveredFrom, created);
  if (update.currentPeriodEnd > current.currentPeriodEnd) return next([], created); // rule 3
  if (update.currentPeriodEnd < current.currentPeriodEnd) return undefined;

  // Rule 4: the same period.
  if (RANK[update.status] > RANK[current.status]) {
    return current.recoveredFrom.includes(update.status) ? undefined : next(current.recoveredFrom, created);
  }
  if (RANK[update.status] < RANK[current.status]) {
    return proves.includes(current.status) ? next(current.recoveredFrom, created) : undefined;
  }
  return next(current.recoveredFrom, created);
}
