/**
 * The latest-state rule as pure code (src/lambda/wrapper/latest-state.ts): which of a stored state and an event's is
 * newer, from time, from statuses that only move forward, from deletion; where nothing proves it, Stripe decides.
 * latest-state.integration.test.ts runs it through the wrappers; latest-state-parity.integration.test.ts checks that
 * the Python wrapper decides the same.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { FENCE_ATTRIBUTE, STATUS_TRANSITIONS } from '../../../src/contract/latest-state';
import {
  Candidate,
  decideLatest,
  eventCondition,
  fenceOf,
  fetchedRange,
  isDeletion,
  LatestStateError,
  marshallItem,
  snapshotRange,
  statusesBefore,
  statusProvablyAfter,
  thinRange,
  unchangedCondition,
} from '../../../src/lambda/wrapper/latest-state';

const S = 1_780_000_000;
const fence = (fields: Record<string, unknown> = {}) => ({ id: 'sub_1', type: 'subscription', ...snapshotRange(S), token: 't1', status: 'active', ...fields });
const storedItem = (fields: Record<string, unknown> = {}, attributes: Record<string, unknown> = { pk: 'p', status: 'active' }): Record<string, AttributeValue> =>
  marshallItem({ ...attributes, [FENCE_ATTRIBUTE]: fence(fields) });
const snapshot = (created: number, status?: string, attributes: Record<string, unknown> = { pk: 'p', status }): Candidate =>
  ({ id: 'sub_1', type: 'subscription', ...snapshotRange(created), status, terminal: false, item: marshallItem(attributes) });

describe('time', () => {
  test('a snapshot created in a later second is newer; in an earlier one, older', () => {
    expect(decideLatest(storedItem(), snapshot(S + 1, 'past_due'))).toEqual({ action: 'write', decision: 'newer' });
    expect(decideLatest(storedItem(), snapshot(S - 1, 'past_due'))).toEqual({ action: 'skip', decision: 'older' });
  });

  test('the same second proves nothing: Stripe decides (a tie)', () => {
    expect(decideLatest(storedItem(), snapshot(S, 'past_due'))).toEqual({ action: 'fetch' });
  });

  test('a state fetched from Stripe spans the Date second ± 1 s: events around it are ties, earlier ones older, later ones newer', () => {
    const range = fetchedRange(undefined, snapshotRange(S), { ms: (S + 10) * 1000, margin: 1000 });
    expect(range).toEqual({ lo: (S + 9) * 1000, hi: (S + 11) * 1000 });
    const item = storedItem(range);
    expect(decideLatest(item, snapshot(S + 8, 'past_due')).action).toBe('skip');
    expect(decideLatest(item, snapshot(S + 9, 'past_due')).action).toBe('fetch');
    expect(decideLatest(item, snapshot(S + 10, 'past_due')).action).toBe('fetch');
    expect(decideLatest(item, snapshot(S + 11, 'past_due')).action).toBe('write');
  });

  test('a fetched state is never placed before what was stored when it started, nor before its event', () => {
    expect(fetchedRange(fence({ lo: (S + 50) * 1000 }), snapshotRange(S), { ms: (S + 10) * 1000, margin: 1000 }).lo).toBe((S + 50) * 1000);
    const afterEvent = fetchedRange(undefined, { lo: (S + 30) * 1000 }, { ms: (S + 10) * 1000, margin: 1000 });
    expect(afterEvent).toEqual({ lo: (S + 30) * 1000, hi: (S + 30) * 1000 + 1 });
    // Without Stripe's Date, the function's clock with a wide margin: more ties, never a wrong order.
    expect(fetchedRange(undefined, snapshotRange(S), { ms: (S + 10) * 1000, margin: 300_000 })).toEqual({ lo: S * 1000, hi: (S + 310) * 1000 });
  });

  test('a thin event\'s created is as precise as it is written', () => {
    expect(thinRange('2026-06-01T10:00:00.330Z')).toEqual({ lo: Date.parse('2026-06-01T10:00:00.330Z'), hi: Date.parse('2026-06-01T10:00:00.331Z') });
    expect(thinRange('2026-06-01T10:00:00Z')).toEqual({ lo: Date.parse('2026-06-01T10:00:00Z'), hi: Date.parse('2026-06-01T10:00:01Z') });
    expect(thinRange('2026-06-01T10:00:00.3Z').hi - thinRange('2026-06-01T10:00:00.3Z').lo).toBe(100);
    expect(() => thinRange('yesterday')).toThrow(LatestStateError);
  });
});

describe('statuses that only move forward', () => {
  test.each([
    ['invoice', 'draft', 'open'], ['invoice', 'open', 'paid'], ['invoice', 'draft', 'void'], ['invoice', 'uncollectible', 'paid'],
    ['subscription', 'incomplete', 'active'], ['subscription', 'active', 'canceled'], ['subscription', 'incomplete', 'incomplete_expired'], ['subscription', 'past_due', 'canceled'],
    ['refund', 'pending', 'succeeded'], ['refund', 'succeeded', 'failed'], ['checkout.session', 'open', 'complete'],
    ['payment_intent', 'processing', 'succeeded'],
  ])('%s: %s → %s is provably forward', (type, a, b) => {
    expect(statusProvablyAfter(type, a, b)).toBe(true);
    expect(statusProvablyAfter(type, b, a)).toBe(false);
  });

  test.each([
    ['subscription', 'active', 'past_due'], ['subscription', 'trialing', 'active'], ['subscription', 'paused', 'active'],
    ['subscription', 'canceled', 'incomplete_expired'], ['invoice', 'paid', 'void'], ['refund', 'pending', 'requires_action'],
    ['payment_intent', 'requires_payment_method', 'processing'], ['customer', 'a', 'b'], ['invoice', 'open', 'something_new'],
  ])('%s: %s and %s prove nothing either way', (type, a, b) => {
    expect(statusProvablyAfter(type, a, b)).toBe(false);
    expect(statusProvablyAfter(type, b, a)).toBe(false);
  });

  test('every status named in a transition is a status of its type (a typo would prove nothing, silently)', () => {
    for (const [type, graph] of Object.entries(STATUS_TRANSITIONS)) {
      for (const [from, to] of Object.entries(graph)) {
        for (const status of to) expect({ type, from, status, known: status in graph }).toMatchObject({ known: true });
      }
    }
  });

  test('in the same second, a forward status is newer and a backward one older; a status the table lacks, a tie', () => {
    const open = storedItem({ type: 'invoice', status: 'open' }, { pk: 'p', status: 'open' });
    const invoice = (status: string) => ({ ...snapshot(S, status), type: 'invoice' });
    expect(decideLatest(open, invoice('paid'))).toEqual({ action: 'write', decision: 'newer' });
    expect(decideLatest(open, invoice('draft'))).toEqual({ action: 'skip', decision: 'older' });
    expect(decideLatest(open, invoice('partially_paid'))).toEqual({ action: 'fetch' });
  });

  test('time wins over a status that contradicts it (a later second is newer whatever its status)', () => {
    expect(decideLatest(storedItem({ status: 'canceled' }), snapshot(S + 5, 'active'))).toEqual({ action: 'write', decision: 'newer' });
    expect(decideLatest(storedItem({ status: 'incomplete' }), snapshot(S - 5, 'canceled'))).toEqual({ action: 'skip', decision: 'older' });
  });

  test('statusesBefore lists the stored statuses a snapshot may replace in its own second', () => {
    expect(statusesBefore('invoice', 'paid').sort()).toEqual(['draft', 'open', 'uncollectible']);
    expect(statusesBefore('subscription', 'past_due')).toEqual(['incomplete']);
    expect(statusesBefore('customer', 'anything')).toEqual([]);
    expect(statusesBefore('invoice', undefined)).toEqual([]);
  });
});

describe('deletion, equality and missing fields', () => {
  test('a deletion event is final: it replaces any state, and nothing replaces it', () => {
    expect(isDeletion('invoice.deleted')).toBe(true);
    expect(isDeletion('v1.customer.deleted')).toBe(true);
    expect(isDeletion('invoice.updated')).toBe(false);
    expect(decideLatest(storedItem(), { ...snapshot(S - 9, 'active'), terminal: true })).toEqual({ action: 'write', decision: 'newer' });
    const deleted = storedItem({ terminal: true });
    expect(decideLatest(deleted, snapshot(S + 9, 'active'))).toEqual({ action: 'skip', decision: 'older' });
    expect(decideLatest(deleted, { ...snapshot(S, 'active'), terminal: true })).toEqual({ action: 'skip', decision: 'unchanged' });
  });

  test('an event whose item equals the stored one changes nothing (same second, same status)', () => {
    expect(decideLatest(storedItem({}, { pk: 'p', status: 'active', plan: 'gold' }), snapshot(S, 'active', { plan: 'gold', status: 'active', pk: 'p' })))
      .toEqual({ action: 'skip', decision: 'unchanged' });
    expect(decideLatest(storedItem({}, { pk: 'p', status: 'active', plan: 'gold' }), snapshot(S, 'active', { pk: 'p', status: 'active', plan: 'silver' })))
      .toEqual({ action: 'fetch' });
  });

  test('no stored state, or an item without a (complete) fence: the event is written; a thin event fetches', () => {
    expect(decideLatest(undefined, snapshot(S, 'active'))).toEqual({ action: 'write', decision: 'newer' });
    expect(decideLatest(marshallItem({ pk: 'p', status: 'active' }), snapshot(S, 'active'))).toEqual({ action: 'write', decision: 'newer' });
    expect(fenceOf(marshallItem({ pk: 'p', [FENCE_ATTRIBUTE]: { id: 'sub_1', lo: 1 } }))).toBeUndefined();
    const thin: Candidate = { id: 'sub_1', type: 'subscription', lo: S * 1000, hi: S * 1000 + 1, terminal: false };
    expect(decideLatest(undefined, thin)).toEqual({ action: 'fetch' });
  });

  test('a thin event is skipped only when the stored state is provably at least as new as its instant', () => {
    const thin = (lo: number): Candidate => ({ id: 'sub_1', type: 'subscription', lo, hi: lo + 1, terminal: false });
    const stored = storedItem({ lo: S * 1000 + 500, hi: S * 1000 + 2000 });
    expect(decideLatest(stored, thin(S * 1000 + 499))).toEqual({ action: 'skip', decision: 'older' });
    expect(decideLatest(stored, thin(S * 1000 + 500))).toEqual({ action: 'fetch' });
    expect(decideLatest(stored, thin(S * 1000 + 5000))).toEqual({ action: 'fetch' });
  });

  test('a snapshot without a status decides by time alone', () => {
    expect(decideLatest(storedItem({ status: undefined }), snapshot(S, undefined, { pk: 'p', name: 'x' }))).toEqual({ action: 'fetch' });
    expect(decideLatest(storedItem({ status: undefined }), snapshot(S + 1, undefined))).toEqual({ action: 'write', decision: 'newer' });
  });

  test('an item holding another object\'s state is refused', () => {
    expect(() => decideLatest(storedItem({ id: 'sub_2' }), snapshot(S + 1, 'active'))).toThrow(/holds the state of subscription sub_2, not of subscription sub_1/);
  });
});

describe('conditions', () => {
  test('the event\'s condition names the statuses it may replace, and for a deletion only the object and no deletion yet', () => {
    expect(eventCondition(snapshot(S, 'canceled')).ConditionExpression).toBe(
      'attribute_not_exists(#sf) OR (#sf.#sf_id = :sf_id AND attribute_not_exists(#sf.#sf_terminal) AND (#sf.#sf_hi <= :sf_lo OR ' +
        '(#sf.#sf_status IN (:sf_s0, :sf_s1, :sf_s2, :sf_s3, :sf_s4, :sf_s5) AND #sf.#sf_lo < :sf_hi)))',
    );
    expect(eventCondition(snapshot(S, 'active')).ConditionExpression).toContain('IN (:sf_s0)');
    expect(eventCondition(snapshot(S, undefined)).ConditionExpression).toBe(
      'attribute_not_exists(#sf) OR (#sf.#sf_id = :sf_id AND attribute_not_exists(#sf.#sf_terminal) AND (#sf.#sf_hi <= :sf_lo))',
    );
    expect(eventCondition({ ...snapshot(S, 'canceled'), terminal: true })).toEqual({
      ConditionExpression: 'attribute_not_exists(#sf) OR (#sf.#sf_id = :sf_id AND attribute_not_exists(#sf.#sf_terminal))',
      ExpressionAttributeNames: { '#sf': FENCE_ATTRIBUTE, '#sf_id': 'id', '#sf_terminal': 'terminal' },
      ExpressionAttributeValues: { ':sf_id': 'sub_1' },
    });
  });

  test('a write decided by Stripe is conditioned on the token read before the fetch', () => {
    expect(unchangedCondition(fenceOf(storedItem()))).toEqual({
      ConditionExpression: '#sf.#sf_token = :sf_token',
      ExpressionAttributeNames: { '#sf': FENCE_ATTRIBUTE, '#sf_token': 'token' },
      ExpressionAttributeValues: { ':sf_token': 't1' },
    });
    expect(unchangedCondition(undefined)).toEqual({ ConditionExpression: 'attribute_not_exists(#sf)', ExpressionAttributeNames: { '#sf': FENCE_ATTRIBUTE } });
  });
});
