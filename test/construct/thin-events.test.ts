/**
 * Thin events at synth time: the payload style of buses and destinations, an integration with a snapshot and a
 * thin bus (each key's rule on the bus of its style, one function per handler, a rule per bus), the errors that
 * name the prop to add, archives, outputs, quotas and the dead-letter policy per bus, the Stripe key secret of
 * `context.stripe` (an ARN in the environment, read access for that function only, never the key), and the
 * warning about snapshot twins split between handlers.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import {
  StripeEventBridgeIntegration,
  StripeEventBridgeIntegrationProps,
  StripeEventBus,
  StripeEventDestination,
  StripeEventHandler,
  StripeEventPayload,
  StripeEventRoute,
} from '../../src';
import { PYTHON_STRIPE_ASSET_DIR, PYTHON_WRAPPER_ASSET_DIR } from '../../src/private/handler/wrapper-layer';
import { STRIPE_THIN_EVENT_TYPES } from '../../src/private/stripe-event-types.generated';
import { inlineHandler, newStack, resourcesOf, TEST_EVENT_SOURCE } from '../support/stacks';

const THIN_SOURCE = 'aws.partner/stripe.com/ed_test_61RbThinDsJ2cTpQk7b16RaKa7L4SQ0bVIVs1A8q06eRfY';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe/handlers-read-key-AbCdEf';

const snapshotBus = () => StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE);
const thinBus = () => StripeEventBus.fromPartnerEventSource(THIN_SOURCE, { payload: StripeEventPayload.THIN });

function synth(handlers: StripeEventBridgeIntegrationProps['handlers'], props: Partial<StripeEventBridgeIntegrationProps> = {}, stack = newStack()) {
  const integration = new StripeEventBridgeIntegration(stack, 'Stripe', { eventBus: snapshotBus(), thinEventBus: thinBus(), handlers, ...props });
  return { stack, integration, template: Template.fromStack(stack) };
}

/** The logical id of the bus named `name`. */
function busId(template: Template, name: string): string {
  const found = resourcesOf(template, 'AWS::Events::EventBus').filter(([, r]) => r.Properties.Name === name);
  expect(found).toHaveLength(1);
  return found[0][0];
}

/** Every rule, as its bus name and the detail-types it matches. */
function rulesByBus(template: Template): Array<{ bus: string; detailType: unknown; target: unknown }> {
  const names = Object.fromEntries(resourcesOf(template, 'AWS::Events::EventBus').map(([id, r]) => [id, r.Properties.Name]));
  return resourcesOf(template, 'AWS::Events::Rule').map(([, r]) => ({
    bus: names[r.Properties.EventBusName.Ref],
    detailType: r.Properties.EventPattern['detail-type'],
    target: r.Properties.Targets[0].Arn,
  }));
}

function warnings(stack: Stack, id: string): string[] {
  return Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp(id)).map((w) => String(w.entry.data));
}

describe('StripeEventBus payload', () => {
  test('is snapshot unless declared thin; fromDestination takes the destination\'s', () => {
    expect(StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE).payload).toBe(StripeEventPayload.SNAPSHOT);
    expect(thinBus().payload).toBe(StripeEventPayload.THIN);
    expect(StripeEventBus.fromEventBusName(THIN_SOURCE, { payload: StripeEventPayload.THIN }).payload).toBe(StripeEventPayload.THIN);
    expect(StripeEventBus.fromEventBusName(THIN_SOURCE).payload).toBe(StripeEventPayload.SNAPSHOT);
    const stack = newStack();
    expect(StripeEventBus.fromEventBus(new events.EventBus(stack, 'Custom'), { payload: StripeEventPayload.THIN, sourcePrefix: 'test.stripe/' }).payload).toBe(StripeEventPayload.THIN);
    const key = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Key', SECRET_ARN);
    const thin = new StripeEventDestination(stack, 'Thin', { apiKeySecret: key, eventPayload: StripeEventPayload.THIN, enabledEvents: ['v2.core.account.updated'] });
    const snapshot = new StripeEventDestination(stack, 'Snapshot', { apiKeySecret: key, enabledEvents: ['charge.refunded'] });
    expect(StripeEventBus.fromDestination(thin).payload).toBe(StripeEventPayload.THIN);
    expect(StripeEventBus.fromDestination(snapshot).payload).toBe(StripeEventPayload.SNAPSHOT);
  });

  test('a payload that is not a StripeEventPayload fails, naming both', () => {
    expect(() => StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE, { payload: 'thin' as StripeEventPayload })).toThrow(
      "eventBus: payload 'thin' is not a StripeEventPayload; use StripeEventPayload.SNAPSHOT or StripeEventPayload.THIN.",
    );
  });
});

describe('an integration with a snapshot and a thin bus', () => {
  test('creates both partner buses, retained, and puts each key on the bus of its payload style', () => {
    const orders = inlineHandler({ name: 'Orders' });
    const accounts = inlineHandler({ name: 'Accounts' });
    const { template, integration } = synth({
      'checkout.session.completed': orders,
      'v2.core.account.updated': accounts,
      'v2.core.account[requirements].updated': accounts,
    });
    template.resourceCountIs('AWS::Events::EventBus', 2);
    for (const name of [TEST_EVENT_SOURCE, THIN_SOURCE]) {
      template.hasResource('AWS::Events::EventBus', { Properties: { Name: name, EventSourceName: name }, DeletionPolicy: 'Retain' });
    }
    expect(busId(template, TEST_EVENT_SOURCE)).toMatch(/^StripeEventBus/);
    expect(busId(template, THIN_SOURCE)).toMatch(/^StripeThinEventBus/);
    expect(rulesByBus(template).map(({ bus, detailType }) => ({ bus, detailType }))).toEqual([
      { bus: TEST_EVENT_SOURCE, detailType: ['checkout.session.completed'] },
      { bus: THIN_SOURCE, detailType: ['v2.core.account.updated', 'v2.core.account[requirements].updated'] },
    ]);
    expect(integration.thinEventBus).toBeDefined();
    expect(integration.routes.map((r) => r.eventPayloads)).toEqual([[StripeEventPayload.SNAPSHOT], [StripeEventPayload.THIN]]);
  });

  test('a handler with keys of both styles is one function with a rule on each bus; rule is the snapshot one', () => {
    const orders = inlineHandler({ name: 'Orders' });
    const { template, integration } = synth({ 'checkout.session.completed': orders, 'v1.checkout.session.completed': orders });
    template.resourceCountIs('AWS::Lambda::Function', 1);
    const route = integration.routeFor(orders);
    expect(route.rules).toHaveLength(2);
    expect(route.rule).toBe(route.rules[0]);
    expect(route.rules.map((r) => r.node.id)).toEqual(['Rule', 'ThinRule']);
    const rules = rulesByBus(template);
    expect(rules.map(({ bus, detailType }) => ({ bus, detailType }))).toEqual([
      { bus: TEST_EVENT_SOURCE, detailType: ['checkout.session.completed'] },
      { bus: THIN_SOURCE, detailType: ['v1.checkout.session.completed'] },
    ]);
    // Both rules target the one function, with the same retries and dead-letter queue.
    expect(rules[0].target).toEqual(rules[1].target);
    const targets = resourcesOf(template, 'AWS::Events::Rule').map(([, r]) => ({ ...r.Properties.Targets[0], Id: undefined }));
    expect(targets[0]).toEqual(targets[1]);
    expect(targets[0].RetryPolicy).toEqual({ MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ STRIPE_EB_EVENT_PAYLOADS: 'snapshot,thin', STRIPE_EB_IDEMPOTENCY_KEY_PREFIX: 'TestStack/Stripe.Orders' }) },
    });
    expect(route.eventPayloads).toEqual([StripeEventPayload.SNAPSHOT, StripeEventPayload.THIN]);
  });

  test("'*' goes to both buses; a snapshot-only route's environment is what it always was", () => {
    const all = inlineHandler({ name: 'Everything' });
    const { template } = synth({ '*': all, 'charge.refunded': inlineHandler({ name: 'Refunds' }) });
    expect(rulesByBus(template).map((r) => r.bus)).toEqual([TEST_EVENT_SOURCE, THIN_SOURCE, TEST_EVENT_SOURCE]);
    const functions = resourcesOf(template, 'AWS::Lambda::Function').map(([, f]) => f.Properties.Environment.Variables);
    expect(functions.find((v) => v.STRIPE_EB_HANDLER_NAME === 'Everything').STRIPE_EB_EVENT_PAYLOADS).toBe('snapshot,thin');
    expect(functions.find((v) => v.STRIPE_EB_HANDLER_NAME === 'Refunds').STRIPE_EB_EVENT_PAYLOADS).toBeUndefined();
  });

  test('has an archive per bus, retained, and an output for each', () => {
    const { template, integration } = synth({ 'charge.refunded': inlineHandler(), 'v2.core.account.created': inlineHandler() });
    template.resourceCountIs('AWS::Events::Archive', 2);
    for (const name of [TEST_EVENT_SOURCE, THIN_SOURCE]) {
      template.hasResource('AWS::Events::Archive', {
        Properties: {
          SourceArn: { 'Fn::GetAtt': [busId(template, name), 'Arn'] },
          EventPattern: { source: [{ prefix: 'aws.partner/stripe.com/' }] },
          RetentionDays: 30,
        },
        DeletionPolicy: 'Retain',
      });
    }
    expect(integration.thinArchive).toBeDefined();
    template.hasOutput('StripeArchiveArn', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StripeArchive'), 'Arn'] } });
    template.hasOutput('StripeThinArchiveArn', {
      Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StripeThinArchive'), 'Arn'] },
      Description: Match.stringLikeRegexp('^Archive of the Stripe thin events of the Stripe integration TestStack/Stripe: aws events start-replay'),
    });
  });

  test('with more rules than the queue policy holds statements for, one statement per bus', () => {
    const handlers: Record<string, StripeEventHandler> = {};
    for (const type of STRIPE_THIN_EVENT_TYPES.filter((t) => t.startsWith('v2.money_management.')).slice(0, 10)) handlers[type] = inlineHandler();
    for (const type of ['charge.refunded', 'charge.captured', 'invoice.paid', 'invoice.created', 'customer.created', 'customer.deleted']) handlers[type] = inlineHandler();
    const { template } = synth(handlers);
    const [[, policy]] = resourcesOf(template, 'AWS::SQS::QueuePolicy');
    const sids = policy.Properties.PolicyDocument.Statement.map((s: any) => s.Sid).filter(Boolean);
    expect(sids).toEqual(['AllowStripeRulesOnTheBus', 'AllowStripeRulesOnTheBusThin', 'OnlyTheStripeRulesAndHandlersSend']);
    // The Deny exempts the rules of both buses.
    const deny = policy.Properties.PolicyDocument.Statement.find((s: any) => s.Sid === 'OnlyTheStripeRulesAndHandlersSend');
    expect(deny.Condition.ArnNotLike['aws:SourceArn']).toHaveLength(2);
    expect(JSON.stringify(deny.Condition.ArnNotLike['aws:SourceArn'][1])).toContain(`:rule/",{"Ref":"${busId(template, THIN_SOURCE)}"},"/*"`);
    const thinStatement = policy.Properties.PolicyDocument.Statement.find((s: any) => s.Sid === 'AllowStripeRulesOnTheBusThin');
    expect(JSON.stringify(thinStatement.Condition.ArnLike['aws:SourceArn'])).toContain(`:rule/",{"Ref":"${busId(template, THIN_SOURCE)}"},"/*"`);
    // Every rule's target still names the queue as its dead-letter queue.
    for (const [, rule] of resourcesOf(template, 'AWS::Events::Rule')) expect(rule.Properties.Targets[0].DeadLetterConfig).toBeDefined();
  });

  test('checks the wildcard-rule quota per bus, naming the bus', () => {
    const handlers: Record<string, StripeEventHandler> = {};
    const thinPrefixes = [...new Set(STRIPE_THIN_EVENT_TYPES.filter((t) => t.startsWith('v1.')).map((t) => t.split('.').slice(0, 2).join('.')))];
    expect(thinPrefixes.length).toBeGreaterThan(30);
    for (const prefix of thinPrefixes.slice(0, 31)) handlers[`${prefix}.*`] = inlineHandler();
    handlers['invoice.*'] = inlineHandler();
    expect(() => synth(handlers)).toThrow(`handlers: this app puts 31 rules with wildcard patterns on the event bus '${THIN_SOURCE}'; EventBridge allows at most 30`);
  });

  test('metricEventsReceived adds up both partner sources; metricEachRule has each rule on its own bus', () => {
    const orders = inlineHandler({ name: 'Orders' });
    const { integration, stack } = synth({ 'checkout.session.completed': orders, 'v1.checkout.session.completed': orders });
    const received = stack.resolve((integration.metricEventsReceived() as any).usingMetrics);
    expect(Object.values(received).map((m: any) => m.dimensions.EventSourceName)).toEqual([TEST_EVENT_SOURCE, THIN_SOURCE]);
    const [snapshotRule, thinRule] = integration.routeFor(orders).metricEachRule('FailedInvocations');
    expect(stack.resolve(snapshotRule.dimensions?.EventBusName)).toEqual({ Ref: expect.stringMatching(/^StripeEventBus/) });
    expect(stack.resolve(thinRule.dimensions?.EventBusName)).toEqual({ Ref: expect.stringMatching(/^StripeThinEventBus/) });
    expect(stack.resolve(integration.routeFor(orders).metricRuleFailedInvocations().dimensions)).toEqual(stack.resolve(snapshotRule.dimensions));
  });

  test('a thin-only integration takes its thin bus as eventBus', () => {
    const stack = newStack();
    new StripeEventBridgeIntegration(stack, 'Stripe', { eventBus: thinBus(), handlers: { 'v2.core.account.*': inlineHandler() } });
    const template = Template.fromStack(stack);
    expect(rulesByBus(template).map(({ bus, detailType }) => ({ bus, detailType }))).toEqual([
      { bus: THIN_SOURCE, detailType: [{ wildcard: 'v2.core.account.*' }] },
    ]);
    template.resourceCountIs('AWS::Events::Archive', 1);
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ STRIPE_EB_EVENT_PAYLOADS: 'thin' }) } });
  });

  test('a detailFilter on snapshot fields warns that the thin rules would match nothing', () => {
    const { stack } = synth({ 'v2.core.account.updated': inlineHandler() }, { detailFilter: { data: { object: { status: ['active'] } } } });
    expect(warnings(stack, 'detailFilterOnThinEvents')).toEqual([expect.stringContaining("detailFilter filters on 'data', which thin events do not have")]);
    const { stack: ok } = synth({ 'v2.core.account.updated': inlineHandler() }, { detailFilter: { context: [{ exists: false }] } });
    expect(warnings(ok, 'detailFilterOnThinEvents')).toEqual([]);
  });
});

describe('synth fails with the prop to add', () => {
  const add = "thinEventBus: StripeEventBus.fromPartnerEventSource('aws.partner/stripe.com/ed_…', { payload: StripeEventPayload.THIN })";

  test('a thin type on a snapshot-only integration', () => {
    const stack = newStack();
    expect(() => new StripeEventBridgeIntegration(stack, 'Stripe', { eventBus: snapshotBus(), handlers: { 'v1.checkout.session.completed': inlineHandler() } })).toThrow(
      "[TestStack/Stripe] handlers: 'v1.checkout.session.completed' is a thin event type (thin types start with a version: 'v1.…', 'v2.…'), and this integration " +
        'has no bus of thin events: Stripe sends thin events only to a destination whose payload is thin, through its own partner event source. Add that bus: ' +
        `${add}, or thinEventBus: StripeEventBus.fromDestination(thinDestination) with a StripeEventDestination of eventPayload: StripeEventPayload.THIN; ` +
        "or keep the snapshot type 'checkout.session.completed'.",
    );
  });

  test('a snapshot type on a thin-only integration', () => {
    const stack = newStack();
    expect(() => new StripeEventBridgeIntegration(stack, 'Stripe', { eventBus: thinBus(), handlers: { 'invoice.paid': inlineHandler() } })).toThrow(
      "[TestStack/Stripe] handlers: 'invoice.paid' is a snapshot event type, and this integration's eventBus carries thin events: Stripe sends snapshot events only to a " +
        "destination whose payload is snapshot. Add that bus as eventBus and move the thin one to thinEventBus: eventBus: StripeEventBus.fromPartnerEventSource('aws.partner/stripe.com/ed_…'), " +
        "thinEventBus: StripeEventBus.fromPartnerEventSource('<thin source>', { payload: StripeEventPayload.THIN }); or use its thin type 'v1.invoice.paid'.",
    );
  });

  test.each([
    ['a snapshot bus as thinEventBus', () => ({ eventBus: snapshotBus(), thinEventBus: StripeEventBus.fromPartnerEventSource(THIN_SOURCE) }),
      'thinEventBus: the bus carries snapshot events (its payload is SNAPSHOT). Declare the bus of a thin destination as such'],
    ['a thin eventBus beside thinEventBus', () => ({ eventBus: thinBus(), thinEventBus: thinBus() }),
      'thinEventBus: eventBus carries thin events already; with two buses, eventBus is the snapshot one.'],
    ['one bus given twice', () => {
      const bus = thinBus();
      return { eventBus: bus, thinEventBus: bus };
    }, 'thinEventBus: is the same StripeEventBus as eventBus'],
    ['source prefixes that differ', () => ({
      eventBus: StripeEventBus.fromEventBusName('snapshots', { sourcePrefix: 'test.stripe/' }),
      thinEventBus: StripeEventBus.fromEventBusName('thins', { sourcePrefix: 'other.stripe/', payload: StripeEventPayload.THIN }),
    }), "thinEventBus: its sourcePrefix 'other.stripe/' differs from eventBus's 'test.stripe/'"],
  ])('%s', (_, buses, message) => {
    const stack = newStack();
    expect(() => new StripeEventBridgeIntegration(stack, 'Stripe', { ...buses(), handlers: { 'charge.refunded': inlineHandler() } })).toThrow(message);
  });

  test('thin keys are checked against the thin types of the stripe package, with "did you mean" and the opt-out', () => {
    expect(() => synth({ 'v2.core.acount.updated': inlineHandler() })).toThrow(
      "handlers: 'v2.core.acount.updated' is not a thin Stripe event type (did you mean 'v2.core.account.updated'?). " +
        'If it is a Stripe event type newer than stripe@23.1.0 (which this library checks against), set allowUnknownEventTypes: true.',
    );
    expect(() => synth({ 'v2.core.acount.*': inlineHandler() })).toThrow("handlers: 'v2.core.acount.*' matches no thin Stripe event type (did you mean 'v2.core.account.*'?)");
    expect(() => synth({ 'v2.checkout.session.completed': inlineHandler() })).toThrow("(did you mean 'v1.checkout.session.completed'?)");
    const { template } = synth({ 'v2.core.brand_new.created': inlineHandler() }, { allowUnknownEventTypes: true });
    expect(rulesByBus(template)[0]).toMatchObject({ bus: THIN_SOURCE, detailType: ['v2.core.brand_new.created'] });
  });
});

describe('the Stripe key secret of context.stripe', () => {
  test('each function gets the secret ARN and may read that secret only; no key, no dynamic reference in the template', () => {
    const stack = newStack();
    const key = secretsmanager.Secret.fromSecretCompleteArn(stack, 'ReadKey', SECRET_ARN);
    const { template } = synth({ 'v2.core.account.updated': inlineHandler({ name: 'Accounts' }), 'charge.refunded': inlineHandler({ name: 'Refunds' }) },
      { stripeApiKeySecret: key }, stack);
    for (const [, fn] of resourcesOf(template, 'AWS::Lambda::Function')) {
      expect(fn.Properties.Environment.Variables.STRIPE_EB_STRIPE_API_KEY_SECRET_ID).toBe(SECRET_ARN);
    }
    for (const [roleId] of resourcesOf(template, 'AWS::IAM::Role')) {
      const statements = resourcesOf(template, 'AWS::IAM::Policy')
        .filter(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
        .flatMap(([, p]) => p.Properties.PolicyDocument.Statement)
        .filter((s: any) => JSON.stringify(s.Action).includes('secretsmanager'));
      expect(statements).toEqual([{ Effect: 'Allow', Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Resource: SECRET_ARN }]);
    }
    const text = JSON.stringify(template.toJSON());
    expect(text).not.toMatch(/resolve:secretsmanager|SecretString|\b[rs]k_(live|test)_/);
    expect(warnings(stack, 'thinHandlerWithoutStripeKey')).toEqual([]);
  });

  test('a secret imported by name is passed by name (its partial ARN is ambiguous); a key encrypted with KMS is granted Decrypt through Secrets Manager', () => {
    const stack = newStack();
    const byName = secretsmanager.Secret.fromSecretNameV2(stack, 'ByName', 'stripe/read-key');
    const { template } = synth({ 'v2.core.account.updated': inlineHandler() }, { stripeApiKeySecret: byName }, stack);
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ STRIPE_EB_STRIPE_API_KEY_SECRET_ID: 'stripe/read-key' }) } });

    const stack2 = newStack();
    const encryptionKey = new kms.Key(stack2, 'Cmk');
    const created = new secretsmanager.Secret(stack2, 'Created', { encryptionKey });
    const { template: t2 } = synth({ 'v2.core.account.updated': inlineHandler() }, { stripeApiKeySecret: created }, stack2);
    t2.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ STRIPE_EB_STRIPE_API_KEY_SECRET_ID: { Ref: Match.stringLikeRegexp('^Created') } }) } });
    const keyPolicy = JSON.stringify(resourcesOf(t2, 'AWS::KMS::Key')[0][1].Properties.KeyPolicy);
    expect(keyPolicy).toContain('kms:Decrypt');
    expect(keyPolicy).toContain('secretsmanager.us-east-1.amazonaws.com');
  });

  test("a handler's own secret overrides the integration's, for that function only", () => {
    const stack = newStack();
    const shared = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Shared', SECRET_ARN);
    const own = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Own', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe/payouts-key-XyZ123');
    const { template, integration } = synth({
      'v2.money_management.payout_intent.created': inlineHandler({ name: 'Payouts', stripeApiKeySecret: own }),
      'v2.core.account.updated': inlineHandler({ name: 'Accounts' }),
    }, { stripeApiKeySecret: shared }, stack);
    const envOf = (name: string) => resourcesOf(template, 'AWS::Lambda::Function').map(([, f]) => f.Properties.Environment.Variables).find((v) => v.STRIPE_EB_HANDLER_NAME === name);
    expect(envOf('Payouts').STRIPE_EB_STRIPE_API_KEY_SECRET_ID).toBe(own.secretFullArn);
    expect(envOf('Accounts').STRIPE_EB_STRIPE_API_KEY_SECRET_ID).toBe(SECRET_ARN);
    expect(integration.routes.map((r) => r.stripeApiKeySecret)).toEqual([own, shared]);
    const secretResources = resourcesOf(template, 'AWS::IAM::Policy').map(([, p]) =>
      p.Properties.PolicyDocument.Statement.filter((s: any) => JSON.stringify(s.Action).includes('secretsmanager')).map((s: any) => s.Resource));
    expect(secretResources.flat().sort()).toEqual([SECRET_ARN, own.secretFullArn].sort());
  });

  test('a route of thin events without a key warns, with the line to add; a snapshot route does not', () => {
    const { stack } = synth({ 'v2.core.account.updated': inlineHandler({ name: 'Accounts' }), 'charge.refunded': inlineHandler({ name: 'Refunds' }) });
    expect(warnings(stack, 'thinHandlerWithoutStripeKey')).toEqual([
      expect.stringContaining("Handler 'Accounts' receives thin events, which carry no data: its code fetches the event and its object through context.stripe, " +
        "which needs a Stripe API key. Set stripeApiKeySecret on the integration (or the handler), e.g. stripeApiKeySecret: secretsmanager.Secret.fromSecretNameV2(this, 'StripeReadKey', 'stripe/restricted-read-key');"),
    ]);
  });

  test('a function imported without its role gets the secret ARN and a warning that names the permission', () => {
    const stack = newStack();
    const fn = lambda.Function.fromFunctionArn(stack, 'Imported', 'arn:aws:lambda:us-east-1:123456789012:function:accounts');
    synth({ 'v2.core.account.updated': StripeEventHandler.fromFunction(fn, { name: 'Accounts' }) },
      { stripeApiKeySecret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'Key', SECRET_ARN) }, stack);
    expect(warnings(stack, 'handlerRoleUnknown')).toEqual([expect.stringContaining('and secretsmanager:GetSecretValue on the Stripe key secret')]);
  });
});

describe('the Python Stripe layer (stripe-python)', () => {
  const pythonHandler = (name: string, options: Record<string, unknown> = {}) => StripeEventHandler.fromPythonCode({
    code: lambda.Code.fromInline('def handler(event, context):\n    return None\n'), handler: 'index.handler', name, ...options,
  });
  /** Each wrapped function's layers, by handler name, as the logical ids' prefixes. */
  function layersByHandler(template: Template): Record<string, string[]> {
    return Object.fromEntries(resourcesOf(template, 'AWS::Lambda::Function')
      .filter(([, fn]) => fn.Properties.Environment?.Variables?.STRIPE_EB_HANDLER_NAME)
      .map(([, fn]) => [fn.Properties.Environment.Variables.STRIPE_EB_HANDLER_NAME,
        (fn.Properties.Layers ?? []).map((l: any) => (l.Ref ? String(l.Ref).replace(/[0-9A-F]{8}$/, '') : 'user'))]));
  }

  test('only Python functions that receive thin events or have a Stripe key get it, after the wrapper layer; one per stack', () => {
    const stack = newStack();
    const own = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Own', SECRET_ARN);
    const shared = lambda.LayerVersion.fromLayerVersionArn(stack, 'Shared', 'arn:aws:lambda:us-east-1:123456789012:layer:shared:3');
    const existing = new lambda.Function(stack, 'Existing', {
      runtime: lambda.Runtime.PYTHON_3_13, handler: 'index.handler', code: lambda.Code.fromInline('def handler(event, context):\n    return None\n'),
    });
    const { template } = synth({
      'checkout.session.completed': pythonHandler('Orders'),
      'invoice.paid': pythonHandler('Invoices', { stripeApiKeySecret: own }),
      'v2.core.account.updated': pythonHandler('Accounts', { layers: [shared] }),
      'v1.billing.meter.error_report_triggered': StripeEventHandler.fromFunction(existing, { name: 'Meters' }),
      'v2.core.account.closed': inlineHandler({ name: 'Closed' }),
    }, {}, stack);
    expect(layersByHandler(template)).toEqual({
      Orders: ['StripeEventBridgePythonWrapperLayer'],
      Invoices: ['StripeEventBridgePythonWrapperLayer', 'StripeEventBridgePythonStripeLayer'],
      Accounts: ['StripeEventBridgePythonWrapperLayer', 'StripeEventBridgePythonStripeLayer', 'user'],
      Meters: ['StripeEventBridgePythonWrapperLayer', 'StripeEventBridgePythonStripeLayer'],
      Closed: ['StripeEventBridgeWrapperLayer'],
    });
    // The Node.js wrapper's, the Python wrapper's and the Stripe SDK's: one each.
    template.resourceCountIs('AWS::Lambda::LayerVersion', 3);
    template.hasResourceProperties('AWS::Lambda::LayerVersion', {
      CompatibleArchitectures: ['arm64', 'x86_64'], Description: Match.stringLikeRegexp('stripe-python'), LicenseInfo: 'Apache-2.0',
    });
  });

  test('its asset holds stripe-python and nothing of the wrapper; the wrapper layer\'s holds no stripe', () => {
    const { template } = synth({ 'checkout.session.completed': pythonHandler('Orders'), 'v2.core.account.updated': pythonHandler('Accounts') });
    const keys = resourcesOf(template, 'AWS::Lambda::LayerVersion').map(([, layer]) => layer.Properties.Content.S3Key);
    expect(new Set(keys).size).toBe(2);
    expect(fs.readdirSync(path.join(PYTHON_STRIPE_ASSET_DIR, 'python')).sort()).toEqual(['stripe', expect.stringMatching(/^stripe-\d+\.\d+\.\d+\.dist-info$/)]);
    expect(fs.existsSync(path.join(PYTHON_STRIPE_ASSET_DIR, 'python', 'stripe', '__init__.py'))).toBe(true);
    expect(fs.existsSync(path.join(PYTHON_WRAPPER_ASSET_DIR, 'python', 'stripe_eventbridge', 'wrapper.py'))).toBe(true);
    expect(fs.readdirSync(path.join(PYTHON_WRAPPER_ASSET_DIR, 'python')).filter((f) => /^stripe(-|$)/.test(f))).toEqual([]);
  });
});

describe('snapshot twins', () => {
  test('twins on different handlers warn, with the fix; on one handler they do not', () => {
    const { stack } = synth({ 'checkout.session.completed': inlineHandler({ name: 'Orders' }), 'v1.checkout.session.*': inlineHandler({ name: 'ThinOrders' }) });
    expect(warnings(stack, 'snapshotTwinsOnDifferentHandlers')).toEqual([
      "Handler 'Orders' receives snapshot events whose thin twins go to handler 'ThinOrders' ('checkout.session.completed' and 'v1.checkout.session.completed'). " +
        "While Stripe sends both for one change, each handler applies it: the wrapper keys a thin event on its snapshot twin's id (snapshot_event) only within one handler. " +
        "Put both keys on the same StripeEventHandler object (e.g. { 'checkout.session.completed': orders, 'v1.checkout.session.completed': orders }); " +
        'if both handlers should act, acknowledge this warning. [ack: @babes/stripe-eventbridge:snapshotTwinsOnDifferentHandlers]',
    ]);
    const orders = inlineHandler({ name: 'Orders' });
    const { stack: together } = synth({ 'checkout.session.completed': orders, 'v1.checkout.session.completed': orders });
    expect(warnings(together, 'snapshotTwinsOnDifferentHandlers')).toEqual([]);
  });

  test('a thin-only v1 type has no twin', () => {
    const { stack } = synth({ 'customer.subscription.*': inlineHandler({ name: 'Subscriptions' }), 'v1.customer.subscription.active': inlineHandler({ name: 'Active' }) });
    expect(warnings(stack, 'snapshotTwinsOnDifferentHandlers')).toEqual([]);
  });
});

describe('a standalone route', () => {
  function route(props: { eventTypes: string[]; eventBusPayload?: StripeEventPayload; thin?: boolean }) {
    const stack = newStack();
    const bus = new events.EventBus(stack, 'Snapshots');
    new StripeEventRoute(stack, 'Route', {
      handler: inlineHandler({ name: 'Accounts' }),
      eventTypes: props.eventTypes,
      eventBus: bus,
      eventBusPayload: props.eventBusPayload,
      thinEventBus: props.thin ? new events.EventBus(stack, 'Thins') : undefined,
      idempotencyTable: new dynamodb.Table(stack, 'Table', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } }),
      deadLetterQueue: new sqs.Queue(stack, 'Dlq'),
    });
    return Template.fromStack(stack);
  }

  test('puts thin types on thinEventBus, or on eventBus when it carries thin events', () => {
    const both = route({ eventTypes: ['charge.refunded', 'v2.core.account.updated'], thin: true });
    const buses = resourcesOf(both, 'AWS::Events::Rule').map(([, r]) => r.Properties.EventBusName.Ref);
    expect(buses).toEqual([expect.stringMatching(/^Snapshots/), expect.stringMatching(/^Thins/)]);
    const thinOnly = route({ eventTypes: ['v2.core.account.updated'], eventBusPayload: StripeEventPayload.THIN });
    expect(resourcesOf(thinOnly, 'AWS::Events::Rule').map(([, r]) => r.Properties.EventBusName.Ref)).toEqual([expect.stringMatching(/^Snapshots/)]);
  });

  test('a thin type without a thin bus fails, naming the route\'s props', () => {
    expect(() => route({ eventTypes: ['v2.core.account.updated'] })).toThrow(
      "[TestStack/Route] eventTypes: 'v2.core.account.updated' is a thin event type (thin types start with a version: 'v1.…', 'v2.…'), and eventBus carries snapshot events. " +
        'Set thinEventBus to the bus of a thin event destination, or eventBusPayload: StripeEventPayload.THIN if eventBus carries thin events.',
    );
    expect(() => route({ eventTypes: ['charge.refunded'], eventBusPayload: StripeEventPayload.THIN })).toThrow("eventTypes: 'charge.refunded' is a snapshot event type, and eventBus carries thin events");
  });
});

describe('a thin StripeEventDestination', () => {
  function destinations(thinProps: Record<string, unknown> = {}, handlers?: StripeEventBridgeIntegrationProps['handlers']) {
    const stack = newStack();
    const apiKeySecret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'ManageKey', SECRET_ARN);
    const snapshotDestination = new StripeEventDestination(stack, 'Snapshots', { apiKeySecret });
    const thinDestination = new StripeEventDestination(stack, 'Thins', { apiKeySecret, eventPayload: StripeEventPayload.THIN, ...thinProps });
    new StripeEventBridgeIntegration(stack, 'Stripe', {
      eventBus: StripeEventBus.fromDestination(snapshotDestination),
      thinEventBus: StripeEventBus.fromDestination(thinDestination),
      handlers: handlers ?? { 'checkout.session.completed': inlineHandler({ name: 'Orders' }), 'v2.core.account.*': inlineHandler({ name: 'Accounts' }) },
    });
    const template = Template.fromStack(stack);
    const props = (id: string) => resourcesOf(template, 'Custom::StripeEventDestination').find(([logicalId]) => logicalId.startsWith(id))![1].Properties;
    return { stack, template, thinDestination, snapshot: props('Snapshots'), thin: props('Thins') };
  }

  test('asks for event_payload thin without an API version; each destination enables the handler keys of its own style', () => {
    const { snapshot, thin, thinDestination, template } = destinations();
    expect(thin.EventPayload).toBe('thin');
    expect(thin).not.toHaveProperty('SnapshotApiVersion');
    expect(thin.EnabledEvents).toEqual(['v2.core.account.closed', 'v2.core.account.created', 'v2.core.account.updated']);
    expect(snapshot).not.toHaveProperty('EventPayload');
    expect(snapshot.EnabledEvents).toEqual(['checkout.session.completed']);
    expect(thinDestination.eventPayload).toBe(StripeEventPayload.THIN);
    expect(thinDestination.snapshotApiVersion).toBeUndefined();
    // Each bus is named after its own destination's partner source, and created after it.
    for (const id of ['StripeEventBus', 'StripeThinEventBus']) {
      const [, bus] = resourcesOf(template, 'AWS::Events::EventBus').find(([logicalId]) => logicalId.startsWith(id))!;
      const source = id === 'StripeEventBus' ? 'Snapshots' : 'Thins';
      expect(bus.Properties.Name).toEqual({ 'Fn::GetAtt': [expect.stringMatching(new RegExp(`^${source}`)), 'EventSourceName'] });
      expect(bus.DependsOn).toEqual([expect.stringMatching(new RegExp(`^${source}`))]);
    }
  });

  test('enabledEvents of thin types, wildcards expanded over the thin types the stripe package knows', () => {
    const { thin } = destinations({ enabledEvents: ['v2.core.account.*', 'v1.billing.meter.error_report_triggered'] });
    expect(thin.EnabledEvents).toEqual(['v1.billing.meter.error_report_triggered', 'v2.core.account.closed', 'v2.core.account.created', 'v2.core.account.updated']);
  });

  test.each([
    [{ snapshotApiVersion: '2026-10-28.endive' }, "snapshotApiVersion: '2026-10-28.endive' is set on a thin destination; thin events are not rendered in an API version"],
    [{ enabledEvents: ['invoice.paid'] }, "enabledEvents: 'invoice.paid' is a snapshot event type, and this is a thin destination. A thin destination takes thin types (v1.*, v2.*)"],
    [{ enabledEvents: ['*'] }, "enabledEvents: '*' cannot be enabled on a thin destination: Stripe has a thin destination list its event types, and '*' would enable all 326 thin types"],
  ])('refuses %j', (props, message) => {
    expect(() => destinations(props)).toThrow(message);
  });

  test("a '*' handler cannot become a thin destination's enabled events", () => {
    expect(() => destinations({}, { '*': inlineHandler() })).toThrow("handlers: '*' cannot be enabled on a thin destination");
  });
});

test('a scheduled reconciliation synthesizes beside a thin bus', () => {
  const stack = newStack();
  const key = secretsmanager.Secret.fromSecretCompleteArn(stack, 'EventsKey', SECRET_ARN);
  const { integration, template } = synth({ 'charge.refunded': inlineHandler({ name: 'Refunds' }), 'v2.core.account.updated': inlineHandler({ name: 'Accounts' }) },
    { reconciliation: { apiKeySecret: key } }, stack);
  expect(integration.reconciliation).toBeDefined();
  template.hasResourceProperties('AWS::Lambda::Function', {
    Environment: { Variables: Match.objectLike({ STRIPE_EB_HANDLER_NAME: 'Accounts', STRIPE_EB_EVENT_PAYLOADS: 'thin' }) },
  });
});

test("the integration's rule alarms and dashboard read the rules of both buses; a thin-only route's eventBus is the thin bus", () => {
  const orders = inlineHandler({ name: 'Orders' });
  const accounts = inlineHandler({ name: 'Accounts' });
  const { integration, template } = synth({ 'checkout.session.completed': orders, 'v1.checkout.session.completed': orders, 'v2.core.account.updated': accounts });
  expect((integration.metricRulesFailedInvocations() as any).expression).toBe('SELECT SUM(FailedInvocations) FROM SCHEMA("AWS/Events", EventBusName, RuleName)');
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    Metrics: [Match.objectLike({ Expression: 'SELECT SUM(FailedInvocations) FROM SCHEMA("AWS/Events", EventBusName, RuleName)' })],
  });
  expect(integration.routeFor(orders).eventBuses).toEqual([integration.eventBus, integration.thinEventBus]);
  expect(integration.routeFor(accounts).eventBus).toBe(integration.thinEventBus);
  // With one bus, the query stays on that bus.
  const { integration: one } = synth({ 'charge.refunded': inlineHandler() }, { thinEventBus: undefined });
  expect(JSON.stringify(newStack().resolve((one.metricRulesFailedInvocations() as any).expression))).toContain('WHERE EventBusName');
});
