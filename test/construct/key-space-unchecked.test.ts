/**
 * Two handlers with one key prefix must not share a table (key-scope.test.ts): synth fails when it can tell. When it
 * cannot (a table name given by a token, such as `Fn.importValue`), it warns instead of passing in silence, naming
 * both handlers and the fix; two tables the app creates are two tables, and stay quiet.
 */
import { App, Fn, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { StripeEventBridgeIntegration, StripeEventBus, StripeIdempotencyOptions } from '../../src';
import { KEY_SPACE_UNCHECKED } from '../../src/private/route/key-scope';
import { inlineHandler, TEST_EVENT_SOURCE } from '../support/stacks';

function integrate(stack: Stack, idempotency: StripeIdempotencyOptions): void {
  new StripeEventBridgeIntegration(stack, 'Stripe', {
    eventBus: StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE),
    idempotency,
    handlers: { 'checkout.session.completed': inlineHandler({ name: 'Orders' }), 'charge.refunded': inlineHandler({ name: 'Refunds' }) },
  });
}

const warnings = (stack: Stack) =>
  Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp(KEY_SPACE_UNCHECKED)).map((w) => `${w.id}: ${String(w.entry.data)}`);

test('the same pinned scope on tables imported by a token: synthesizes, with a warning per clash naming both handlers and the fix', () => {
  const app = new App();
  const stacks = ['Checkout', 'Subscriptions'].map((name) => {
    const stack = new Stack(app, name, { env: { account: '123456789012', region: 'us-east-1' } });
    integrate(stack, { table: dynamodb.Table.fromTableName(stack, 'Shared', Fn.importValue('SharedIdempotencyTable')), keyScope: 'Stripe' });
    return stack;
  });
  expect(() => app.synth()).not.toThrow();
  expect(warnings(stacks[0])).toEqual([]);
  expect(warnings(stacks[1])).toEqual([
    "/Subscriptions/Stripe/Orders: idempotency: this handler and Checkout/Stripe/Orders have the key prefix 'Stripe.Orders', and synth cannot tell " +
      'whether the idempotency table Subscriptions/Shared and the idempotency table Checkout/Shared are one table (a name given by a token, such as ' +
      "Fn.importValue). If they are, each would take the other's Stripe events for duplicates and skip them. Give each integration its own " +
      'idempotency.keyScope (or remove a pinned one to use the default, unique per stack and construct path); if they are different tables, ' +
      `acknowledge this warning. [ack: ${KEY_SPACE_UNCHECKED}]`,
    expect.stringMatching(/^\/Subscriptions\/Stripe\/Refunds: idempotency: this handler and Checkout\/Stripe\/Refunds have the key prefix 'Stripe\.Refunds'/),
  ]);
});

test('a table created in one stack and imported by a token in another, with the same pinned scope: a warning', () => {
  const app = new App();
  const owner = new Stack(app, 'Owner');
  integrate(owner, { table: new dynamodb.Table(owner, 'Idempotency', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } }), keyScope: 'Stripe' });
  const user = new Stack(app, 'User');
  integrate(user, { table: dynamodb.Table.fromTableName(user, 'Imported', Fn.importValue('OwnerIdempotencyTable')), keyScope: 'Stripe' });
  expect(warnings(user)).toHaveLength(2);
});

test('tables the app creates, or distinct prefixes: no warning', () => {
  const app = new App();
  const stacks = ['A', 'B'].map((name) => {
    const stack = new Stack(app, name);
    integrate(stack, { table: new dynamodb.Table(stack, 'Idempotency', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } }), keyScope: 'Stripe' });
    return stack;
  });
  const other = new App();
  const defaults = ['C', 'D'].map((name) => {
    const stack = new Stack(other, name);
    integrate(stack, { table: dynamodb.Table.fromTableName(stack, 'Shared', Fn.importValue('SharedIdempotencyTable')) });
    return stack;
  });
  for (const stack of [...stacks, ...defaults]) expect(warnings(stack)).toEqual([]);
});
