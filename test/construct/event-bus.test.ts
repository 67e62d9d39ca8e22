import { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import { StripeEventBridgeIntegration, StripeEventBus } from '../../src';
import { inlineHandler, newStack, resourcesOf, TEST_EVENT_SOURCE } from '../support/stacks';

describe('StripeEventBus.fromPartnerEventSource', () => {
  test('creates a bus named after the partner source, which accepts it, and retains it on stack deletion', () => {
    const stack = newStack();
    const integration = new StripeEventBridgeIntegration(stack, 'Stripe', {
      eventBus: StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE),
      handlers: { 'checkout.session.completed': inlineHandler() },
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.hasResource('AWS::Events::EventBus', {
      Properties: { Name: TEST_EVENT_SOURCE, EventSourceName: TEST_EVENT_SOURCE },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    const [busId] = resourcesOf(template, 'AWS::Events::EventBus')[0];
    template.hasResourceProperties('AWS::Events::Rule', { EventBusName: { Ref: busId } });
    expect(integration.eventBus).toBeDefined();
  });

  test.each([
    ['aws.partner/stripe.com', 'no destination id'],
    ['aws.partner/stripe.com/', 'empty destination id'],
    ['stripe.com/ed_123', 'missing aws.partner/'],
    ['aws.partner/stripe.com/we_123', 'a webhook endpoint id'],
    ['aws.partner/shopify.com/ed_123', 'another partner'],
    [' aws.partner/stripe.com/ed_123', 'leading space'],
    ['aws.partner/stripe.com/ed_12 3', 'space in the id'],
  ])('rejects %j (%s) with the expected form in the message', (name) => {
    expect(() => StripeEventBus.fromPartnerEventSource(name)).toThrow(
      `eventBus: '${name}' is not a Stripe partner event source name. Expected 'aws.partner/stripe.com/ed_<destination id>'`,
    );
  });

  test('accepts live and test destination ids', () => {
    expect(() => StripeEventBus.fromPartnerEventSource('aws.partner/stripe.com/ed_61RbFxDsJ2cTpQk7b16RaKa7L4SQ0bVIVs1A8q06eRfY')).not.toThrow();
    expect(() => StripeEventBus.fromPartnerEventSource('aws.partner/stripe.com/ed_test_EXAMPLE')).not.toThrow();
  });
});

describe('StripeEventBus.fromEventBusName', () => {
  test('imports the bus: no bus is created and rules are put on it by name', () => {
    const stack = newStack();
    new StripeEventBridgeIntegration(stack, 'Stripe', {
      eventBus: StripeEventBus.fromEventBusName(TEST_EVENT_SOURCE),
      handlers: { 'checkout.session.completed': inlineHandler() },
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Events::EventBus', 0);
    template.hasResourceProperties('AWS::Events::Rule', { EventBusName: TEST_EVENT_SOURCE });
  });

  test('rejects an empty name', () => {
    expect(() => StripeEventBus.fromEventBusName(' ')).toThrow(/needs the name of an existing event bus/);
  });
});

describe('StripeEventBus.fromEventBus', () => {
  test('uses the given bus, and a custom source prefix reaches both the rules and the wrapper', () => {
    const stack = newStack();
    const bus = new events.EventBus(stack, 'TestBus', { eventBusName: 'stripe-integration-tests' });
    new StripeEventBridgeIntegration(stack, 'Stripe', {
      eventBus: StripeEventBus.fromEventBus(bus, { sourcePrefix: 'test.stripe' }),
      handlers: { 'checkout.session.completed': inlineHandler() },
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: [{ prefix: 'test.stripe' }] },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { STRIPE_EB_SOURCE_PREFIX: 'test.stripe' } },
    });
  });

  test('the default prefix is not written into the environment', () => {
    const stack = newStack();
    new StripeEventBridgeIntegration(stack, 'Stripe', {
      eventBus: StripeEventBus.fromEventBus(new events.EventBus(stack, 'TestBus')),
      handlers: { 'checkout.session.completed': inlineHandler() },
    });
    const [, fn] = resourcesOf(Template.fromStack(stack), 'AWS::Lambda::Function')[0];
    expect(fn.Properties.Environment.Variables.STRIPE_EB_SOURCE_PREFIX).toBeUndefined();
  });

  test('rejects an empty source prefix', () => {
    const stack = newStack();
    expect(() => StripeEventBus.fromEventBus(new events.EventBus(stack, 'TestBus'), { sourcePrefix: '' })).toThrow(
      "eventBus: sourcePrefix must not be empty; omit it to use 'aws.partner/stripe.com/'.",
    );
  });
});
