/**
 * StripeEventReconciliation on its own, over routes built without an integration: the scheduled function and its
 * configuration, least privilege, its alarms and metrics, and the checks of its props.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { StripeEventBridgeError, StripeEventReconciliation, StripeEventReconciliationProps, StripeEventRoute } from '../../src';
import { ENV_RECONCILE_CONFIG, ENV_RECONCILE_SECRET_ID } from '../../src/contract/reconcile';
import { inlineHandler, newStack, TEST_EVENT_SOURCE } from '../support/stacks';

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe/read-events-AbCdEf';

function build(overrides: Partial<StripeEventReconciliationProps> = {}) {
  const stack: Stack = newStack();
  const bus = new events.EventBus(stack, 'Bus', { eventSourceName: TEST_EVENT_SOURCE });
  const table = new dynamodb.Table(stack, 'Table', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } });
  const queue = new sqs.Queue(stack, 'DeadLetters');
  const common = { eventBus: bus, idempotencyTable: table, deadLetterQueue: queue };
  const orders = new StripeEventRoute(stack, 'Orders', { ...common, handler: inlineHandler({ name: 'Orders' }), eventTypes: ['checkout.session.completed'] });
  const refunds = new StripeEventRoute(stack, 'Refunds', { ...common, handler: inlineHandler({ name: 'Refunds' }), eventTypes: ['charge.refunded'] });
  const reconciliation = new StripeEventReconciliation(stack, 'Reconciliation', {
    apiKeySecret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'ReadEventsKey', SECRET_ARN),
    routes: [orders, refunds],
    idempotencyTable: table,
    ...overrides,
  });
  return { stack, table, orders, refunds, reconciliation, template: Template.fromStack(stack) };
}

const id = (stack: Stack, construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as any);

describe('with the defaults', () => {
  const { stack, table, orders, refunds, reconciliation, template } = build();

  test('one function, configured with each route\'s function and its rule\'s pattern, and the secret by ARN', () => {
    const fn = template.toJSON().Resources[id(stack, reconciliation.function)];
    expect(fn.Properties).toMatchObject({ Handler: 'index.handler', Runtime: 'nodejs24.x', Architectures: ['arm64'], Timeout: 900, MemorySize: 512 });
    const env = fn.Properties.Environment.Variables;
    expect(env[ENV_RECONCILE_SECRET_ID]).toBe(SECRET_ARN);
    expect(env.POWERTOOLS_SERVICE_NAME).toBe('TestStack.Reconciliation');
    expect(env.POWERTOOLS_METRICS_NAMESPACE).toBe('StripeEventBridge');
    const parts = env[ENV_RECONCILE_CONFIG]['Fn::Join'][1] as unknown[];
    const config = JSON.parse(parts.map((p: any) => (typeof p === 'string' ? p : `<Ref ${p.Ref}>`)).join(''));
    const pattern = (route: StripeEventRoute) => template.toJSON().Resources[id(stack, route.rule)].Properties.EventPattern;
    expect(config).toEqual({
      routes: [
        { function: `<Ref ${id(stack, orders.function)}>`, patterns: [pattern(orders)] },
        { function: `<Ref ${id(stack, refunds.function)}>`, patterns: [pattern(refunds)] },
      ],
      windowSeconds: 3 * 86400,
      graceSeconds: 15 * 60,
      backfill: false,
      backfillLimit: 100,
    });
  });

  test('runs hourly, retried by EventBridge for an hour, never by Lambda', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 hour)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [id(stack, reconciliation.function), 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 } })],
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { FunctionName: { Ref: id(stack, reconciliation.function) }, MaximumRetryAttempts: 0 });
  });

  test('least privilege: the secret, the routes\' records by key prefix, the routes\' configurations; no invoke without backfill', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .find((p: any) => p.Properties.Roles[0].Ref === id(stack, reconciliation.function.role!))!.Properties.PolicyDocument.Statement;
    expect(statements).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: 'secretsmanager:GetSecretValue', Resource: SECRET_ARN }),
      expect.objectContaining({
        Action: ['dynamodb:GetItem', 'dynamodb:BatchGetItem'],
        Resource: { 'Fn::GetAtt': [id(stack, table), 'Arn'] },
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['TestStack.Orders#*', 'TestStack.Refunds#*'] } },
      }),
      expect.objectContaining({ Action: 'lambda:GetFunctionConfiguration' }),
    ]));
    expect(JSON.stringify(statements)).not.toContain('lambda:InvokeFunction');
  });

  test('two alarms without actions (no topic): events missed, and the check failing', () => {
    expect(reconciliation.alarms).toHaveLength(2);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 2);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'EventsMissed',
      Namespace: 'StripeEventBridge',
      Dimensions: [{ Name: 'service', Value: 'TestStack.Reconciliation' }],
      Statistic: 'Maximum',
      Threshold: 1,
      TreatMissingData: 'ignore',
      AlarmActions: Match.absent(),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Errors', Namespace: 'AWS/Lambda', TreatMissingData: 'notBreaching' });
  });

  test('its metrics, by the service dimension', () => {
    const missed = reconciliation.metricEventsMissed();
    expect(missed).toMatchObject({ namespace: 'StripeEventBridge', metricName: 'EventsMissed', statistic: 'Maximum', dimensions: { service: 'TestStack.Reconciliation' } });
    expect(missed.period.toMinutes()).toBe(5);
    expect(reconciliation.metricEventsBackfilled()).toMatchObject({ metricName: 'EventsBackfilled', statistic: 'Sum' });
    expect(reconciliation.metricEventsBackfilled({ statistic: 'Maximum', period: Duration.hours(1) })).toMatchObject({ statistic: 'Maximum' });
  });
});

test('backfill: invokes the routes\' functions, at most backfillLimit a run; schedule and window as given', () => {
  const schedule = events.Schedule.rate(Duration.hours(6));
  const { template, stack: s, reconciliation } = build({ backfill: true, backfillLimit: 20, schedule, window: Duration.days(7) });
  template.hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'lambda:InvokeFunction' })]) },
  });
  template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(6 hours)' });
  const env = template.toJSON().Resources[id(s, reconciliation.function)].Properties.Environment.Variables;
  expect(JSON.stringify(env[ENV_RECONCILE_CONFIG])).toContain('\\"backfill\\":true,\\"backfillLimit\\":20');
  expect(JSON.stringify(env[ENV_RECONCILE_CONFIG])).toContain(`\\"windowSeconds\\":${7 * 86400}`);
});

test('alarms notify the given topic on ALARM and OK; alarms: false creates none', () => {
  const withTopic = (() => {
    const stack = newStack();
    const topic = new sns.Topic(stack, 'AlarmTopic');
    const bus = new events.EventBus(stack, 'Bus', { eventSourceName: TEST_EVENT_SOURCE });
    const table = new dynamodb.Table(stack, 'Table', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } });
    const route = new StripeEventRoute(stack, 'Orders', {
      eventBus: bus, idempotencyTable: table, deadLetterQueue: new sqs.Queue(stack, 'Dlq'), handler: inlineHandler({ name: 'Orders' }), eventTypes: ['charge.refunded'],
    });
    new StripeEventReconciliation(stack, 'Reconciliation', {
      apiKeySecret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'Key', SECRET_ARN), routes: [route], idempotencyTable: table, alarmTopic: topic,
    });
    return { template: Template.fromStack(stack), topicId: stack.getLogicalId(topic.node.defaultChild as any) };
  })();
  withTopic.template.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: [{ Ref: withTopic.topicId }], OKActions: [{ Ref: withTopic.topicId }] });
  build({ alarms: false }).template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
});

describe('checks its props', () => {
  test.each([
    [{ routes: [] }, 'routes: nothing to check; pass at least one StripeEventRoute.'],
    [{ window: Duration.days(31) }, "window: 31 days is outside 1 hour to 30 days (Stripe's Events API keeps 30 days of events). The default is 3 days."],
    [{ window: Duration.minutes(30) }, 'window: 30 minutes is outside 1 hour to 30 days'],
    [{ window: Duration.hours(2), gracePeriod: Duration.hours(2) }, 'gracePeriod: 2 hours leaves nothing of the window (2 hours); shorten it (default 15 minutes).'],
    [{ backfill: true, backfillLimit: 0 }, 'backfillLimit: 0 is not a whole number of at least 1.'],
  ])('%o', (props, message) => {
    expect(() => build(props as Partial<StripeEventReconciliationProps>)).toThrow(message);
  });

  test('errors are StripeEventBridgeErrors that name the construct', () => {
    expect(() => build({ routes: [] })).toThrow(StripeEventBridgeError);
    expect(() => build({ routes: [] })).toThrow(/^\[TestStack\/Reconciliation\] /);
  });

  test('backfillLimit without backfill: a warning, since nothing is sent', () => {
    const { stack } = build({ backfillLimit: 5 });
    Annotations.fromStack(stack).hasWarning('/TestStack/Reconciliation', Match.stringLikeRegexp('backfillLimit is set but backfill is off'));
  });
});
