/**
 * Idempotency key scopes: each handler's key prefix is `<key scope>.<handler name>`, the scope unique per
 * deployment (stack name and construct path) unless pinned, and `cdk synth` refuses two handlers of an app
 * that would share a table and a prefix.
 */
import { App, NestedStack, Stack, Stage } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { StripeEventBridgeIntegration, StripeEventBus, StripeIdempotencyOptions } from '../../src';
import { inlineHandler, newStack, resourcesOf, TEST_EVENT_SOURCE } from '../support/stacks';

const bus = () => StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE);

function integrate(scope: Construct, id = 'Stripe', idempotency?: StripeIdempotencyOptions): StripeEventBridgeIntegration {
  return new StripeEventBridgeIntegration(scope, id, {
    eventBus: bus(),
    idempotency,
    handlers: { 'checkout.session.completed': inlineHandler({ name: 'Orders' }), 'charge.refunded': inlineHandler({ name: 'Refunds' }) },
  });
}

function prefixes(stack: Stack): string[] {
  return resourcesOf(Template.fromStack(stack), 'AWS::Lambda::Function').map(([, f]) => f.Properties.Environment.Variables.STRIPE_EB_IDEMPOTENCY_KEY_PREFIX).sort();
}

test('by default the scope is the stack name and the construct path: unique in an account and Region, stable across deployments', () => {
  const stack = newStack();
  const integration = integrate(stack);
  expect(integration.keyScope).toBe('TestStack/Stripe');
  expect(prefixes(stack)).toEqual(['TestStack/Stripe.Orders', 'TestStack/Stripe.Refunds']);
  expect(integration.routes.map((r) => r.idempotencyKeyPrefix)).toEqual(['TestStack/Stripe.Orders', 'TestStack/Stripe.Refunds']);
});

test('the path inside the stack, a stage\'s stack name, and a nested stack\'s parent are part of it', () => {
  const stack = newStack();
  expect(integrate(new Construct(stack, 'Billing')).keyScope).toBe('TestStack/Billing/Stripe');

  const app = new App();
  const prod = new Stack(new Stage(app, 'Prod'), 'Payments');
  expect(integrate(prod).keyScope).toBe('Prod-Payments/Stripe');

  const parent = new Stack(app, 'Parent');
  expect(integrate(new NestedStack(parent, 'Handlers')).keyScope).toBe('Parent/Handlers/Stripe');
});

test('a pinned key scope is used as given: pinning the construct id keeps the keys of an earlier release', () => {
  const stack = newStack();
  integrate(stack, 'Stripe', { keyScope: 'Stripe' });
  expect(prefixes(stack)).toEqual(['Stripe.Orders', 'Stripe.Refunds']);
});

test.each(['', 'a#b', 'has space', 'x'.repeat(513)])('an invalid key scope %j fails synth', (keyScope) => {
  expect(() => integrate(newStack(), 'Stripe', { keyScope })).toThrow(
    /^\[TestStack\/Stripe\] idempotency\.keyScope: '.*' is not a valid key scope; use 1 to 512 printable characters without '#' or whitespace/,
  );
});

describe('two integrations that share a table', () => {
  /** The scenario: two stacks, each `new StripeEventBridgeIntegration(stack, 'Stripe', { idempotency: { table: shared } })`. */
  function twoStacks(idempotency: (stack: Stack) => StripeIdempotencyOptions): App {
    const app = new App();
    for (const name of ['Checkout', 'Subscriptions']) {
      const stack = new Stack(app, name, { env: { account: '123456789012', region: 'us-east-1' } });
      integrate(stack, 'Stripe', idempotency(stack));
    }
    return app;
  }

  test('get distinct prefixes by default, and synthesize', () => {
    const app = twoStacks((stack) => ({ table: dynamodb.Table.fromTableName(stack, 'Shared', 'shared-idempotency') }));
    const assembly = app.synth();
    const prefixOf = (stack: string) => Object.values(assembly.getStackByName(stack).template.Resources as Record<string, any>)
      .filter((r) => r.Type === 'AWS::Lambda::Function').map((f) => f.Properties.Environment.Variables.STRIPE_EB_IDEMPOTENCY_KEY_PREFIX).sort();
    expect(prefixOf('Checkout')).toEqual(['Checkout/Stripe.Orders', 'Checkout/Stripe.Refunds']);
    expect(prefixOf('Subscriptions')).toEqual(['Subscriptions/Stripe.Orders', 'Subscriptions/Stripe.Refunds']);
  });

  test('with the same pinned scope, fail synth once per clash, naming both handlers, the table and the fix', () => {
    const app = twoStacks((stack) => ({ table: dynamodb.Table.fromTableName(stack, 'Shared', 'shared-idempotency'), keyScope: 'Stripe' }));
    let message = '';
    try {
      app.synth();
    } catch (err) {
      message = (err as Error).message;
    }
    const clashes = message.split('\n').filter((l) => l.includes('share the idempotency table')).map((l) => l.trim());
    expect(clashes).toEqual([
      "[Subscriptions/Stripe/Orders] idempotency: this handler and Checkout/Stripe/Orders share the idempotency table 'shared-idempotency' and the key prefix 'Stripe.Orders', " +
        "so each would take the other's Stripe events for duplicates and skip them. Give each integration its own idempotency.keyScope " +
        '(or remove a pinned one to use the default, unique per stack and construct path), or its own table.',
      expect.stringMatching(/^\[Subscriptions\/Stripe\/Refunds\] idempotency: this handler and Checkout\/Stripe\/Refunds share the idempotency table 'shared-idempotency' and the key prefix 'Stripe\.Refunds'/),
    ]);
  });

  test('with the same pinned scope on one table object (a cross-stack reference) also fail', () => {
    const app = new App();
    const tables = new Stack(app, 'Tables');
    const shared = new dynamodb.Table(tables, 'Idempotency', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } });
    for (const name of ['A', 'B']) integrate(new Stack(app, name), 'Stripe', { table: shared, keyScope: 'Payments' });
    expect(() => app.synth()).toThrow(/\[B\/Stripe\/Orders\] idempotency: this handler and A\/Stripe\/Orders share the idempotency table Tables\/Idempotency and the key prefix 'Payments\.Orders'/);
  });

  test('with the same pinned scope but different tables (or Regions), synthesize', () => {
    const app = new App();
    for (const [name, region] of [['East', 'us-east-1'], ['West', 'us-west-2']]) {
      const stack = new Stack(app, name, { env: { account: '123456789012', region } });
      integrate(stack, 'Stripe', { table: dynamodb.Table.fromTableName(stack, 'Shared', 'shared-idempotency'), keyScope: 'Stripe' });
    }
    expect(() => app.synth()).not.toThrow();
    const other = new App();
    for (const name of ['A', 'B']) {
      const stack = new Stack(other, name);
      integrate(stack, 'Stripe', { table: dynamodb.Table.fromTableName(stack, 'Table', `${name}-idempotency`), keyScope: 'Stripe' });
    }
    expect(() => other.synth()).not.toThrow();
  });
});
