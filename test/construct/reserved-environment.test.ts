/**
 * The environment variables a user cannot break the wrapper with: refused at synth, for functions built
 * from code and for functions wrapped in place, when given and when added later, with the prop to use
 * instead. The list is checked against everything the bundled wrapper reads.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { StripeEventBridgeIntegration, StripeEventBus, StripeEventHandler } from '../../src';
import { ENV_OWNED_PREFIX } from '../../src/contract/wrapper';
import { REFUSED, WITHOUT_EFFECT } from '../../src/private/handler/reserved-environment';
import { WRAPPER_ASSET_DIR } from '../../src/private/handler/wrapper-layer';
import { inlineHandler, TEST_EVENT_SOURCE } from '../support/stacks';

function stack(): Stack {
  return new Stack(new App(), 'TestStack', { env: { account: '123456789012', region: 'us-east-1' } });
}

function integrate(scope: Stack, handler: StripeEventHandler): StripeEventBridgeIntegration {
  return new StripeEventBridgeIntegration(scope, 'Stripe', { eventBus: StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE), handlers: { 'checkout.session.completed': handler } });
}

function userFunction(scope: Stack, environment: Record<string, string> = {}): lambda.Function {
  return new lambda.Function(scope, 'Orders', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'orders.handler', code: lambda.Code.fromInline('x'), environment });
}

describe('fromCode: the environment option', () => {
  test.each([
    ['POWERTOOLS_IDEMPOTENCY_DISABLED', 'true', "It would turn off the idempotency that runs each Stripe event's handler once"],
    ['POWERTOOLS_METRICS_NAMESPACE', 'Mine', 'The integration sets it: use `metricsNamespace`.'],
    ['POWERTOOLS_SERVICE_NAME', 'Orders', "use the handler's `name`."],
    ['AWS_LAMBDA_LOG_LEVEL', 'ERROR', "Lambda sets it from the function's logging configuration"],
    ['STRIPE_EB_IDEMPOTENCY_TTL_SECONDS', '60', 'use `idempotency.recordLifetime`.'],
    ['STRIPE_EB_SOURCE_PREFIX', 'x', 'sourcePrefix'],
    ['STRIPE_EB_SOMETHING_NEW', 'x', "Names starting with STRIPE_EB_ are the wrapper's own."],
    ['AWS_REGION', 'eu-west-1', "Lambda sets it, and refuses it in a function's environment"],
  ])('%s is refused, saying which prop to use instead', (name, value, advice) => {
    const s = stack();
    expect(() => integrate(s, inlineHandler({ name: 'Orders', environment: { KEEP: '1', [name]: value } }))).toThrow(
      `[TestStack/Stripe/Orders] handlers.Orders.environment: ${name} is read by the Stripe event wrapper.`,
    );
    expect(() => integrate(stack(), inlineHandler({ name: 'Orders', environment: { [name]: value } }))).toThrow(advice);
  });

  test('several at once are named together', () => {
    expect(() => integrate(stack(), inlineHandler({ name: 'Orders', environment: { POWERTOOLS_METRICS_NAMESPACE: 'x', POWERTOOLS_IDEMPOTENCY_DISABLED: '1' } }))).toThrow(
      /POWERTOOLS_METRICS_NAMESPACE is read by the Stripe event wrapper\. .* POWERTOOLS_IDEMPOTENCY_DISABLED is read by the Stripe event wrapper\. .* Remove them\.$/,
    );
  });

  test.each(Object.keys(WITHOUT_EFFECT))('%s is yours: accepted, and passed through', (name) => {
    const s = stack();
    integrate(s, inlineHandler({ name: 'Orders', environment: { [name]: 'x' } }));
    const [fn] = Object.values(Template.fromStack(s).findResources('AWS::Lambda::Function'));
    expect(fn.Properties.Environment.Variables[name]).toBe('x');
  });

  test('a variable added to the function later is refused at synth', () => {
    const s = stack();
    const integration = integrate(s, inlineHandler({ name: 'Orders' }));
    (integration.routes[0].function as lambda.Function).addEnvironment('POWERTOOLS_IDEMPOTENCY_DISABLED', 'true');
    expect(() => Template.fromStack(s)).toThrow(/handlers\.Orders\.environment: POWERTOOLS_IDEMPOTENCY_DISABLED is read by the Stripe event wrapper/);
  });

  test('a variable of the integration overwritten later is refused at synth', () => {
    const s = stack();
    const integration = integrate(s, inlineHandler({ name: 'Orders' }));
    (integration.routes[0].function as lambda.Function).addEnvironment('POWERTOOLS_METRICS_NAMESPACE', 'Mine');
    expect(() => Template.fromStack(s)).toThrow(/POWERTOOLS_METRICS_NAMESPACE is read by the Stripe event wrapper\. The integration sets it: use `metricsNamespace`\./);
  });

  test("the integration's own values pass", () => {
    expect(() => Template.fromStack((() => { const s = stack(); integrate(s, inlineHandler({ name: 'Orders', environment: { MINE: '1' } })); return s; })())).not.toThrow();
  });
});

describe('fromFunction: a function wrapped in place', () => {
  test('a refused variable in its environment fails at synth, naming the function', () => {
    const s = stack();
    const fn = userFunction(s, { POWERTOOLS_IDEMPOTENCY_DISABLED: 'true' });
    expect(() => integrate(s, StripeEventHandler.fromFunction(fn, { name: 'Orders' }))).toThrow(
      '[TestStack/Stripe/Orders] handlers.Orders: the environment of TestStack/Orders: POWERTOOLS_IDEMPOTENCY_DISABLED is read by the Stripe event wrapper.',
    );
  });

  test('one added after wrapping fails at synth too', () => {
    const s = stack();
    const fn = userFunction(s, { MINE: '1' });
    integrate(s, StripeEventHandler.fromFunction(fn, { name: 'Orders' }));
    fn.addEnvironment('POWERTOOLS_METRICS_NAMESPACE', 'Mine');
    expect(() => Template.fromStack(s)).toThrow(/handlers\.Orders: the environment of TestStack\/Orders: POWERTOOLS_METRICS_NAMESPACE is read by the Stripe event wrapper/);
  });

  test('its own variables, and the wrapper\'s, pass', () => {
    const s = stack();
    const fn = userFunction(s, { MINE: '1', POWERTOOLS_LOG_LEVEL: 'DEBUG' });
    integrate(s, StripeEventHandler.fromFunction(fn, { name: 'Orders' }));
    const [resource] = Object.values(Template.fromStack(s).findResources('AWS::Lambda::Function'));
    expect(resource.Properties.Environment.Variables).toMatchObject({ MINE: '1', POWERTOOLS_LOG_LEVEL: 'DEBUG', STRIPE_EB_USER_HANDLER: 'orders.handler', POWERTOOLS_SERVICE_NAME: 'Orders' });
  });
});

test('every environment variable the bundled wrapper reads is either refused or listed as without effect, with its reason', () => {
  const bundle = fs.readFileSync(path.join(WRAPPER_ASSET_DIR, 'stripe-eventbridge', 'wrapper.js'), 'utf8');
  const read = new Set<string>();
  // Powertools' getStringFromEnv({ key: 'X' }) and friends, `process.env.X`, and the names of the constants they use.
  for (const m of bundle.matchAll(/key:"([A-Za-z_][A-Za-z0-9_]*)"|process\.env\.([A-Za-z_][A-Za-z0-9_]*)|process\.env\["([^"]+)"\]/g)) read.add(m[1] ?? m[2] ?? m[3]);
  for (const m of bundle.matchAll(/"((?:POWERTOOLS|STRIPE_EB|AWS_LAMBDA|LAMBDA|_X_AMZN)_[A-Z0-9_]+)"/g)) read.add(m[1]);
  expect(read.size).toBeGreaterThan(15);
  const unclassified = [...read].filter((name) => !(name in REFUSED) && !(name in WITHOUT_EFFECT) && !name.startsWith(ENV_OWNED_PREFIX));
  expect(unclassified).toEqual([]);
  // The ones the issue named are among them, and refused.
  for (const name of ['POWERTOOLS_IDEMPOTENCY_DISABLED', 'POWERTOOLS_METRICS_NAMESPACE']) {
    expect(read.has(name)).toBe(true);
    expect(REFUSED[name]).toBeDefined();
  }
  // The integration sets the service name for your own code's Powertools (the wrapper reads STRIPE_EB_HANDLER_NAME): refused.
  expect(REFUSED.POWERTOOLS_SERVICE_NAME).toBeDefined();
  // Nothing is both.
  expect(Object.keys(REFUSED).filter((n) => n in WITHOUT_EFFECT)).toEqual([]);
});
