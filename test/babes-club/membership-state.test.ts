/**
 * The membership decision must not depend on delivery order: for a subscription's life as Stripe emits it,
 * every order of arrival ends in the same membership as the order in which things happened.
 */
import * as fc from 'fast-check';
import { decideMembership, Membership, MembershipUpdate } from '../../examples/babes-club/handlers/membership-state';

const P1 = 1_700_000_000;
const P2 = P1 + 30 * 86400;
const sub = (status: MembershipUpdate['status'], periodEnd: number, previousStatus?: MembershipUpdate['status'], id = 'sub_a', created = 1_690_000_000): MembershipUpdate => ({
  subscriptionId: id, subscriptionCreated: created, status, stripeStatus: status, currentPeriodEnd: periodEnd, previousStatus,
});

function fold(updates: readonly MembershipUpdate[]): Membership | undefined {
  return updates.reduce<Membership | undefined>((current, u) => decideMembership(current, u) ?? current, undefined);
}

/** Lives of a subscription, each in the order Stripe would emit them. */
const LIVES: Record<string, MembershipUpdate[]> = {
  'created, past_due, recovered in the same period': [sub('inactive', P1), sub('active', P1, 'inactive'), sub('past_due', P1, 'active'), sub('active', P1, 'past_due')],
  'recovered, renewed, canceled': [sub('active', P1), sub('past_due', P1, 'active'), sub('active', P1, 'past_due'), sub('active', P2), sub('canceled', P2, 'active')],
  'an invoice failure (no previous status) then the recovery': [sub('active', P1), sub('past_due', P1), sub('active', P1, 'past_due')],
  'renewal fails and is never paid': [sub('active', P1), sub('active', P2), sub('past_due', P2, 'active'), sub('canceled', P2, 'past_due')],
  'replaced by a newer subscription': [sub('active', P1), sub('canceled', P1, 'active'), sub('active', P2, undefined, 'sub_b', 1_695_000_000)],
};

describe.each(Object.entries(LIVES))('%s', (_name, life) => {
  const expected = fold(life);

  test('the in-order result is the last state', () => {
    const last = life[life.length - 1];
    expect(expected).toMatchObject({ subscriptionId: last.subscriptionId, status: last.status, currentPeriodEnd: last.currentPeriodEnd });
  });

  test('every order of arrival, duplicates included, ends in the same membership', () => {
    fc.assert(
      fc.property(
        fc.shuffledSubarray(life, { minLength: life.length, maxLength: life.length }),
        fc.array(fc.nat(life.length - 1), { maxLength: 4 }),
        (order, dups) => {
          const arrivals = [...order];
          for (const i of dups) arrivals.splice(i, 0, life[i]);
          const got = fold(arrivals);
          expect({ status: got?.status, period: got?.currentPeriodEnd, sub: got?.subscriptionId }).toEqual({
            status: expected?.status, period: expected?.currentPeriodEnd, sub: expected?.subscriptionId,
          });
        },
      ),
      { numRuns: 300, seed: 20261126 },
    );
  });
});

test('without proof, a past_due membership does not become active in the same period', () => {
  expect(decideMembership(fold([sub('past_due', P1)]), sub('active', P1))).toBeUndefined();
});
