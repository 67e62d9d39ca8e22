import { Annotations as CdkAnnotations, Duration } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { StripeEventBridgeIntegration, StripeEventBus, StripeEventHandler, StripePythonFunctionOptions } from '../../src';
import { matchesPattern } from '../../src/event-pattern';
import { STRIPE_PACKAGE_VERSION } from '../../src/private/stripe-event-types.generated';
import { inlineHandler, newStack, resourcesOf, TEST_EVENT_SOURCE } from '../support/stacks';
import { envelope, loadSample, StripeEventSample } from '../support/stripe-samples';

function synth(handlers: Record<string, StripeEventHandler>, extra: { allowUnknownEventTypes?: boolean } = {}) {
  const stack = newStack();
  const integration = new StripeEventBridgeIntegration(stack, 'Stripe', {
    eventBus: StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE),
    handlers,
    ...extra,
  });
  return { stack, integration, template: Template.fromStack(stack) };
}

describe('functions built from code', () => {
  test('defaults: current Node.js runtime, arm64, 512 MB, 30 s, the wrapper as handler and the user handler in the environment', () => {
    const { template } = synth({ 'checkout.session.completed': inlineHandler() });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 512,
      Timeout: 30,
      Handler: '/opt/stripe-eventbridge/wrapper.handler',
      Layers: [{ Ref: Match.stringLikeRegexp('^StripeEventBridgeWrapperLayer') }],
      Environment: {
        Variables: {
          STRIPE_EB_USER_HANDLER: 'index.handler',
          STRIPE_EB_HANDLER_NAME: 'CheckoutSessionCompleted',
          STRIPE_EB_IDEMPOTENCY_KEY_PREFIX: 'TestStack/Stripe.CheckoutSessionCompleted',
          STRIPE_EB_IDEMPOTENCY_TTL_SECONDS: String(36 * 86400),
          STRIPE_EB_IDEMPOTENCY_TABLE: { Ref: Match.stringLikeRegexp('^StripeIdempotencyTable') },
          POWERTOOLS_SERVICE_NAME: 'CheckoutSessionCompleted',
          POWERTOOLS_METRICS_NAMESPACE: 'StripeEventBridge',
        },
      },
    });
    template.resourceCountIs('AWS::Lambda::LayerVersion', 1);
  });

  test('runtime, architecture, memory, timeout, environment, description and reserved concurrency are configurable', () => {
    const { template } = synth({
      'checkout.session.completed': inlineHandler({
        name: 'Orders',
        runtime: lambda.Runtime.NODEJS_22_X,
        architecture: lambda.Architecture.X86_64,
        memorySize: 1024,
        timeout: Duration.seconds(90),
        environment: { ORDERS_TABLE: 'orders' },
        description: 'Writes orders',
        reservedConcurrentExecutions: 5,
      }),
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['x86_64'],
      MemorySize: 1024,
      Timeout: 90,
      Description: 'Writes orders',
      ReservedConcurrentExecutions: 5,
      Environment: { Variables: Match.objectLike({ ORDERS_TABLE: 'orders', STRIPE_EB_HANDLER_NAME: 'Orders' }) },
    });
  });

  test('extra layers come after the wrapper layer', () => {
    const stack = newStack();
    const shared = lambda.LayerVersion.fromLayerVersionArn(stack, 'Shared', 'arn:aws:lambda:us-east-1:123456789012:layer:shared:3');
    new StripeEventBridgeIntegration(stack, 'Stripe', {
      eventBus: StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE),
      handlers: { 'checkout.session.completed': inlineHandler({ layers: [shared] }) },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Layers: [{ Ref: Match.stringLikeRegexp('^StripeEventBridgeWrapperLayer') }, 'arn:aws:lambda:us-east-1:123456789012:layer:shared:3'],
    });
  });

  test.each([
    [{ handler: 'index' }, "handler: 'index' is not a Lambda handler string; expected '<file>.<export>', for example 'index.handler'."],
    [{ handler: '' }, "handler: '' is not a Lambda handler string"],
    [{ memorySize: 64 }, "memorySize: 64 MB is outside Lambda's range of 128 to 10240 MB."],
    [{ timeout: Duration.minutes(16) }, "timeout: 16 minutes is outside Lambda's range of 1 second to 15 minutes."],
    [{ runtime: lambda.Runtime.PYTHON_3_13 }, 'runtime: python3.13 is not a Node.js runtime; the wrapper runs on Node.js (nodejs22.x or later); for a Python handler use StripeEventHandler.fromPythonCode().'],
    [{ runtime: lambda.Runtime.NODEJS_20_X }, 'runtime: nodejs20.x is too old; the wrapper needs nodejs22.x or later.'],
    [{ name: 'has space' }, "name: 'has space' is not a valid handler name"],
    [{ name: '1st' }, "name: '1st' is not a valid handler name"],
  ])('fromCode rejects %j', (options, message) => {
    expect(() => inlineHandler(options as any)).toThrow(message);
  });

  test('the wrapper environment cannot be overridden by the user environment', () => {
    expect(() => synth({ 'checkout.session.completed': inlineHandler({ environment: { STRIPE_EB_IDEMPOTENCY_TABLE: 'x' } }) })).toThrow(
      'handlers.CheckoutSessionCompleted.environment: STRIPE_EB_IDEMPOTENCY_TABLE is read by the Stripe event wrapper. The integration sets it: use `idempotency.table`. Remove it.',
    );
  });
});

describe('Python functions built from code', () => {
  const pythonHandler = (options: Partial<StripePythonFunctionOptions> = {}) =>
    StripeEventHandler.fromPythonCode({ code: lambda.Code.fromInline('def handler(event, context):\n    return None\n'), handler: 'index.handler', ...options });

  test('defaults: Python 3.13, arm64, 512 MB, 30 s, the Python wrapper as handler, the same wrapper environment as Node.js', () => {
    const { template } = synth({ 'checkout.session.completed': pythonHandler({ name: 'Orders' }) });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'python3.13',
      Architectures: ['arm64'],
      MemorySize: 512,
      Timeout: 30,
      Handler: 'stripe_eventbridge.wrapper.handler',
      Layers: [{ Ref: Match.stringLikeRegexp('^StripeEventBridgePythonWrapperLayer') }],
      Environment: {
        Variables: {
          STRIPE_EB_USER_HANDLER: 'index.handler',
          STRIPE_EB_HANDLER_NAME: 'Orders',
          STRIPE_EB_IDEMPOTENCY_KEY_PREFIX: 'TestStack/Stripe.Orders',
          STRIPE_EB_IDEMPOTENCY_TTL_SECONDS: '3110400',
          STRIPE_EB_IDEMPOTENCY_TABLE: { Ref: Match.stringLikeRegexp('^StripeIdempotencyTable') },
          POWERTOOLS_SERVICE_NAME: 'Orders',
          POWERTOOLS_METRICS_NAMESPACE: 'StripeEventBridge',
        },
      },
    });
    template.resourceCountIs('AWS::Lambda::LayerVersion', 1);
    template.hasResourceProperties('AWS::Lambda::LayerVersion', { CompatibleArchitectures: ['arm64', 'x86_64'], Description: Match.stringLikeRegexp('Python') });
  });

  test.each([
    [lambda.Runtime.PYTHON_3_12, lambda.Architecture.ARM_64],
    [lambda.Runtime.PYTHON_3_12, lambda.Architecture.X86_64],
    [lambda.Runtime.PYTHON_3_13, lambda.Architecture.ARM_64],
    [lambda.Runtime.PYTHON_3_13, lambda.Architecture.X86_64],
  ])('%s on %s', (runtime, architecture) => {
    const { template } = synth({ 'checkout.session.completed': pythonHandler({ runtime, architecture }) });
    template.hasResourceProperties('AWS::Lambda::Function', { Runtime: runtime.name, Architectures: [architecture.name], Handler: 'stripe_eventbridge.wrapper.handler' });
  });

  test('Node.js and Python handlers in one integration: each language gets its own layer, one per stack, on one idempotency table', () => {
    const { template } = synth({
      'checkout.session.completed': pythonHandler({ name: 'Orders' }),
      'invoice.paid': pythonHandler({ name: 'Invoices' }),
      'customer.subscription.*': inlineHandler({ name: 'Memberships' }),
    });
    template.resourceCountIs('AWS::Lambda::LayerVersion', 2);
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    const handlers = resourcesOf(template, 'AWS::Lambda::Function')
      .filter(([, r]) => r.Properties.Environment?.Variables?.STRIPE_EB_HANDLER_NAME)
      .map(([, r]) => [r.Properties.Environment.Variables.STRIPE_EB_HANDLER_NAME, r.Properties.Runtime, r.Properties.Handler]);
    expect(handlers.sort()).toEqual([
      ['Invoices', 'python3.13', 'stripe_eventbridge.wrapper.handler'],
      ['Memberships', 'nodejs24.x', '/opt/stripe-eventbridge/wrapper.handler'],
      ['Orders', 'python3.13', 'stripe_eventbridge.wrapper.handler'],
    ]);
  });

  test.each([
    [{ handler: 'orders' }, "handler: 'orders' is not a Lambda handler string; expected '<module>.<function>', for example 'orders.handler'."],
    [{ runtime: lambda.Runtime.NODEJS_24_X }, 'runtime: nodejs24.x is not a Python runtime; fromPythonCode() builds Python functions (python3.12 or later).'],
    [{ runtime: lambda.Runtime.PYTHON_3_11 }, 'runtime: python3.11 is too old; the Python wrapper needs python3.12 or later.'],
    [{ memorySize: 64 }, "memorySize: 64 MB is outside Lambda's range of 128 to 10240 MB."],
    [{ name: 'has space' }, "name: 'has space' is not a valid handler name"],
  ])('fromPythonCode rejects %j', (options, message) => {
    expect(() => pythonHandler(options as any)).toThrow(message);
  });
});

describe('event type keys', () => {
  test('an exact type, a trailing wildcard and "*" are accepted', () => {
    const { integration } = synth({
      'checkout.session.completed': inlineHandler(),
      'customer.subscription.*': inlineHandler(),
      '*': inlineHandler(),
    });
    expect(integration.routes.map((r) => r.handlerName).sort()).toEqual(['AllEvents', 'CheckoutSessionCompleted', 'CustomerSubscriptionAll']);
    expect(integration.eventTypes).toEqual(['checkout.session.completed', 'customer.subscription.*', '*']);
  });

  test('an unknown type fails with a "did you mean" drawn from the stripe package', () => {
    expect(() => synth({ 'checkout.sesion.completed': inlineHandler() })).toThrow(
      'handlers: \'checkout.sesion.completed\' is not a Stripe event type (did you mean \'checkout.session.completed\'?). ' +
        `If it is a Stripe event type newer than stripe@${STRIPE_PACKAGE_VERSION} (which this library checks against), set allowUnknownEventTypes: true.`,
    );
  });

  test('a wildcard that matches no type fails with a suggestion', () => {
    expect(() => synth({ 'customer.subscriptions.*': inlineHandler() })).toThrow(
      "handlers: 'customer.subscriptions.*' matches no Stripe event type (did you mean 'customer.subscription.*'?)",
    );
  });

  test('an unknown type with no close match fails without a suggestion', () => {
    expect(() => synth({ 'zzzz.qqqq': inlineHandler() })).toThrow(/^\[TestStack\/Stripe\] handlers: 'zzzz.qqqq' is not a Stripe event type\. If it is/);
  });

  test.each([
    ['customer.*.created', "handlers: 'customer.*.created' is not supported: a wildcard may only be a trailing '.*'"],
    ['customer.*', undefined],
    ['Checkout.Session.Completed', "handlers: 'Checkout.Session.Completed' is not a Stripe event type: event types are lower-case words joined by dots, e.g. 'checkout.session.completed' (did you mean 'checkout.session.completed'?)"],
    ['v2.core.event_destination.ping', "handlers: 'v2.core.event_destination.ping' is a thin event type (thin types start with a version: 'v1.…', 'v2.…'), and this integration has no bus of thin events"],
    ['v1.billing.meter.error_report_triggered', "handlers: 'v1.billing.meter.error_report_triggered' is a thin event type (thin types start with a version: 'v1.…', 'v2.…'), and this integration has no bus of thin events"],
    ['.*', "handlers: '.*' is not a valid wildcard"],
  ])('key %j', (key, message) => {
    if (message === undefined) expect(() => synth({ [key]: inlineHandler() })).not.toThrow();
    else expect(() => synth({ [key]: inlineHandler() })).toThrow(message);
  });

  test('allowUnknownEventTypes accepts well-formed types newer than the stripe package', () => {
    const { template } = synth({ 'checkout.session.brand_new_thing': inlineHandler() }, { allowUnknownEventTypes: true });
    template.hasResourceProperties('AWS::Events::Rule', { EventPattern: { 'detail-type': ['checkout.session.brand_new_thing'] } });
  });

  test('allowUnknownEventTypes still rejects malformed keys', () => {
    expect(() => synth({ 'not a type': inlineHandler() }, { allowUnknownEventTypes: true })).toThrow(/is not a Stripe event type: event types are lower-case words/);
  });

  test('no handlers at all is an error', () => {
    expect(() => synth({})).toThrow("handlers: no handlers given; map at least one Stripe event type to a StripeEventHandler, e.g. { 'checkout.session.completed': handler }.");
  });

  test('a value that is not a StripeEventHandler is an error', () => {
    expect(() => synth({ 'checkout.session.completed': {} as any })).toThrow(
      "handlers: 'checkout.session.completed' maps to object; expected StripeEventHandler.fromCode(...) or StripeEventHandler.fromFunction(...).",
    );
  });
});

describe('one handler object under several keys', () => {
  test('yields one function and one rule covering every key', () => {
    const checkout = inlineHandler({ name: 'Checkout' });
    const { template, integration } = synth({
      'checkout.session.completed': checkout,
      'checkout.session.async_payment_succeeded': checkout,
      'invoice.*': checkout,
    });
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'detail-type': ['checkout.session.async_payment_succeeded', 'checkout.session.completed', { wildcard: 'invoice.*' }],
      },
    });
    expect(integration.routes.map((r) => [r.handlerName, r.eventTypes])).toEqual([
      ['Checkout', ['checkout.session.completed', 'checkout.session.async_payment_succeeded', 'invoice.*']],
    ]);
    expect(integration.routeFor(checkout).handlerName).toBe('Checkout');
  });

  test('the derived name comes from the alphabetically first key, independent of map order', () => {
    const a = inlineHandler();
    const b = inlineHandler();
    const one = synth({ 'invoice.paid': a, 'charge.refunded': a }).integration;
    const two = synth({ 'charge.refunded': b, 'invoice.paid': b }).integration;
    expect(one.routes.map((r) => r.handlerName)).toEqual(['ChargeRefunded']);
    expect(two.routes.map((r) => r.handlerName)).toEqual(['ChargeRefunded']);
  });

  test('two different handlers with the same name are an error', () => {
    expect(() =>
      synth({ 'checkout.session.completed': inlineHandler({ name: 'Orders' }), 'charge.refunded': inlineHandler({ name: 'Orders' }) }),
    ).toThrow("handlers: two different handlers are named 'Orders' (for 'checkout.session.completed' and 'charge.refunded').");
  });

  test('distinct handler objects get one function and one rule each', () => {
    const { template } = synth({ 'checkout.session.completed': inlineHandler(), 'charge.refunded': inlineHandler() });
    template.resourceCountIs('AWS::Lambda::Function', 2);
    template.resourceCountIs('AWS::Events::Rule', 2);
    expect(resourcesOf(template, 'AWS::Lambda::LayerVersion')).toHaveLength(1);
  });
});

describe('two handlers for the same event type', () => {
  const overlaps = (handlers: Record<string, StripeEventHandler>, allowUnknownEventTypes = false) =>
    Annotations.fromStack(synth(handlers, { allowUnknownEventTypes }).stack)
      .findWarning('/TestStack/Stripe', Match.stringLikeRegexp('overlappingHandlers'))
      .map((w) => String(w.entry.data));

  test('a wildcard and an exact type under it: a warning naming both handlers and the shared type', () => {
    const warnings = overlaps({
      'customer.subscription.*': inlineHandler({ name: 'Memberships' }),
      'customer.subscription.deleted': inlineHandler({ name: 'Churn' }),
    });
    expect(warnings).toEqual([
      "Handlers 'Memberships' ('customer.subscription.*') and 'Churn' ('customer.subscription.deleted') both receive 'customer.subscription.deleted': " +
        'each such event goes to both rules, and both handlers run (once each). If only one should, narrow the keys (list the exact types a ' +
        'wildcard handler needs), or use the same StripeEventHandler object for both keys; if both should, acknowledge this warning. ' +
        '[ack: @babes/stripe-eventbridge:overlappingHandlers]',
    ]);
  });

  test('overlapping wildcards, "*", and several shared keys in one warning per pair of handlers', () => {
    const warnings = overlaps({
      'customer.*': inlineHandler({ name: 'Customers' }),
      'customer.subscription.*': inlineHandler({ name: 'Memberships' }),
      '*': inlineHandler({ name: 'Audit' }),
    });
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatch(/^Handlers 'Customers' \('customer\.\*'\) and 'Memberships' \('customer\.subscription\.\*'\) both receive 'customer\.subscription\.\*':/);
    expect(warnings[1]).toMatch(/^Handlers 'Customers' \('customer\.\*'\) and 'Audit' \('\*'\) both receive 'customer\.\*':/);
    expect(warnings[2]).toMatch(/^Handlers 'Memberships' \('customer\.subscription\.\*'\) and 'Audit' \('\*'\) both receive 'customer\.subscription\.\*':/);

    const two = overlaps({
      'invoice.paid': inlineHandler({ name: 'Billing' }),
      'invoice.payment_failed': inlineHandler({ name: 'Billing2' }),
      'invoice.*': inlineHandler({ name: 'Invoices' }),
    });
    expect(two).toHaveLength(2);
    const mixed = overlaps({ 'invoice.paid': inlineHandler({ name: 'A' }), 'invoice.payment_failed': inlineHandler({ name: 'A2' }) });
    expect(mixed).toEqual([]);
  });

  test('one handler object under overlapping keys, and disjoint handlers, give no warning', () => {
    const shared = inlineHandler({ name: 'Memberships' });
    expect(overlaps({ 'customer.subscription.*': shared, 'customer.subscription.deleted': shared, 'invoice.paid': inlineHandler() })).toEqual([]);
    expect(overlaps({ 'customer.subscription.*': inlineHandler(), 'customer.created': inlineHandler(), 'invoice.*': inlineHandler() })).toEqual([]);
    // 'customer.subscription_x.*' is not under 'customer.subscription.*'.
    expect(overlaps({ 'customer.subscription.*': inlineHandler(), 'customer.subscription_x.*': inlineHandler() }, true)).toEqual([]);
  });

  test('both handlers really get the event: both rules match it (offline matcher on the synthesized rules)', () => {
    const { template } = synth({ 'customer.subscription.*': inlineHandler({ name: 'Memberships' }), 'customer.subscription.deleted': inlineHandler({ name: 'Churn' }) });
    const event = { ...envelope(loadSample<StripeEventSample>('customer.subscription.deleted__stripe-ruby-mock.json')) };
    const matched = resourcesOf(template, 'AWS::Events::Rule').filter(([, r]) => matchesPattern(r.Properties.EventPattern, event).matches);
    expect(matched).toHaveLength(2);
  });

  test('the warning can be acknowledged', () => {
    const { stack, integration } = synth({ 'invoice.*': inlineHandler({ name: 'Invoices' }), 'invoice.paid': inlineHandler({ name: 'Paid' }) });
    CdkAnnotations.of(integration).acknowledgeWarning('@babes/stripe-eventbridge:overlappingHandlers', 'both should run');
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('overlappingHandlers'))).toEqual([]);
  });
});
