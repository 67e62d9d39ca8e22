/**
 * `idempotency.previousKeyScopes`: the key scopes an integration's records had before a key scope change reach each
 * handler as its previous key prefixes (STRIPE_EB_IDEMPOTENCY_PREVIOUS_KEY_PREFIXES, which the wrapper and the
 * recovery tools read), with the read they need and nothing else; a value that cannot be right fails synth.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { StripeEventBridgeIntegration, StripeEventBus, StripeIdempotencyOptions } from '../../src';
import { ENV_IDEMPOTENCY_PREVIOUS_KEY_PREFIXES } from '../../src/contract/wrapper';
import { inlineHandler, newStack, resourcesOf, TEST_EVENT_SOURCE } from '../support/stacks';

function synth(idempotency: StripeIdempotencyOptions): Template {
  const stack = newStack();
  new StripeEventBridgeIntegration(stack, 'Stripe', {
    eventBus: StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE),
    idempotency,
    handlers: { 'checkout.session.completed': inlineHandler({ name: 'Orders' }), 'charge.refunded': inlineHandler({ name: 'Refunds' }) },
  });
  return Template.fromStack(stack);
}

const variables = (template: Template) =>
  resourcesOf(template, 'AWS::Lambda::Function').map(([, f]) => f.Properties.Environment.Variables as Record<string, string>);
const tableActions = (template: Template) =>
  resourcesOf(template, 'AWS::IAM::Policy').map(([, p]) => p.Properties.PolicyDocument.Statement.find((s: any) => String(s.Action).includes('dynamodb')).Action);

test('without previous scopes the variable is not set and the functions read single items only', () => {
  const template = synth({ keyScope: 'Payments/Stripe' });
  expect(variables(template).map((v) => v[ENV_IDEMPOTENCY_PREVIOUS_KEY_PREFIXES])).toEqual([undefined, undefined]);
  expect(tableActions(template)).toEqual([
    ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
    ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
  ]);
});

test('each handler gets the previous scopes as its own previous key prefixes, most recent first, as a JSON array', () => {
  const template = synth({ keyScope: 'Payments/Stripe', previousKeyScopes: ['Stripe'] });
  expect(variables(template).map((v) => [v.STRIPE_EB_IDEMPOTENCY_KEY_PREFIX, v[ENV_IDEMPOTENCY_PREVIOUS_KEY_PREFIXES]]).sort()).toEqual([
    ['Payments/Stripe.Orders', '["Stripe.Orders"]'],
    ['Payments/Stripe.Refunds', '["Stripe.Refunds"]'],
  ]);
  // One previous prefix is a GetItem, already granted.
  expect(tableActions(template)[0]).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']);

  const two = synth({ previousKeyScopes: ['Payments/Stripe', 'Stripe'] });
  expect(variables(two).map((v) => v[ENV_IDEMPOTENCY_PREVIOUS_KEY_PREFIXES]).sort()).toEqual([
    '["Payments/Stripe.Orders","Stripe.Orders"]',
    '["Payments/Stripe.Refunds","Stripe.Refunds"]',
  ]);
  // Several are read in one BatchGetItem.
  expect(tableActions(two)[0]).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchGetItem']);
});

test.each<[string, StripeIdempotencyOptions, RegExp]>([
  ['an invalid scope', { previousKeyScopes: ['has space'] }, /idempotency\.previousKeyScopes\[0\]: 'has space' is not a valid key scope/],
  ['the current scope', { keyScope: 'Stripe', previousKeyScopes: ['Stripe'] }, /idempotency\.previousKeyScopes\): 'Stripe\.Orders' is the current key prefix; list only the scopes used before\./],
  ['a scope twice', { previousKeyScopes: ['Old', 'Old'] }, /idempotency\.previousKeyScopes\): 'Old\.Orders' is given twice\./],
  ['more than 10', { previousKeyScopes: Array.from({ length: 11 }, (_, i) => `Old${i}`) }, /idempotency\.previousKeyScopes\): 11 given; at most 10/],
])('%s fails synth with what to change', (_label, idempotency, message) => {
  expect(() => synth(idempotency)).toThrow(message);
});

test('the variable is the integration\'s: set by hand, it fails synth', () => {
  const stack = newStack();
  expect(() => {
    new StripeEventBridgeIntegration(stack, 'Stripe', {
      eventBus: StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE),
      handlers: { 'checkout.session.completed': inlineHandler({ name: 'Orders', environment: { [ENV_IDEMPOTENCY_PREVIOUS_KEY_PREFIXES]: '["Stripe.Orders"]' } }) },
    });
    Template.fromStack(stack);
  }).toThrow(/STRIPE_EB_IDEMPOTENCY_PREVIOUS_KEY_PREFIXES is read by the Stripe event wrapper\. The integration sets it: use `idempotency\.previousKeyScopes`\./);
});
