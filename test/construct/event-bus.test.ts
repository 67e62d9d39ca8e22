import { Annotations as CdkAnnotations, CfnParameter, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
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

  const EXPECTED = "Expected 'aws.partner/stripe.com/<unique id>' (for example aws.partner/stripe.com/ed_61Rb9kSjxBvD2Cc8E16RaKa7L4SQ0bVIVs1A8q06eRfY)";

  test.each([
    ['aws.partner/stripe.com', "It has no unique part after 'aws.partner/stripe.com/'."],
    ['aws.partner/stripe.com/', "It has no unique part after 'aws.partner/stripe.com/'."],
    ['stripe.com/ed_123', "It lacks the 'aws.partner/' that starts every partner event source name: did you mean 'aws.partner/stripe.com/ed_123'?"],
    ['stripe-events', "It is not a partner event source name (those start with 'aws.partner/stripe.com/'). For an event bus that already exists, use StripeEventBus.fromEventBusName('stripe-events')."],
    ['default', "It is not a partner event source name (those start with 'aws.partner/stripe.com/'). For an event bus that already exists, use StripeEventBus.fromEventBusName('default')."],
    ['aws.partner/shopify.com/ed_123', "It is a partner event source of 'shopify.com', not of Stripe ('aws.partner/stripe.com/…')."],
    ['aws.partner/stripe.community/ed_123', "It is a partner event source of 'stripe.community', not of Stripe ('aws.partner/stripe.com/…')."],
    [
      'arn:aws:events:us-east-1::event-source/aws.partner/stripe.com/ed_123',
      "It is an ARN; pass only the name, the part after 'event-source/': 'aws.partner/stripe.com/ed_123'.",
    ],
    [
      'arn:aws:events:us-east-1:123456789012:event-bus/aws.partner/stripe.com/acct_1/ed_123',
      "It is an ARN; pass only the name, the part after 'event-bus/': 'aws.partner/stripe.com/acct_1/ed_123'.",
    ],
    [' aws.partner/stripe.com/ed_123', "It has white space at its start or end: 'aws.partner/stripe.com/ed_123'?"],
    ['aws.partner/stripe.com/ed_12 3', 'It contains " " (at position 29); EventBridge allows only letters, digits, \'.\', \'-\', \'_\' and \'/\' in a partner event source name.'],
    ['aws.partner/stripe.com/ed_1#2', 'It contains "#" (at position 28)'],
    ['aws.partner/stripe.com/acct_1//ed_2', "It has an empty path segment ('//', or a '/' at the end)."],
    ['aws.partner/stripe.com/ed_1/', "It has an empty path segment ('//', or a '/' at the end)."],
    [`aws.partner/stripe.com/ed_${'a'.repeat(231)}`, 'It is 257 characters long; EventBridge allows at most 256.'],
  ])('rejects %j, saying what is wrong and the expected form', (name, problem) => {
    let message = '';
    try {
      StripeEventBus.fromPartnerEventSource(name);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(`eventBus: '${name}' is not a Stripe partner event source name. ${problem}`);
    expect(message).toContain(EXPECTED);
  });

  // EventBridge: 1 to 256 characters, aws\.partner(/[\.\-_A-Za-z0-9]+){2,} (API_CreateEventBus).
  const ACCEPTED = [
    'aws.partner/stripe.com/ed_61RbFxDsJ2cTpQk7b16RaKa7L4SQ0bVIVs1A8q06eRfY',
    'aws.partner/stripe.com/ed_test_61RM8ltWcTW4mbsxf16RJyfa2xSQLHJJh1sxm7H0KVT6',
    'aws.partner/stripe.com/acct_1Nv0FGQ9RKHgCVdK/ed_61RbFxDsJ2cTpQk7b16RaKa7L4SQ0bVIVs1A8q06eRfY',
    `aws.partner/stripe.com/${'a'.repeat(228)}/ed_1`, // 256 characters
  ];

  test.each(ACCEPTED.slice(0, 3))('accepts %s, with no warning, and derives everything from the name: bus, rules, archive, no-events alarm', (name) => {
    const stack = newStack();
    new StripeEventBridgeIntegration(stack, 'Stripe', { eventBus: StripeEventBus.fromPartnerEventSource(name), handlers: { 'checkout.session.completed': inlineHandler() } });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Events::EventBus', { Name: name, EventSourceName: name });
    const [[busId]] = resourcesOf(template, 'AWS::Events::EventBus');
    template.hasResourceProperties('AWS::Events::Rule', { EventBusName: { Ref: busId }, EventPattern: Match.objectLike({ source: [{ prefix: 'aws.partner/stripe.com/' }] }) });
    template.hasResourceProperties('AWS::Events::Archive', { SourceArn: { 'Fn::GetAtt': [busId, 'Arn'] }, EventPattern: { source: [{ prefix: 'aws.partner/stripe.com/' }] } });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/Events', MetricName: 'Events', Dimensions: [{ Name: 'EventSourceName', Value: name }] });
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('partnerSourceName'))).toEqual([]);
  });

  test('the longest name EventBridge accepts (256 characters) makes the bus; alarms, whose dimensions take 255, must then be off', () => {
    const name = ACCEPTED[3];
    expect(name).toHaveLength(256);
    const handlers = { 'checkout.session.completed': inlineHandler() };
    expect(() => new StripeEventBridgeIntegration(newStack(), 'Stripe', { eventBus: StripeEventBus.fromPartnerEventSource(name), handlers })).toThrow(
      '[TestStack/Stripe] alarms: the event bus name is 256 characters long, and CloudWatch alarms take dimension values (here EventBusName) of at most 255 characters.',
    );
    const stack = newStack();
    new StripeEventBridgeIntegration(stack, 'Stripe', { eventBus: StripeEventBus.fromPartnerEventSource(name), handlers, alarms: { enabled: false } });
    Template.fromStack(stack).hasResourceProperties('AWS::Events::EventBus', { Name: name, EventSourceName: name });
  });

  test('the same forms through fromEventBusName (a partner bus associated elsewhere): rules on it by name, the alarm on its source', () => {
    for (const name of ACCEPTED.slice(0, 3)) {
      const stack = newStack();
      new StripeEventBridgeIntegration(stack, 'Stripe', {
        eventBus: StripeEventBus.fromEventBusName(name),
        handlers: { 'checkout.session.completed': inlineHandler() },
        alarms: { emailAddresses: ['ops@thebabesclub.example'] },
      });
      const template = Template.fromStack(stack);
      template.hasResourceProperties('AWS::Events::Rule', { EventBusName: name });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Events', Dimensions: [{ Name: 'EventSourceName', Value: name }] });
      expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
    }
  });

  test('a unique part that does not end in a destination id is accepted with a warning that can be acknowledged', () => {
    const name = 'aws.partner/stripe.com/acct_1Nv0FGQ9RKHgCVdK';
    const warned = newStack();
    new StripeEventBridgeIntegration(warned, 'Stripe', { eventBus: StripeEventBus.fromPartnerEventSource(name), handlers: { 'checkout.session.completed': inlineHandler() } });
    const warnings = Annotations.fromStack(warned).findWarning('/TestStack/Stripe', Match.stringLikeRegexp('partnerSourceName'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0].entry.data).toContain(
      `The partner event source name '${name}' does not end in a Stripe event destination id ('ed_…'), the form Stripe documents`,
    );

    const acknowledged = newStack();
    const integration = new StripeEventBridgeIntegration(acknowledged, 'Stripe', {
      eventBus: StripeEventBus.fromPartnerEventSource(name),
      handlers: { 'checkout.session.completed': inlineHandler() },
    });
    CdkAnnotations.of(integration).acknowledgeWarning('@babes/stripe-eventbridge:partnerSourceName', 'the name is copied from the console');
    expect(Annotations.fromStack(acknowledged).findWarning('*', Match.stringLikeRegexp('partnerSourceName'))).toEqual([]);
  });
});

describe('a bus that can never receive a Stripe partner event', () => {
  const warningsOf = (eventBus: (stack: Stack) => StripeEventBus) => {
    const stack = newStack();
    new StripeEventBridgeIntegration(stack, 'Stripe', { eventBus: eventBus(stack), handlers: { 'checkout.session.completed': inlineHandler() } });
    return Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('notStripePartnerBus')).map((w) => String(w.entry.data));
  };

  test.each([
    ['the default bus', () => StripeEventBus.fromEventBusName('default'), "The event bus 'default' is not a Stripe partner event bus"],
    ['a custom bus by name', () => StripeEventBus.fromEventBusName('orders'), "The event bus 'orders' is not a Stripe partner event bus"],
    ["another partner's bus", () => StripeEventBus.fromEventBusName('aws.partner/shopify.com/1/orders'), "The event bus 'aws.partner/shopify.com/1/orders' is not"],
    ['a custom bus created in the app', (s: Stack) => StripeEventBus.fromEventBus(new events.EventBus(s, 'Bus')), 'The event bus TestStack/Bus (a custom bus created in this app) is not'],
    ['the default bus object', (s: Stack) => StripeEventBus.fromEventBus(events.EventBus.fromEventBusName(s, 'Default', 'default')), "The event bus 'default' is not"],
  ])('%s: a warning that says why and what to use', (_, bus, start) => {
    const warnings = warningsOf(bus);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(start);
    expect(warnings[0]).toContain("Stripe delivers its events only to the partner bus named after its partner event source ('aws.partner/stripe.com/…')");
    expect(warnings[0]).toContain("Use StripeEventBus.fromPartnerEventSource('aws.partner/stripe.com/…')");
  });

  test.each([
    ['a Stripe partner bus by name', () => StripeEventBus.fromEventBusName(TEST_EVENT_SOURCE)],
    ['a Stripe partner bus created from its source', () => StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE)],
    ['a Stripe partner bus object', (s: Stack) => StripeEventBus.fromEventBus(new events.EventBus(s, 'Bus', { eventSourceName: TEST_EVENT_SOURCE }))],
    ['a custom bus with its own source prefix', () => StripeEventBus.fromEventBusName('stripe-tests', { sourcePrefix: 'test.stripe' })],
    ['a bus imported by a name known only at deployment', (s: Stack) => StripeEventBus.fromEventBusName(new CfnParameter(s, 'Bus').valueAsString)],
  ])('no warning for %s', (_, bus) => {
    expect(warningsOf(bus)).toEqual([]);
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

  test('rejects an ARN, saying which part to keep', () => {
    expect(() => StripeEventBus.fromEventBusName('arn:aws:events:us-east-1:123456789012:event-bus/aws.partner/stripe.com/ed_1')).toThrow(
      "eventBus: 'arn:aws:events:us-east-1:123456789012:event-bus/aws.partner/stripe.com/ed_1' is an ARN; StripeEventBus.fromEventBusName() takes the bus's name, " +
        "the part after 'event-bus/': 'aws.partner/stripe.com/ed_1'.",
    );
  });

  test('checks a Stripe partner bus name as EventBridge does', () => {
    expect(() => StripeEventBus.fromEventBusName('aws.partner/stripe.com/ed 1')).toThrow(
      "eventBus: 'aws.partner/stripe.com/ed 1' is not a Stripe partner event source name. It contains \" \" (at position 26)",
    );
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
