/**
 * EventPatternTester: the offline matcher as the package exports it (jsii: also for Python), for tests in
 * users' own projects.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EventPatternTester } from '../../src';
import { EVENT_SOURCE, synthesizeApp, synthesizeThinApp } from './support/synth-app';
import { API_REFERENCE_EVENT, RUBY_RAW_NOTIFICATION_FILE, THIN_ENVELOPES } from './support/thin-samples';

const SAMPLES = path.join(__dirname, '..', 'fixtures', 'data', 'stripe-events');
const sample = (file: string): string => fs.readFileSync(path.join(SAMPLES, file), 'utf8');

const subscriptions = JSON.stringify({ 'source': [{ prefix: 'aws.partner/stripe.com' }], 'detail-type': [{ wildcard: 'customer.subscription.*' }] });

test('matches, explains and validates', () => {
  const event = EventPatternTester.toEventBridgeEvent(sample('customer.subscription.updated__stripe-ruby-mock.json'));
  expect(EventPatternTester.matches(subscriptions, event)).toBe(true);
  expect(EventPatternTester.explain(subscriptions, event)).toBeUndefined();

  const live = JSON.stringify({ detail: { livemode: [true] } });
  expect(EventPatternTester.matches(live, event)).toBe(false);
  expect(EventPatternTester.explain(live, event)).toBe('detail.livemode is false, which does not match [true]');

  expect(EventPatternTester.validate(subscriptions)).toBeUndefined();
  expect(EventPatternTester.validate('{"detail-type": "invoice.paid"}')).toBe('Event pattern is not valid. Reason: "detail-type" must be an object or an array');
  expect(() => EventPatternTester.matches('{"detail-type": "invoice.paid"}', event)).toThrow('Event pattern is not valid. Reason: "detail-type" must be an object or an array');
});

test('toEventBridgeEvent wraps a bare Stripe event and leaves an envelope alone', () => {
  const wrapped = JSON.parse(EventPatternTester.toEventBridgeEvent(sample('invoice.paid__stripe-ruby-mock.json')));
  expect(wrapped).toMatchObject({ 'detail-type': 'invoice.paid', 'source': 'aws.partner/stripe.com/ed_local', 'detail': { object: 'event', type: 'invoice.paid' } });
  const envelope = sample('eventbridge-envelope__stripe-node-v1-customer.created.json');
  expect(EventPatternTester.toEventBridgeEvent(envelope)).toBe(envelope);
  expect(() => EventPatternTester.toEventBridgeEvent('{"id": "cus_1", "object": "customer"}')).toThrow(/not a Stripe event/);
});

test('matchingRules lists the rules of a synthesized app that receive the event', () => {
  const cdkOut = synthesizeApp();
  expect(EventPatternTester.matchingRules(cdkOut, sample('checkout.session.completed__stripe-ruby-mock.json'))).toEqual([
    expect.objectContaining({ stack: 'Payments', constructPath: 'Payments/Stripe/Orders/Rule', eventBus: EVENT_SOURCE, handlerNames: ['Orders'] }),
    expect.objectContaining({ stack: 'Prod/Payments', constructPath: 'Prod/Payments/Stripe/Orders/Rule', handlerNames: ['Orders'] }),
  ]);
  expect(EventPatternTester.matchingRules(cdkOut, sample('invoice.payment_failed__stripe-ruby-mock.json')).map((r) => r.handlerNames)).toEqual([['Memberships'], ['Memberships']]);
  // The nested stack's rule on the default bus matches charge.dispute.created but never receives Stripe's events.
  expect(EventPatternTester.matchingRules(cdkOut, sample('charge.dispute.created__stripe-ruby-mock.json'))).toEqual([]);
  fs.rmSync(cdkOut, { recursive: true, force: true });
}, 120_000);

test('toEventBridgeEvent wraps a bare thin event as the notification a thin bus delivers', () => {
  // Each of the four thin envelopes of Stripe's SDK tests: its bare detail, wrapped, is the same detail and type.
  for (const { envelope } of THIN_ENVELOPES) {
    const wrapped = JSON.parse(EventPatternTester.toEventBridgeEvent(JSON.stringify(envelope.detail)));
    expect(wrapped).toMatchObject({ 'detail-type': envelope['detail-type'], 'source': 'aws.partner/stripe.com/ed_local', 'detail': envelope.detail });
    // `time` is `created` to the second, as in the real envelopes (stripe-node's and stripe-python's: 2024-03-07T18:27:56Z).
    expect(wrapped.time).toBe(new Date(envelope.detail.created).toISOString().replace(/\.\d{3}Z$/, 'Z'));
  }
  const raw = JSON.parse(fs.readFileSync(RUBY_RAW_NOTIFICATION_FILE, 'utf8'));
  expect(JSON.parse(EventPatternTester.toEventBridgeEvent(JSON.stringify(raw))).detail).toEqual(raw);
  // The event as Stripe's API returns it loses the fetched attributes a destination never sends.
  const { data: _data, ...notification } = API_REFERENCE_EVENT;
  expect(JSON.parse(EventPatternTester.toEventBridgeEvent(JSON.stringify(API_REFERENCE_EVENT))).detail).toEqual(notification);
  expect(() => EventPatternTester.toEventBridgeEvent('{"id": "evt_1", "object": "v2.core.account"}')).toThrow(
    'toEventBridgeEvent: not a Stripe event (needs "id", "type" and "object": "event", or "object": "v2.core.event" for a thin event)');
});

test('matchingRules sends a thin event to the rules of thin buses only, and a snapshot one to the others', () => {
  const cdkOut = synthesizeThinApp();
  const paths = (event: string) => EventPatternTester.matchingRules(cdkOut, event).map((r) => r.constructPath);
  expect(paths(fs.readFileSync(RUBY_RAW_NOTIFICATION_FILE, 'utf8'))).toEqual(['Platform/Stripe/Meters/Rule', 'Platform/Stripe/Everything/ThinRule']);
  expect(paths(fs.readFileSync(THIN_ENVELOPES.find((s) => s.file.includes('python'))!.path, 'utf8'))).toEqual(['Platform/Stripe/Pings/Rule', 'Platform/Stripe/Everything/ThinRule']);
  expect(paths(sample('checkout.session.completed__stripe-ruby-mock.json'))).toEqual(['Platform/Stripe/Orders/Rule', 'Platform/Stripe/Everything/Rule']);
  expect(paths(sample('account.updated__stripe-ruby-mock.json'))).toEqual(['Platform/Stripe/Everything/Rule', 'Connect/Stripe/Accounts/Rule']);
  fs.rmSync(cdkOut, { recursive: true, force: true });
}, 120_000);
