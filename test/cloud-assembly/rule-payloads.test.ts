/**
 * The payload style of each Stripe bus, told from a synthesized template (what replay routes thin and snapshot events
 * by): by the rules' detail-types, else by the targets' STRIPE_EB_EVENT_PAYLOADS and the `/ThinRule` path, else unknown.
 */
import { App, Stack } from 'aws-cdk-lib';
import { StripeEventBridgeIntegration, StripeEventBus, StripeEventPayload } from '../../src';
import { readCloudAssembly } from '../../src/cloud-assembly/cloud-assembly';
import { busPayloads, withPayloads } from '../../src/cloud-assembly/rule-payloads';
import { rulesOfTemplate } from '../../src/cloud-assembly/rules';
import { inlineHandler, TEST_EVENT_SOURCE } from '../support/stacks';

const THIN_SOURCE = 'aws.partner/stripe.com/ed_test_61RbThinDsJ2cTpQk7b16RaKa7L4SQ0bVIVs1A8q06eRfY';
const thinBus = () => StripeEventBus.fromPartnerEventSource(THIN_SOURCE, { payload: StripeEventPayload.THIN });
const snapshotBus = () => StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE);

/** The rules of a one-stack app: construct path (from the integration's id on) → its bus and payload style. */
function rulesOf(build: (stack: Stack) => void): Record<string, { eventBus: string; payload?: string }> {
  const app = new App();
  const stack = new Stack(app, 'Payloads');
  build(stack);
  const [template] = readCloudAssembly(app.synth().directory);
  return Object.fromEntries(withPayloads(rulesOfTemplate(template), template.resources).map((r) => [r.constructPath!.replace(/^\/?Payloads\/Stripe\//, ''), { eventBus: r.eventBus, payload: r.payload }]));
}

test('two buses: each rule gets the style of its bus, told by the detail-types of the bus\'s rules (a `*` rule included)', () => {
  const rules = rulesOf((stack) => {
    const orders = inlineHandler({ name: 'Orders' });
    new StripeEventBridgeIntegration(stack, 'Stripe', {
      eventBus: snapshotBus(),
      thinEventBus: thinBus(),
      handlers: {
        'checkout.session.completed': orders,
        'v1.checkout.session.completed': orders,
        'v2.core.account.*': inlineHandler({ name: 'Accounts' }),
        '*': inlineHandler({ name: 'Everything' }),
      },
    });
  });
  expect(rules).toEqual({
    'Orders/Rule': { eventBus: TEST_EVENT_SOURCE, payload: 'snapshot' },
    'Orders/ThinRule': { eventBus: THIN_SOURCE, payload: 'thin' },
    'Accounts/Rule': { eventBus: THIN_SOURCE, payload: 'thin' },
    'Everything/Rule': { eventBus: TEST_EVENT_SOURCE, payload: 'snapshot' },
    'Everything/ThinRule': { eventBus: THIN_SOURCE, payload: 'thin' },
  });
});

test('buses whose rules all match every type: told by the functions\' STRIPE_EB_EVENT_PAYLOADS and the /ThinRule path', () => {
  expect(rulesOf((stack) => new StripeEventBridgeIntegration(stack, 'Stripe', {
    eventBus: snapshotBus(), thinEventBus: thinBus(), handlers: { '*': inlineHandler({ name: 'Everything' }) },
  }))).toEqual({
    'Everything/Rule': { eventBus: TEST_EVENT_SOURCE, payload: 'snapshot' },
    'Everything/ThinRule': { eventBus: THIN_SOURCE, payload: 'thin' },
  });
  expect(rulesOf((stack) => new StripeEventBridgeIntegration(stack, 'Stripe', {
    eventBus: thinBus(), handlers: { '*': inlineHandler({ name: 'Everything' }) },
  }))).toEqual({ 'Everything/Rule': { eventBus: THIN_SOURCE, payload: 'thin' } });
  // No STRIPE_EB_EVENT_PAYLOADS: snapshot, as for every function deployed before thin events.
  expect(rulesOf((stack) => new StripeEventBridgeIntegration(stack, 'Stripe', {
    eventBus: snapshotBus(), handlers: { '*': inlineHandler({ name: 'Everything' }) },
  }))).toEqual({ 'Everything/Rule': { eventBus: TEST_EVENT_SOURCE, payload: 'snapshot' } });
});

test('a bus whose rules disagree, or that nothing tells, has no style (it then gets every event)', () => {
  const rule = (eventBus: string, types: unknown[] | undefined) =>
    ({ eventBus, pattern: { source: [{ prefix: 'aws.partner/stripe.com' }], ...(types ? { 'detail-type': types } : {}) }, targetIds: [] });
  const payloads = busPayloads([
    rule('mixed', ['checkout.session.completed']),
    rule('mixed', ['v2.core.account.created']),
    // Every type, and no function of this stack to ask (a queue, a function of another stack): nothing tells.
    rule('unknown', undefined),
    rule('prefixed', [{ prefix: 'v2.core.' }]),
    // As JSON text, as some templates hold their patterns.
    { eventBus: 'text', pattern: JSON.stringify({ 'detail-type': ['invoice.paid'] }), targetIds: [] },
  ], {});
  expect(Object.fromEntries(payloads)).toEqual({ prefixed: 'thin', text: 'snapshot' });
});
