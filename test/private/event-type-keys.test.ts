import { StripeEventPayload } from '../../src/event-payload';
import { closest, editDistance, keyMatches, knownTypesFor, nameFromEventType, parseEventTypeKey, twinOf } from '../../src/private/event-type-keys';
import { STRIPE_EVENT_TYPES, STRIPE_THIN_EVENT_TYPES } from '../../src/private/stripe-event-types.generated';

test.each([
  ['', '', 0],
  ['abc', 'abc', 0],
  ['abc', 'abd', 1],
  ['checkout.sesion.completed', 'checkout.session.completed', 1],
  ['kitten', 'sitting', 3],
])('editDistance(%j, %j) = %d', (a, b, d) => {
  expect(editDistance(a, b)).toBe(d);
  expect(editDistance(b, a)).toBe(d);
});

test('editDistance stops early above the bound', () => {
  expect(editDistance('aaaaaaaa', 'bbbbbbbb', 2)).toBe(3);
});

test('closest returns only the best candidates', () => {
  expect(closest('charge.refundd', ['charge.refunded', 'charge.refund.updated', 'charge.captured'])).toEqual(['charge.refunded']);
  expect(closest('zzzzzz', ['charge.refunded'])).toEqual([]);
});

test('keys match event types as EventBridge would route them', () => {
  const wildcard = parseEventTypeKey('customer.subscription.*', false, 'handlers');
  expect(keyMatches(wildcard, 'customer.subscription.updated')).toBe(true);
  expect(keyMatches(wildcard, 'customer.subscriptions')).toBe(false);
  expect(keyMatches(wildcard, 'customer.updated')).toBe(false);
  expect(keyMatches(parseEventTypeKey('*', false, 'handlers'), 'anything.at.all')).toBe(true);
  expect(keyMatches(parseEventTypeKey('charge.refunded', false, 'handlers'), 'charge.refunded')).toBe(true);
  expect(keyMatches(parseEventTypeKey('charge.refunded', false, 'handlers'), 'charge.refund.updated')).toBe(false);
});

test('a wildcard expands to the known types under it', () => {
  const types = knownTypesFor(parseEventTypeKey('customer.subscription.*', false, 'handlers'));
  expect(types).toContain('customer.subscription.created');
  expect(types).toContain('customer.subscription.deleted');
  expect(types.every((t) => t.startsWith('customer.subscription.'))).toBe(true);
});

describe('thin keys', () => {
  test('are classified by their version prefix; snapshot keys are not', () => {
    expect(parseEventTypeKey('v2.core.account.updated', false, 'handlers')).toEqual({ kind: 'exact', key: 'v2.core.account.updated', type: 'v2.core.account.updated', payload: StripeEventPayload.THIN });
    expect(parseEventTypeKey('v1.checkout.session.*', false, 'handlers')).toEqual({ kind: 'wildcard', key: 'v1.checkout.session.*', prefix: 'v1.checkout.session', payload: StripeEventPayload.THIN });
    expect(parseEventTypeKey('checkout.session.*', false, 'handlers')).toMatchObject({ payload: StripeEventPayload.SNAPSHOT });
    expect(parseEventTypeKey('*', false, 'handlers')).toEqual({ kind: 'all', key: '*' });
  });

  test('may name a part of the object in brackets, dots included; a wildcard over the object does not reach them, as in EventBridge', () => {
    const key = parseEventTypeKey('v2.core.account[configuration.customer].updated', false, 'handlers');
    expect(key).toMatchObject({ kind: 'exact', payload: StripeEventPayload.THIN });
    expect(knownTypesFor(parseEventTypeKey('v2.core.account.*', false, 'handlers'))).toEqual(['v2.core.account.closed', 'v2.core.account.created', 'v2.core.account.updated']);
    expect(knownTypesFor(parseEventTypeKey('v2.core.account[configuration.customer].*', false, 'handlers'))).toEqual([
      'v2.core.account[configuration.customer].capability_status_updated',
      'v2.core.account[configuration.customer].updated',
    ]);
    expect(knownTypesFor(parseEventTypeKey('v2.core.*', false, 'handlers'))).toContain('v2.core.account[requirements].updated');
    expect(nameFromEventType('v2.core.account[requirements].updated')).toBe('V2CoreAccountRequirementsUpdated');
    expect(() => parseEventTypeKey('v2.core.account[configuration.*', false, 'handlers')).toThrow('is not a valid wildcard');
  });

  test("'*' covers the known types of the style asked for", () => {
    const all = parseEventTypeKey('*', false, 'handlers');
    expect(knownTypesFor(all)).toEqual(STRIPE_EVENT_TYPES);
    expect(knownTypesFor(all, StripeEventPayload.THIN)).toEqual(STRIPE_THIN_EVENT_TYPES);
  });

  test('twins are a snapshot type and its v1 thin type, both known to the stripe package', () => {
    expect(twinOf('checkout.session.completed')).toBe('v1.checkout.session.completed');
    expect(twinOf('v1.checkout.session.completed')).toBe('checkout.session.completed');
    expect(twinOf('v1.customer.subscription.active')).toBeUndefined();
    expect(twinOf('v2.core.account.updated')).toBeUndefined();
    const twins = STRIPE_THIN_EVENT_TYPES.filter((t) => twinOf(t) !== undefined);
    expect(twins.length).toBeGreaterThan(200);
    expect(twins.every((t) => t.startsWith('v1.'))).toBe(true);
  });
});
