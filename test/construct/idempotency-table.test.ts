import { RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { StripeEventBridgeIntegration, StripeEventBus } from '../../src';
import { inlineHandler, newStack, resourcesOf, TEST_EVENT_SOURCE } from '../support/stacks';

const bus = () => StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE);

test('the created table has the Powertools schema, on-demand billing, PITR, and is retained', () => {
  const stack = newStack();
  new StripeEventBridgeIntegration(stack, 'Stripe', { eventBus: bus(), handlers: { 'checkout.session.completed': inlineHandler() } });
  const template = Template.fromStack(stack);
  template.resourceCountIs('AWS::DynamoDB::Table', 1);
  template.hasResource('AWS::DynamoDB::Table', {
    Properties: {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    },
    DeletionPolicy: 'Retain',
    UpdateReplacePolicy: 'Retain',
  });
});

test('the removal policy of the created table is configurable', () => {
  const stack = newStack();
  new StripeEventBridgeIntegration(stack, 'Stripe', {
    eventBus: bus(),
    idempotency: { removalPolicy: RemovalPolicy.DESTROY },
    handlers: { 'checkout.session.completed': inlineHandler() },
  });
  Template.fromStack(stack).hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
});

test('an existing table is used as is: none is created, functions point at it and may use it', () => {
  const stack = newStack();
  const table = dynamodb.Table.fromTableName(stack, 'Existing', 'shared-idempotency');
  const integration = new StripeEventBridgeIntegration(stack, 'Stripe', {
    eventBus: bus(),
    idempotency: { table },
    handlers: { 'checkout.session.completed': inlineHandler() },
  });
  const template = Template.fromStack(stack);
  template.resourceCountIs('AWS::DynamoDB::Table', 0);
  expect(integration.idempotencyTable).toBe(table);
  template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ STRIPE_EB_IDEMPOTENCY_TABLE: 'shared-idempotency' }) } });
  template.hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: {
      Statement: Match.arrayWith([
        Match.objectLike({
          Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
          Resource: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':table/shared-idempotency$')])] },
        }),
      ]),
    },
  });
});

test('a table encrypted with a customer key lets the functions use the key', () => {
  const stack = newStack();
  const key = new kms.Key(stack, 'Key');
  const table = new dynamodb.Table(stack, 'Mine', {
    partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
    encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
    encryptionKey: key,
  });
  new StripeEventBridgeIntegration(stack, 'Stripe', { eventBus: bus(), idempotency: { table }, handlers: { 'checkout.session.completed': inlineHandler() } });
  const [[keyId]] = resourcesOf(Template.fromStack(stack), 'AWS::KMS::Key');
  Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: {
      Statement: Match.arrayWith([
        Match.objectLike({ Action: Match.arrayWith(['kms:Decrypt', 'kms:Encrypt']), Resource: { 'Fn::GetAtt': [keyId, 'Arn'] } }),
      ]),
    },
  });
});
