/**
 * One error base for everything the library throws: at synth (StripeEventBridgeError from the package root), in its
 * Lambda functions (the same class from `@babes/stripe-eventbridge/errors`; `stripe_eventbridge.errors` in Python)
 * and in its CLI. Each kind is thrown for real where that is cheap, and every error class of src/ is checked to
 * descend from the base; an error thrown by another copy of the class (the bundled wrapper) is caught too. The
 * Python layer's exceptions are checked in errors.integration.test.ts (it runs Python).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Errors } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { EventPatternTester, StripeEventBridgeError, StripeEventBridgeIntegration, StripeEventBus, StripeEventDestination, StripeEventHandler } from '../src';
import { UsageError } from '../src/cli/command';
import { StripeEventBridgeError as BaseFromErrorsEntry } from '../src/errors';
import { inlineHandler, newStack, TEST_EVENT_SOURCE } from './support/stacks';
import { InvalidWildcardError } from '../src/event-pattern/wildcard';
import { readReconcileConfig } from '../src/lambda/reconcile/config';
import { readWrapperConfig } from '../src/lambda/wrapper/config';
import { validateStripeEventBridgeEvent } from '../src/lambda/wrapper/envelope';
import { parseHandlerString } from '../src/lambda/wrapper/user-handler';
import { WRAPPER_ASSET_DIR } from '../src/private/handler/wrapper-layer';
import { parseDuration } from '../src/reconcile/durations';

/** What `fn` threw. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

describe('synth time: caught as StripeEventBridgeError, exported from the package root', () => {
  test.each<[string, () => unknown]>([
    ['the integration', () => new StripeEventBridgeIntegration(newStack(), 'Stripe', {
      eventBus: StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE), handlers: { 'charge.refunded': inlineHandler() }, retryAttempts: 500,
    })],
    ['a bus factory', () => StripeEventBus.fromPartnerEventSource('aws.partner/stripe.com')],
    ['a handler factory', () => StripeEventHandler.fromFunction(undefined as any, { name: '1 bad name' })],
    ['the destination', () => new StripeEventDestination(newStack(), 'Destination', {
      apiKeySecret: secretsmanager.Secret.fromSecretNameV2(newStack(), 'Key', 'stripe'), snapshotApiVersion: 'yesterday',
    })],
    ['the event pattern tester', () => EventPatternTester.toEventBridgeEvent('{}')],
  ])('%s', (_, fn) => {
    const err = thrown(fn);
    expect(err).toBeInstanceOf(StripeEventBridgeError);
    expect(err).toBeInstanceOf(Error);
  });

  test('construct errors are aws-cdk-lib validation errors too, with the construct\'s path', () => {
    const err = thrown(() => new StripeEventBridgeIntegration(newStack(), 'Stripe', {
      eventBus: StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE), handlers: { 'charge.refunded': inlineHandler() }, lambdaRetryAttempts: 3,
    }));
    expect(Errors.isValidationError(err)).toBe(true);
    expect((err as Error).message).toMatch(/^\[TestStack\/Stripe\] lambdaRetryAttempts: 3/);
  });

  test('`@babes/stripe-eventbridge/errors` is the same class, and loads no aws-cdk-lib', () => {
    expect(BaseFromErrorsEntry).toBe(StripeEventBridgeError);
    const entry = fs.readFileSync(path.join(__dirname, '..', 'src', 'errors.ts'), 'utf8') + fs.readFileSync(path.join(__dirname, '..', 'src', 'contract', 'errors.ts'), 'utf8');
    expect(entry).not.toMatch(/from '(aws-cdk-lib|constructs)/);
  });
});

describe('Lambda and CLI: the same base', () => {
  test.each<[string, () => unknown]>([
    ['the wrapper\'s configuration', () => readWrapperConfig({})],
    ['an invalid Stripe event', () => validateStripeEventBridgeEvent({ source: 'aws.partner/stripe.com/ed_1' })],
    ['a user handler string', () => parseHandlerString('../escape.handler')],
    ['the reconciliation function\'s configuration', () => readReconcileConfig({})],
    ['the reconciliation\'s durations', () => parseDuration('three days', 'window')],
    ['the CLI\'s usage', () => { throw new UsageError('no such command'); }],
    ['the matcher\'s wildcards', () => { throw new InvalidWildcardError('two wildcards in a row'); }],
  ])('%s', (_, fn) => {
    expect(thrown(fn)).toBeInstanceOf(StripeEventBridgeError);
  });

  test('subclasses keep their own instanceof', () => {
    expect(new UsageError('x')).toBeInstanceOf(UsageError);
    expect(new UsageError('x')).not.toBeInstanceOf(InvalidWildcardError);
    expect(new Error('x')).not.toBeInstanceOf(StripeEventBridgeError);
    expect(null).not.toBeInstanceOf(StripeEventBridgeError);
  });

  test('an error from another copy of the class (the bundled wrapper, configured by nothing) is caught by this one', () => {
    const saved = { ...process.env };
    try {
      for (const key of Object.keys(process.env)) if (key.startsWith('STRIPE_EB_')) delete process.env[key];
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const err = thrown(() => jest.isolateModules(() => require(path.join(WRAPPER_ASSET_DIR, 'stripe-eventbridge', 'wrapper.js'))));
      expect((err as Error).name).toBe('WrapperConfigError');
      expect(err).toBeInstanceOf(StripeEventBridgeError);
    } finally {
      process.env = saved;
    }
  });

  test('every error class in src/ descends from the base', () => {
    const modules = ['lambda/wrapper/config', 'lambda/wrapper/user-handler', 'lambda/wrapper/envelope', 'lambda/wrapper/effects', 'lambda/wrapper/store-errors',
      'lambda/reconcile/config', 'lambda/destination-provider/errors', 'cli/command', 'cli/redrive/dead-letter', 'cli/reconcile/stripe-key',
      'cli/reconcile/deployed-stack', 'event-pattern/json-scanner', 'event-pattern/wildcard', 'event-pattern/errors', 'event-pattern/ip-address',
      'reconcile/durations', 'reconcile/routes', 'reconcile/records', 'reconcile/stripe-events', 'reconcile/reconcile', 'private/errors'];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const classes = modules.flatMap((m) => Object.entries(require(`../src/${m}`) as Record<string, unknown>)
      .filter(([, v]) => typeof v === 'function' && (v as Function).prototype instanceof Error)
      .map(([name, v]) => [`${m}.${name}`, v as Function] as const));
    expect(classes.length).toBeGreaterThanOrEqual(30);
    const notOnBase = classes.filter(([, cls]) => !isOnBase(cls)).map(([name]) => name);
    expect(notOnBase).toEqual([]);
  });
});

/** Whether `cls` extends StripeEventBridgeError, walking its prototype chain. */
function isOnBase(cls: Function): boolean {
  for (let c: Function | null = cls; c; c = Object.getPrototypeOf(c)) if (c === StripeEventBridgeError) return true;
  return false;
}
