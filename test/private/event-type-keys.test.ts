import { closest, editDistance, keyMatches, knownTypesFor, parseEventTypeKey } from '../../src/private/event-type-keys';

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
