import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import { StripeEventBridgeIntegration, StripeEventBus, StripeEventHandler, StripeLivemode } from '../../src';
import { matchesPattern } from '../../src/event-pattern';
import { STRIPE_EVENT_TYPES } from '../../src/private/stripe-event-types.generated';
import { inlineHandler, newStack, resourcesOf, TEST_EVENT_SOURCE } from '../support/stacks';
import { envelope, loadSample, StripeEventSample } from '../support/stripe-samples';

const bus = () => StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE);

describe('rule patterns', () => {
  test('source by prefix, detail-type exact, no detail filter by default', () => {
    const stack = newStack();
    new StripeEventBridgeIntegration(stack, 'Stripe', { eventBus: bus(), handlers: { 'checkout.session.completed': inlineHandler() } });
    const [, rule] = resourcesOf(Template.fromStack(stack), 'AWS::Events::Rule')[0];
    expect(rule.Properties.EventPattern).toEqual({
      'source': [{ prefix: 'aws.partner/stripe.com/' }],
      'detail-type': ['checkout.session.completed'],
    });
  });

  test('the source prefix keeps its trailing slash: look-alike sources match no rule, Stripe sources of any form do', () => {
    const stack = newStack();
    new StripeEventBridgeIntegration(stack, 'Stripe', { eventBus: bus(), handlers: { 'checkout.session.completed': inlineHandler() } });
    const [, rule] = resourcesOf(Template.fromStack(stack), 'AWS::Events::Rule')[0];
    const event = (source: string) => ({ ...envelope(loadSample<StripeEventSample>('checkout.session.completed__stripe-ruby-mock.json')), source });
    for (const source of ['aws.partner/stripe.community', 'aws.partner/stripe.community/ed_1', 'aws.partner/stripe.com.evil/x', 'aws.partner/stripe.com']) {
      expect([source, matchesPattern(rule.Properties.EventPattern, event(source)).matches]).toEqual([source, false]);
    }
    for (const source of [TEST_EVENT_SOURCE, 'aws.partner/stripe.com/ed_test_1', 'aws.partner/stripe.com/acct_1Abc/ed_1Def']) {
      expect([source, matchesPattern(rule.Properties.EventPattern, event(source)).matches]).toEqual([source, true]);
    }
  });

  test('a wildcard key becomes an EventBridge wildcard on detail-type', () => {
    const stack = newStack();
    new StripeEventBridgeIntegration(stack, 'Stripe', { eventBus: bus(), handlers: { 'customer.subscription.*': inlineHandler() } });
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'source': [{ prefix: 'aws.partner/stripe.com/' }], 'detail-type': [{ wildcard: 'customer.subscription.*' }] },
    });
  });

  test('"*" matches every Stripe event: no detail-type condition at all', () => {
    const stack = newStack();
    new StripeEventBridgeIntegration(stack, 'Stripe', { eventBus: bus(), handlers: { '*': inlineHandler() } });
    const [, rule] = resourcesOf(Template.fromStack(stack), 'AWS::Events::Rule')[0];
    expect(rule.Properties.EventPattern).toEqual({ source: [{ prefix: 'aws.partner/stripe.com/' }] });
  });

  test('an exact key already covered by a wildcard of the same handler is dropped from the pattern', () => {
    const stack = newStack();
    const h = inlineHandler();
    new StripeEventBridgeIntegration(stack, 'Stripe', { eventBus: bus(), handlers: { 'invoice.*': h, 'invoice.paid': h, 'charge.refunded': h } });
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'detail-type': ['charge.refunded', { wildcard: 'invoice.*' }] },
    });
  });

  test.each([
    [StripeLivemode.LIVE_ONLY, { livemode: [true] }],
    [StripeLivemode.TEST_ONLY, { livemode: [false] }],
  ])('livemode %s adds a content filter on detail', (livemode, detail) => {
    const stack = newStack();
    new StripeEventBridgeIntegration(stack, 'Stripe', { eventBus: bus(), livemode, handlers: { 'checkout.session.completed': inlineHandler() } });
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', { EventPattern: { detail } });
  });

  test('a detail filter applies to every rule and combines with livemode', () => {
    const stack = newStack();
    new StripeEventBridgeIntegration(stack, 'Stripe', {
      eventBus: bus(),
      livemode: StripeLivemode.LIVE_ONLY,
      detailFilter: { account: [{ exists: false }] },
      handlers: { 'checkout.session.completed': inlineHandler(), 'charge.refunded': inlineHandler() },
    });
    const rules = resourcesOf(Template.fromStack(stack), 'AWS::Events::Rule');
    expect(rules).toHaveLength(2);
    for (const [, rule] of rules) {
      expect(rule.Properties.EventPattern.detail).toEqual({ account: [{ exists: false }], livemode: [true] });
    }
  });

  test.each([
    [{ livemode: true }, 'detailFilter.livemode is true; EventBridge patterns list match values in arrays, e.g. livemode: [true].'],
    [{ data: { object: { status: [] } } }, 'detailFilter.data.object.status is an empty array, which matches nothing'],
    [{ $or: [{ livemode: [true] }] }, 'detailFilter.$or must be an array of at least two alternative filters.'],
  ])('an invalid detail filter %j is an error', (detailFilter, message) => {
    expect(() =>
      new StripeEventBridgeIntegration(newStack(), 'Stripe', { eventBus: bus(), detailFilter, handlers: { 'checkout.session.completed': inlineHandler() } }),
    ).toThrow(message);
  });

  test('livemode and a livemode condition in detailFilter together are an error', () => {
    expect(() =>
      new StripeEventBridgeIntegration(newStack(), 'Stripe', {
        eventBus: bus(),
        livemode: StripeLivemode.LIVE_ONLY,
        detailFilter: { livemode: [false] },
        handlers: { 'checkout.session.completed': inlineHandler() },
      }),
    ).toThrow('detailFilter: has a livemode condition and livemode is also set; use only the livemode property.');
  });
});

describe("EventBridge's quotas", () => {
  /** Distinct, well-formed event types (accepted with allowUnknownEventTypes). */
  /** Synthesizes the app of `scope`: quotas are checked at synth, over every rule on the bus. */
  const synthesize = (scope: Stack) => () => (scope.node.root as App).synth();

  // 300 rules on one bus, and one more: test/construct/scale.test.ts, on its 300-handler app. The count below is the
  // same check, over the 30 wildcard rules a bus allows.
  test('rules are counted per bus across integrations, reported once, naming each integration', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const name = 'aws.partner/stripe.com/ed_test_shared';
    const wildcards = (prefix: string, n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}.*`, inlineHandler()]));
    new StripeEventBridgeIntegration(stack, 'A', { eventBus: StripeEventBus.fromEventBusName(name), allowUnknownEventTypes: true, handlers: wildcards('a', 20) });
    new StripeEventBridgeIntegration(stack, 'B', { eventBus: StripeEventBus.fromEventBusName(name), allowUnknownEventTypes: true, handlers: wildcards('b', 11) });
    // Another bus has its own quota: its rules are not in the count.
    new StripeEventBridgeIntegration(stack, 'C', { eventBus: StripeEventBus.fromEventBusName(`${name}_other`), allowUnknownEventTypes: true, handlers: wildcards('c', 5) });
    let message = '';
    try {
      app.synth();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(`[S/A] handlers: this app puts 31 rules with wildcard patterns on the event bus '${name}'; EventBridge allows at most 30 (not adjustable). Rules by construct: S/A: 20, S/B: 11.`);
    expect(message.match(/this app puts/g)).toHaveLength(1);
  });

  test("rules that are not the library's count too", () => {
    const stack = newStack();
    const integration = new StripeEventBridgeIntegration(stack, 'Stripe', {
      eventBus: bus(),
      allowUnknownEventTypes: true,
      handlers: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`wild${i}.*`, inlineHandler()])),
    });
    expect(integration.node.validate()).toEqual([]);
    new events.Rule(stack, 'Audit', { eventBus: integration.eventBus, eventPattern: { detailType: [{ wildcard: 'audit.*' }] as any } });
    expect(synthesize(stack)).toThrow('this app puts 31 rules with wildcard patterns on the event bus');
    expect(synthesize(stack)).toThrow('Rules by construct: TestStack/Stripe: 30, other rules: 1.');
  });

  test('30 rules with wildcards on one bus synthesize; the 31st fails', () => {
    const handlers = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`wild${i}.*`, inlineHandler()]));
    const ok = new StripeEventBridgeIntegration(newStack(), 'S', { eventBus: bus(), allowUnknownEventTypes: true, handlers: handlers(30) });
    expect(ok.node.validate()).toEqual([]);
    const over = newStack();
    new StripeEventBridgeIntegration(over, 'S', { eventBus: bus(), allowUnknownEventTypes: true, handlers: handlers(31) });
    expect(synthesize(over)).toThrow(
      `[TestStack/S] handlers: this app puts 31 rules with wildcard patterns on the event bus '${TEST_EVENT_SOURCE}'; EventBridge allows at most 30 (not adjustable).`,
    );
  });

  test('one handler under every known Stripe type exceeds the 2,048-character pattern limit, with a fix in the message', () => {
    const everything = inlineHandler({ name: 'Everything' });
    expect(() =>
      new StripeEventBridgeIntegration(newStack(), 'S', { eventBus: bus(), handlers: Object.fromEntries(STRIPE_EVENT_TYPES.map((t) => [t, everything])) }),
    ).toThrow(/^\[TestStack\/S\/Everything\] handlers: the rule for handler 'Everything' has an event pattern of \d+ characters, above EventBridge's limit of 2048\. Use a wildcard key/);
  });

  test('a pattern of exactly 2,048 characters is accepted and one more character is not', () => {
    const withType = (type: string) => JSON.stringify({ 'source': [{ prefix: 'aws.partner/stripe.com/' }], 'detail-type': [type] });
    const typeOfLength = (n: number) => `test.${'p'.repeat(n - 'test.'.length)}`;
    const fixed = withType('').length;
    const atLimit = typeOfLength(2048 - fixed);
    expect(withType(atLimit)).toHaveLength(2048);

    const stack = newStack();
    new StripeEventBridgeIntegration(stack, 'S', { eventBus: bus(), allowUnknownEventTypes: true, handlers: { [atLimit]: inlineHandler({ name: 'Long' }) } });
    const [, rule] = resourcesOf(Template.fromStack(stack), 'AWS::Events::Rule')[0];
    expect(JSON.stringify(rule.Properties.EventPattern)).toHaveLength(2048);

    expect(() =>
      new StripeEventBridgeIntegration(newStack(), 'S', {
        eventBus: bus(),
        allowUnknownEventTypes: true,
        handlers: { [typeOfLength(2049 - fixed)]: inlineHandler({ name: 'Long' }) },
      }),
    ).toThrow("handlers: the rule for handler 'Long' has an event pattern of 2049 characters, above EventBridge's limit of 2048.");
  });
});

test("each handler's route exposes its rule, function, log group and event types", () => {
  const stack = newStack();
  const orders = StripeEventHandler.fromCode({ code: inlineCode(), handler: 'index.handler', name: 'Orders' });
  const integration = new StripeEventBridgeIntegration(stack, 'Stripe', { eventBus: bus(), handlers: { 'checkout.session.completed': orders } });
  const route = integration.routeFor(orders);
  expect(integration.routes).toEqual([route]);
  expect(route.node.path).toBe('TestStack/Stripe/Orders');
  expect(route.rule.node.path).toBe('TestStack/Stripe/Orders/Rule');
  expect(route.function.node.path).toBe('TestStack/Stripe/Orders/Function');
  expect(route.logGroup?.node.path).toBe('TestStack/Stripe/Orders/LogGroup');
  expect(route.eventTypes).toEqual(['checkout.session.completed']);
  expect(() => integration.routeFor(StripeEventHandler.fromCode({ code: inlineCode(), handler: 'index.handler' }))).toThrow(
    "[TestStack/Stripe] routeFor: the handler is not one of this integration's handlers (Orders).",
  );
});

function inlineCode() {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const lambda = require('aws-cdk-lib/aws-lambda') as typeof import('aws-cdk-lib/aws-lambda');
  return lambda.Code.fromInline('exports.handler = async () => null;');
}
