/**
 * The shop's own membership rules (examples/babes-club/handlers/membership.ts): whose subscription it is, what its
 * status means, and which of a user's subscriptions is their membership. Ordering is not among them: the rows are
 * written with context.effects.putLatest (handlers.test.ts, and the library's own tests).
 */
import { currentMembership, memberOf, Membership, membershipStatus } from '../../examples/babes-club/handlers/membership';

test('Stripe\'s statuses, as the shop reads them', () => {
  expect(Object.fromEntries(['active', 'trialing', 'past_due', 'unpaid', 'canceled', 'incomplete_expired', 'incomplete', 'paused'].map((s) => [s, membershipStatus(s)]))).toEqual({
    active: 'active', trialing: 'active', past_due: 'past_due', unpaid: 'past_due', canceled: 'canceled', incomplete_expired: 'canceled', incomplete: 'inactive', paused: 'inactive',
  });
});

test('a subscription is the user\'s in its metadata, else its customer\'s; an id that could address another user\'s items is cleaned', () => {
  expect(memberOf({ userId: 'ava-001' }, 'cus_1')).toBe('ava-001');
  expect(memberOf({}, { id: 'cus_1' })).toBe('cus_1');
  expect(memberOf({ userId: 'x#MEMBERSHIP' }, null)).toBe('x_MEMBERSHIP');
  expect(memberOf(null, null)).toBeUndefined();
});

test('of a user\'s subscriptions, the newest is their membership', () => {
  const row = (subscriptionId: string, subscriptionCreated: number, status: Membership['status']): Membership =>
    ({ subscriptionId, subscriptionCreated, status, stripeStatus: status, currentPeriodEnd: 0, cancelAtPeriodEnd: false });
  expect(currentMembership([row('sub_a', 100, 'canceled'), row('sub_b', 200, 'active')])?.subscriptionId).toBe('sub_b');
  expect(currentMembership([row('sub_b', 200, 'active'), row('sub_a', 100, 'canceled')])?.subscriptionId).toBe('sub_b');
  expect(currentMembership([row('sub_a', 100, 'active'), row('sub_b', 100, 'past_due')])?.subscriptionId).toBe('sub_b');
  expect(currentMembership([])).toBeUndefined();
});
