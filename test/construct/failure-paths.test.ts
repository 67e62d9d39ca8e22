import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { StripeEventBridgeIntegration, StripeEventBus, StripeEventHandler } from '../../src';
import { inlineHandler, newStack, resourcesOf, TEST_EVENT_SOURCE } from '../support/stacks';

const bus = () => StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE);

function twoHandlerStack(extra: Record<string, unknown> = {}) {
  const stack = newStack();
  const integration = new StripeEventBridgeIntegration(stack, 'Stripe', {
    eventBus: bus(),
    handlers: { 'checkout.session.completed': inlineHandler(), 'customer.subscription.*': inlineHandler() },
    ...extra,
  });
  return { stack, integration, template: Template.fromStack(stack) };
}

describe('nothing is dropped', () => {
  test('every rule target retries 185 times over 24 hours and has the dead-letter queue', () => {
    const { template } = twoHandlerStack();
    const [[queueId]] = resourcesOf(template, 'AWS::SQS::Queue');
    const rules = resourcesOf(template, 'AWS::Events::Rule');
    expect(rules).toHaveLength(2);
    for (const [, rule] of rules) {
      expect(rule.Properties.Targets).toHaveLength(1);
      expect(rule.Properties.Targets[0]).toMatchObject({
        RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } },
      });
    }
  });

  test('the dead-letter queue is encrypted, TLS-only and keeps messages 14 days', () => {
    const { template } = twoHandlerStack();
    template.resourceCountIs('AWS::SQS::Queue', 1);
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  test('a stack deletion keeps what it cannot rebuild: the dead-letter queue and the archive are retained, like the table and log groups', () => {
    const { template } = twoHandlerStack();
    for (const type of ['AWS::SQS::Queue', 'AWS::Events::Archive', 'AWS::DynamoDB::Table', 'AWS::Logs::LogGroup']) {
      const resources = resourcesOf(template, type);
      expect(resources.length).toBeGreaterThan(0);
      for (const [id, resource] of resources) {
        expect([type, id, resource.DeletionPolicy, resource.UpdateReplacePolicy]).toEqual([type, id, 'Retain', 'Retain']);
      }
    }
  });

  test('their removal policies are props: deadLetterQueueRemovalPolicy and archive.removalPolicy', () => {
    const { template } = twoHandlerStack({ deadLetterQueueRemovalPolicy: RemovalPolicy.DESTROY, archive: { removalPolicy: RemovalPolicy.DESTROY } });
    template.hasResource('AWS::SQS::Queue', { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    template.hasResource('AWS::Events::Archive', { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
  });

  test('EventBridge may send to the dead-letter queue only from the integration\'s rules', () => {
    const { template } = twoHandlerStack();
    const ruleIds = resourcesOf(template, 'AWS::Events::Rule').map(([id]) => id);
    const [, policy] = resourcesOf(template, 'AWS::SQS::QueuePolicy')[0];
    const allows = policy.Properties.PolicyDocument.Statement.filter((s: any) => s.Effect === 'Allow');
    expect(allows).toHaveLength(2);
    for (const statement of allows) {
      expect(statement.Principal).toEqual({ Service: 'events.amazonaws.com' });
      expect(statement.Action).toBe('sqs:SendMessage');
    }
    expect(allows.map((s: any) => s.Condition.ArnEquals['aws:SourceArn']['Fn::GetAtt'][0]).sort()).toEqual(ruleIds.sort());
  });

  test('no one else may send to the dead-letter queue: one Deny for every principal but the rules on the bus and the handlers\' roles, which are tagged', () => {
    const { template, integration } = twoHandlerStack();
    const [[queueId]] = resourcesOf(template, 'AWS::SQS::Queue');
    const [, policy] = resourcesOf(template, 'AWS::SQS::QueuePolicy')[0];
    const value = integration.deadLetterQueue.node.addr;
    const [[busId]] = resourcesOf(template, 'AWS::Events::EventBus');
    expect(policy.Properties.PolicyDocument.Statement.filter((s: any) => s.Sid === 'OnlyTheStripeRulesAndHandlersSend')).toEqual([{
      Sid: 'OnlyTheStripeRulesAndHandlersSend',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'sqs:SendMessage',
      Resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
      Condition: {
        // Any rule on the integration's bus (the bus's name is the partner event source's).
        ArnNotLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:us-east-1:123456789012:rule/', { Ref: busId }, '/*']] } },
        StringNotEquals: { 'aws:PrincipalTag/stripe-eventbridge:dead-letter-sender': value },
      },
    }]);
    // Each handler's role carries the tag: Lambda sends its failed invocations' records with that role.
    const tagged = resourcesOf(template, 'AWS::IAM::Role').filter(([, r]) => (r.Properties.Tags ?? []).some((t: any) => t.Key === 'stripe-eventbridge:dead-letter-sender' && t.Value === value));
    const handlerRoles = resourcesOf(template, 'AWS::Lambda::Function').map(([, f]) => f.Properties.Role['Fn::GetAtt'][0]);
    expect(tagged.map(([id]) => id).sort()).toEqual([...new Set(handlerRoles)].sort());
  });

  test('a queue the user brings keeps its own policy, and a handler whose role cannot be tagged leaves the queue as it was', () => {
    const stack = newStack();
    const queue = new sqs.Queue(stack, 'MyQueue');
    new StripeEventBridgeIntegration(stack, 'Stripe', { eventBus: bus(), handlers: { 'checkout.session.completed': inlineHandler() }, deadLetterQueue: queue });
    const template = Template.fromStack(stack);
    expect(JSON.stringify(template.toJSON())).not.toMatch(/OnlyTheStripeRulesAndHandlersSend|dead-letter-sender/);

    const imported = newStack();
    const role = iam.Role.fromRoleArn(imported, 'Shared', 'arn:aws:iam::123456789012:role/shared-handlers');
    const fn = new lambda.Function(imported, 'Orders', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {}'), role });
    new StripeEventBridgeIntegration(imported, 'Stripe', { eventBus: bus(), handlers: { 'checkout.session.completed': StripeEventHandler.fromFunction(fn, { name: 'Orders' }) } });
    expect(JSON.stringify(Template.fromStack(imported).toJSON())).not.toContain('OnlyTheStripeRulesAndHandlersSend');
  });

  test('every function sends failed asynchronous invocations, after 2 retries within 6 hours, to the same queue', () => {
    const { template } = twoHandlerStack();
    const [[queueId]] = resourcesOf(template, 'AWS::SQS::Queue');
    const functionIds = resourcesOf(template, 'AWS::Lambda::Function').map(([id]) => id);
    const configs = resourcesOf(template, 'AWS::Lambda::EventInvokeConfig');
    expect(configs).toHaveLength(2);
    expect(configs.map(([, c]) => c.Properties.FunctionName.Ref).sort()).toEqual(functionIds.sort());
    for (const [, config] of configs) {
      expect(config.Properties).toMatchObject({
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 21600,
        Qualifier: '$LATEST',
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
      });
    }
  });

  test('retries and event ages are configurable', () => {
    const { template } = twoHandlerStack({
      retryAttempts: 10,
      maxEventAge: Duration.hours(2),
      lambdaRetryAttempts: 1,
      lambdaMaxEventAge: Duration.hours(1),
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 7200 } })],
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 1, MaximumEventAgeInSeconds: 3600 });
  });

  test.each([
    [{ retryAttempts: 186 }, "retryAttempts: 186 is outside EventBridge's range of 0 to 185 retries."],
    [{ retryAttempts: -1 }, "retryAttempts: -1 is outside EventBridge's range of 0 to 185 retries."],
    [{ lambdaRetryAttempts: 3 }, "lambdaRetryAttempts: 3 is outside Lambda's range of 0 to 2 retries."],
    [{ maxEventAge: Duration.hours(25) }, "maxEventAge: 1 day 1 hour is outside EventBridge's range of 1 minute to 24 hours."],
    [{ lambdaMaxEventAge: Duration.hours(7) }, "lambdaMaxEventAge: 7 hours is outside Lambda's range of 1 minute to 6 hours."],
  ])('%j is rejected', (extra, message) => {
    expect(() => twoHandlerStack(extra)).toThrow(message);
  });

  test('a dead-letter queue passed in is used for every path and none is created', () => {
    const stack = newStack();
    const dlq = new sqs.Queue(stack, 'MyDlq', { enforceSSL: true });
    new StripeEventBridgeIntegration(stack, 'Stripe', {
      eventBus: bus(),
      deadLetterQueue: dlq,
      handlers: { 'checkout.session.completed': inlineHandler() },
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SQS::Queue', 1);
    const [[queueId]] = resourcesOf(template, 'AWS::SQS::Queue');
    expect(queueId).toMatch(/^MyDlq/);
    template.hasResourceProperties('AWS::Events::Rule', { Targets: [Match.objectLike({ DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } } })] });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } } });
  });

  test('a received function that already has an asynchronous invocation configuration is an error', () => {
    const stack = newStack();
    const fn = new lambda.Function(stack, 'Mine', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => null;'),
      onFailure: new destinations.SqsDestination(new sqs.Queue(stack, 'Other')),
    });
    expect(() =>
      new StripeEventBridgeIntegration(stack, 'Stripe', { eventBus: bus(), handlers: { 'checkout.session.completed': StripeEventHandler.fromFunction(fn) } }),
    ).toThrow(/^\[TestStack\/Stripe\/CheckoutSessionCompleted\] handlers\.CheckoutSessionCompleted: TestStack\/Mine already has an asynchronous invocation configuration; remove it/);
  });
});
