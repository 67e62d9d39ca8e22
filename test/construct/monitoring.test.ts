import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { StripeAlarm, StripeAlarmOptions, StripeEventBridgeIntegration, StripeEventBus, StripeEventHandler } from '../../src';
import { StripeMetricFactory } from '../../src/private/metric-factory';
import { readDashboard } from '../support/dashboard';
import { inlineHandler, newStack, resourcesOf, TEST_EVENT_SOURCE } from '../support/stacks';

function synth(alarms: StripeAlarmOptions = {}, extra: Record<string, unknown> = {}) {
  const stack = newStack();
  const integration = new StripeEventBridgeIntegration(stack, 'Stripe', {
    eventBus: StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE),
    handlers: { 'checkout.session.completed': inlineHandler({ name: 'Orders', timeout: Duration.seconds(20) }) },
    alarms,
    ...extra,
  });
  const template = Template.fromStack(stack);
  /** The logical id of the resource at construct path `prefix` (the id is the path plus an 8-digit hash). */
  const id = (prefix: string) => {
    const ids = Object.keys(template.toJSON().Resources).filter((k) => new RegExp(`^${prefix}[0-9A-F]{8}$`).test(k));
    expect(ids).toHaveLength(1);
    return ids[0];
  };
  /** The one alarm whose logical id starts with StripeMonitoring<suffix>. */
  const alarm = (suffix: string) => {
    const found = resourcesOf(template, 'AWS::CloudWatch::Alarm').filter(([k]) => k.startsWith(`StripeMonitoring${suffix}`));
    expect(found).toHaveLength(1);
    return found[0][1].Properties;
  };
  return { stack, integration, template, id, alarm };
}

const actionsOn = (topicId: string) => ({ AlarmActions: [{ Ref: topicId }], OKActions: [{ Ref: topicId }] });

/** Per-handler alarms on, as a user opts in. */
const H: StripeAlarmOptions = { handlerAlarms: true };

describe('per-handler alarms, opt-in with handlerAlarms (AWS/Lambda, dimension FunctionName)', () => {
  test.each([
    ['OrdersLambdaErrors', 'Errors'],
    ['OrdersLambdaThrottles', 'Throttles'],
    ['OrdersAsyncEventsDropped', 'AsyncEventsDropped'],
    ['OrdersDestinationDeliveryFailures', 'DestinationDeliveryFailures'],
  ])('%s: %s Sum >= 1 in 5 minutes, missing data is fine, notifies the topic', (suffix, metricName) => {
    const { alarm, id } = synth(H);
    expect(alarm(suffix)).toEqual({
      Namespace: 'AWS/Lambda',
      MetricName: metricName,
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: id('StripeOrdersFunction') } }],
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmDescription: expect.stringMatching(/^Stripe handler Orders: /),
      ...actionsOn(id('StripeMonitoringAlarmTopic')),
    });
  });

  test('duration: p99 above 80 % of the 20 s timeout', () => {
    const { alarm, id } = synth(H);
    expect(alarm('OrdersDuration')).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Duration',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: id('StripeOrdersFunction') } }],
      ExtendedStatistic: 'p99',
      Threshold: 16000,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  test('the duration threshold share is configurable', () => {
    expect(synth({ ...H, durationThresholdPercent: 50 }).alarm('OrdersDuration').Threshold).toBe(10000);
  });

  test.each([
    ['OrdersFailedEvents', 'EventsFailed'],
    ['OrdersInvalidEvents', 'EventsInvalid'],
  ])("%s: the wrapper's %s per handler (namespace StripeEventBridge, dimensions integration and service)", (suffix, metricName) => {
    const { alarm } = synth(H);
    expect(alarm(suffix)).toMatchObject({
      Namespace: 'StripeEventBridge',
      MetricName: metricName,
      Dimensions: [
        { Name: 'integration', Value: 'TestStack/Stripe' },
        { Name: 'service', Value: 'Orders' },
      ],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  test('a custom metrics namespace reaches both the functions and the alarms', () => {
    const { alarm, template } = synth(H, { metricsNamespace: 'Payments/Stripe' });
    expect(alarm('OrdersFailedEvents').Namespace).toBe('Payments/Stripe');
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ POWERTOOLS_METRICS_NAMESPACE: 'Payments/Stripe' }) } });
  });
});

describe('per-rule alarms (AWS/Events, dimensions EventBusName and RuleName on a non-default bus)', () => {
  test.each([
    ['OrdersRuleFailedInvocations', 'FailedInvocations'],
    ['OrdersRuleDlqFailures', 'InvocationsFailedToBeSentToDlq'],
    ['OrdersRuleThrottled', 'ThrottledRules'],
  ])('%s: %s', (suffix, metricName) => {
    const { alarm, id } = synth(H);
    expect(alarm(suffix)).toMatchObject({
      Namespace: 'AWS/Events',
      MetricName: metricName,
      Dimensions: [
        { Name: 'EventBusName', Value: { Ref: id('StripeEventBus') } },
        { Name: 'RuleName', Value: { Ref: id('StripeOrdersRule') } },
      ],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  test('on the default bus the rule metrics carry RuleName only', () => {
    const stack = newStack();
    const integration = new StripeEventBridgeIntegration(stack, 'Stripe', {
      eventBus: StripeEventBus.fromEventBusName('default', { sourcePrefix: 'test.stripe' }),
      handlers: { 'checkout.session.completed': inlineHandler({ name: 'Orders' }) },
    });
    expect(Object.keys(stack.resolve(integration.routes[0].metricRuleFailedInvocations().dimensions))).toEqual(['RuleName']);
  });
});

describe('every rule and every function: one Metrics Insights alarm each, whatever the number of handlers', () => {
  /** The query over every rule on the bus `busRef`, as CloudFormation receives it. */
  const rulesOnBus = (metricName: string, busRef: unknown) => ({
    'Fn::Join': ['', [`SELECT SUM(${metricName}) FROM SCHEMA("AWS/Events", EventBusName, RuleName) WHERE EventBusName = '`, busRef, "'"]],
  });

  test.each([
    ['RuleDlqFailures', 'InvocationsFailedToBeSentToDlq'],
    ['RuleFailedInvocations', 'FailedInvocations'],
    ['RuleThrottled', 'ThrottledRules'],
  ])('%s: AWS/Events %s summed over every rule on the integration\'s bus', (suffix, metricName) => {
    const { alarm, id } = synth();
    const a = alarm(suffix);
    expect(a).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching', EvaluationPeriods: 1 });
    // The query with its own Period, as CloudFormation requires of a Metrics Insights query; no per-rule metric.
    expect(a.Metrics).toEqual([{ Id: 'expr_1', Expression: rulesOnBus(metricName, { Ref: id('StripeEventBus') }), Label: `${metricName}, every rule`, Period: 300, ReturnData: true }]);
    expect(a.AlarmDescription).toMatch(/^Stripe integration TestStack\/Stripe, every rule: .*Which rule: the dashboard's "Rules by" widgets/);
  });

  test('DestinationDeliveryFailures: AWS/Lambda, summed over every function of the account and Region (a function\'s metrics carry only its generated name)', () => {
    const a = synth().alarm('DestinationDeliveryFailures');
    expect(a.Metrics).toEqual([{
      Id: 'expr_1',
      Expression: 'SELECT SUM(DestinationDeliveryFailures) FROM SCHEMA("AWS/Lambda", FunctionName)',
      Label: 'DestinationDeliveryFailures, every function',
      Period: 300,
      ReturnData: true,
    }]);
    expect(a).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' });
    expect(a.AlarmDescription).toContain('every function of the account and Region');
    expect(a.AlarmDescription).toContain('replay the window from the archive');
  });

  test('the same four alarms for 1 handler and for 30: the queries name no rule and no function', () => {
    const thirty: Record<string, StripeEventHandler> = {};
    for (let i = 0; i < 30; i++) thirty[`charge.future_${i}`] = inlineHandler({ name: `H${i}` });
    const queries = (handlers: Record<string, StripeEventHandler>) => {
      const stack = newStack();
      new StripeEventBridgeIntegration(stack, 'Stripe', { eventBus: StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE), handlers, allowUnknownEventTypes: true });
      return resourcesOf(Template.fromStack(stack), 'AWS::CloudWatch::Alarm').flatMap(([, a]) => (a.Properties.Metrics ?? []).filter((m: any) => m.Period !== undefined));
    };
    const one = queries({ 'checkout.session.completed': inlineHandler({ name: 'Orders' }) });
    expect(one).toHaveLength(4);
    expect(queries(thirty)).toEqual(one);
  });

  test('on the default bus: every rule on it (its rules\' metrics carry RuleName only)', () => {
    const stack = newStack();
    const integration = new StripeEventBridgeIntegration(stack, 'Stripe', {
      eventBus: StripeEventBus.fromEventBusName('default', { sourcePrefix: 'test.stripe' }),
      handlers: { 'checkout.session.completed': inlineHandler({ name: 'Orders' }) },
    });
    expect((integration.metricRulesFailedInvocations() as any).expression).toBe('SELECT SUM(FailedInvocations) FROM SCHEMA("AWS/Events", RuleName)');
  });

  test('rules on two buses: one query over every custom and partner bus (a WHERE cannot name two), not an alarm per bus', () => {
    const stack = newStack();
    const [a, b] = ['A', 'B'].map((n) => new events.EventBus(stack, n));
    const factory = new StripeMetricFactory('StripeEventBridge', a, 'TestStack/Stripe');
    expect(factory.rules('FailedInvocations', [a, b]).expression).toBe('SELECT SUM(FailedInvocations) FROM SCHEMA("AWS/Events", EventBusName, RuleName)');
    expect(factory.topRules('FailedInvocations', [a, b]).expression).toBe(
      'SELECT SUM(FailedInvocations) FROM SCHEMA("AWS/Events", EventBusName, RuleName) GROUP BY EventBusName, RuleName ORDER BY SUM() DESC LIMIT 10',
    );
    // The same bus twice is one bus.
    expect(stack.resolve(factory.rules('FailedInvocations', [a, a]).expression)).toEqual(rulesOnBus('FailedInvocations', { Ref: stack.getLogicalId(a.node.defaultChild as any) }));
    // The default bus beside another: every metric of that name in the namespace.
    const withDefault = factory.rules('ThrottledRules', [a, events.EventBus.fromEventBusName(stack, 'Default', 'default')]);
    expect(withDefault.expression).toBe('SELECT SUM(ThrottledRules) FROM "AWS/Events"');
  });

  test.each([
    ['30 seconds', { period: Duration.seconds(30) }, 'alarms.period: 30 seconds must be whole minutes: the rule and destination delivery alarms query Metrics Insights'],
    ['1 hour × 4', { period: Duration.hours(1), evaluationPeriods: 4 }, 'alarms.period × alarms.evaluationPeriods: 1 hour × 4 must be at most 3 hours'],
    ['90 minutes × 3', { period: Duration.minutes(90), evaluationPeriods: 3 }, 'alarms.period × alarms.evaluationPeriods: 1 hour 30 minutes × 3 must be at most 3 hours'],
  ])('a Metrics Insights alarm evaluates whole minutes of the last 3 hours: %s is rejected', (_, alarms, message) => {
    expect(() => synth(alarms as StripeAlarmOptions)).toThrow(message);
  });

  test('without the Metrics Insights alarms, any window', () => {
    const disabledAlarms = [
      StripeAlarm.RULE_DLQ_FAILURES, StripeAlarm.RULE_FAILED_INVOCATIONS, StripeAlarm.RULE_THROTTLED, StripeAlarm.DESTINATION_DELIVERY_FAILURES,
    ];
    const { template } = synth({ period: Duration.hours(1), evaluationPeriods: 4, disabledAlarms });
    expect(resourcesOf(template, 'AWS::CloudWatch::Alarm')).toHaveLength(7);
    expect(() => synth({ period: Duration.hours(3), evaluationPeriods: 1 })).not.toThrow();
  });
});

describe('dead-letter queue, table and silence alarms', () => {
  test('DLQ: any visible message, and the oldest message older than a day', () => {
    const { alarm, id } = synth();
    const queue = id('StripeDeadLetterQueue');
    expect(alarm('DeadLetterQueueMessages')).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(alarm('DeadLetterQueueAge')).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
      Statistic: 'Maximum',
      Threshold: 86400,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(synth({ deadLetterQueueMaxAge: Duration.hours(2) }).alarm('DeadLetterQueueAge').Threshold).toBe(7200);
  });

  test.each([
    ['TableThrottles', 'ThrottledRequests'],
    ['TableSystemErrors', 'SystemErrors'],
  ])('%s: AWS/DynamoDB %s summed over GetItem, PutItem, UpdateItem and DeleteItem on the idempotency table', (suffix, metricName) => {
    const { alarm, id } = synth();
    const properties = alarm(suffix);
    const table = id('StripeIdempotencyTable');
    expect(properties.Threshold).toBe(1);
    expect(properties.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
    const metrics = properties.Metrics.filter((m: any) => m.MetricStat);
    expect(metrics.map((m: any) => m.MetricStat.Metric.Dimensions.find((d: any) => d.Name === 'Operation').Value).sort()).toEqual(['DeleteItem', 'GetItem', 'PutItem', 'UpdateItem']);
    for (const m of metrics) {
      expect(m.MetricStat.Metric).toMatchObject({ Namespace: 'AWS/DynamoDB', MetricName: metricName });
      expect(m.MetricStat.Metric.Dimensions).toContainEqual({ Name: 'TableName', Value: { Ref: table } });
      expect(m.MetricStat.Stat).toBe('Sum');
    }
    expect(properties.Metrics.find((m: any) => m.Expression).Expression).toBe('getitem + putitem + updateitem + deleteitem');
  });

  test('no events: partner events ingested (AWS/Events Events by EventSourceName) below 1 in 24 hours, missing data breaching', () => {
    expect(synth().alarm('NoEvents')).toMatchObject({
      Namespace: 'AWS/Events',
      MetricName: 'Events',
      Dimensions: [{ Name: 'EventSourceName', Value: TEST_EVENT_SOURCE }],
      Statistic: 'Sum',
      Period: 86400,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
  });

  test('no events on a bus without a partner source: the rules\' matched events, summed', () => {
    const stack = newStack();
    new StripeEventBridgeIntegration(stack, 'Stripe', {
      eventBus: StripeEventBus.fromEventBus(new events.EventBus(stack, 'Bus'), { sourcePrefix: 'test.stripe' }),
      handlers: { 'checkout.session.completed': inlineHandler({ name: 'Orders' }), 'charge.refunded': inlineHandler({ name: 'Refunds' }) },
      alarms: { noEventsPeriod: Duration.hours(6) },
    });
    const [, noEvents] = resourcesOf(Template.fromStack(stack), 'AWS::CloudWatch::Alarm').find(([k]) => k.startsWith('StripeMonitoringNoEvents'))!;
    const p = noEvents.Properties;
    expect(p.TreatMissingData).toBe('breaching');
    expect(p.ComparisonOperator).toBe('LessThanThreshold');
    expect(p.Metrics.find((m: any) => m.Expression).Expression).toBe('m0 + m1');
    const metrics = p.Metrics.filter((m: any) => m.MetricStat);
    expect(metrics).toHaveLength(2);
    for (const m of metrics) {
      expect(m.MetricStat).toMatchObject({ Metric: { Namespace: 'AWS/Events', MetricName: 'TriggeredRules' }, Period: 21600, Stat: 'Sum' });
      expect(m.MetricStat.Metric.Dimensions.map((d: any) => d.Name)).toEqual(['EventBusName', 'RuleName']);
    }
  });

  test.each([
    [{ noEventsPeriod: Duration.hours(25) }, 'alarms.noEventsPeriod: 1 day 1 hour must be whole minutes from 5 minutes to 24 hours'],
    [{ noEventsPeriod: Duration.minutes(1) }, 'alarms.noEventsPeriod: 1 minute must be whole minutes from 5 minutes to 24 hours'],
    [{ durationThresholdPercent: 120 }, 'alarms.durationThresholdPercent: 120 must be above 0 and at most 100.'],
    [{ evaluationPeriods: 0 }, 'alarms.evaluationPeriods: 0 must be a whole number of at least 1.'],
  ])('invalid alarm settings %j are rejected', (alarms, message) => {
    expect(() => synth(alarms as StripeAlarmOptions)).toThrow(message);
  });
});

describe('alarm settings', () => {
  test('by default a fixed set of alarms, each notifying the one created topic', () => {
    const { template, integration, id } = synth();
    const alarms = resourcesOf(template, 'AWS::CloudWatch::Alarm');
    // failed + invalid events (all handlers) + 2 DLQ + 2 table + 1 silence + 3 over every rule + 1 over every function.
    expect(alarms.map(([k]) => k.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual(
      [
        'DeadLetterQueueAge', 'DeadLetterQueueMessages', 'DestinationDeliveryFailures', 'FailedEvents', 'InvalidEvents', 'NoEvents',
        'RuleDlqFailures', 'RuleFailedInvocations', 'RuleThrottled', 'TableSystemErrors', 'TableThrottles',
      ].map((a) => `StripeMonitoring${a}`),
    );
    expect(integration.alarms).toHaveLength(11);
    for (const [, a] of alarms) expect(a.Properties).toMatchObject(actionsOn(id('StripeMonitoringAlarmTopic')));
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.resourceCountIs('AWS::KMS::Key', 0);
  });

  test('with handlerAlarms, ten more per handler', () => {
    const { template } = synth(H);
    expect(resourcesOf(template, 'AWS::CloudWatch::Alarm')).toHaveLength(21);
  });

  test('failed and invalid events: the wrapper\'s metrics for every handler at once (dimension integration), naming the query that finds the handler', () => {
    const { alarm } = synth();
    for (const [suffix, metricName] of [['FailedEvents', 'EventsFailed'], ['InvalidEvents', 'EventsInvalid']]) {
      expect(alarm(suffix)).toMatchObject({
        Namespace: 'StripeEventBridge',
        MetricName: metricName,
        Dimensions: [{ Name: 'integration', Value: 'TestStack/Stripe' }],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
      expect(alarm(suffix).AlarmDescription).toContain('Which handler: the saved Logs Insights query "TestStack/Stripe/Stripe event failures with their errors" (column handler).');
    }
  });

  test('the created topic is TLS-only and, by default, not encrypted with a customer key', () => {
    const { template } = synth();
    const [[, topic]] = resourcesOf(template, 'AWS::SNS::Topic');
    expect(topic.Properties.KmsMasterKeyId).toBeUndefined();
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: [Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })] },
    });
  });

  test('with encryptTopic, the created topic is encrypted with a rotating key CloudWatch may use, and refuses non-TLS publishing', () => {
    const { template } = synth({ encryptTopic: true });
    const [[keyId]] = resourcesOf(template, 'AWS::KMS::Key');
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] })]) },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: [Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })] },
    });
  });

  test('a topic passed in is used and email addresses are subscribed to it', () => {
    const stack = newStack();
    const topic = new sns.Topic(stack, 'OpsTopic');
    new StripeEventBridgeIntegration(stack, 'Stripe', {
      eventBus: StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE),
      handlers: { 'checkout.session.completed': inlineHandler({ name: 'Orders' }) },
      alarms: { topic, emailAddresses: ['ops@thebabesclub.example', 'dev@thebabesclub.example'] },
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SNS::Topic', 1);
    const [[topicId]] = resourcesOf(template, 'AWS::SNS::Topic');
    expect(topicId).toMatch(/^OpsTopic/);
    template.resourceCountIs('AWS::SNS::Subscription', 2);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@thebabesclub.example', TopicArn: { Ref: topicId } });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: [{ Ref: topicId }] });
  });

  test('period and evaluation periods apply to every alarm but the silence alarm', () => {
    const { template } = synth({ period: Duration.minutes(1), evaluationPeriods: 3 });
    for (const [logicalId, a] of resourcesOf(template, 'AWS::CloudWatch::Alarm')) {
      if (logicalId.startsWith('StripeMonitoringNoEvents')) {
        expect(a.Properties).toMatchObject({ Period: 86400, EvaluationPeriods: 1 });
      } else if (a.Properties.Period !== undefined) {
        expect(a.Properties).toMatchObject({ Period: 60, EvaluationPeriods: 3 });
      } else {
        expect(a.Properties.EvaluationPeriods).toBe(3);
        for (const m of a.Properties.Metrics.filter((x: any) => x.MetricStat)) expect(m.MetricStat.Period).toBe(60);
        // A Metrics Insights query carries its own period.
        for (const m of a.Properties.Metrics.filter((x: any) => x.Period !== undefined)) expect(m.Period).toBe(60);
      }
    }
  });

  test('disabled alarms are left out', () => {
    const { template } = synth({ ...H, disabledAlarms: [StripeAlarm.NO_EVENTS, StripeAlarm.LAMBDA_THROTTLES, StripeAlarm.DURATION] });
    const ids = resourcesOf(template, 'AWS::CloudWatch::Alarm').map(([k]) => k);
    expect(ids).toHaveLength(18);
    expect(ids.some((k) => /NoEvents|LambdaThrottles|OrdersDuration/.test(k))).toBe(false);
  });

  test('alarms can be turned off entirely: no alarm, no topic', () => {
    const { template, integration } = synth({ enabled: false });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    template.resourceCountIs('AWS::SNS::Topic', 0);
    expect(integration.alarmTopic).toBeUndefined();
  });

  test('a function whose timeout is unknown (imported) gets every alarm but the duration one', () => {
    const stack = newStack();
    const fn = lambda.Function.fromFunctionArn(stack, 'Imported', 'arn:aws:lambda:us-east-1:123456789012:function:orders');
    new StripeEventBridgeIntegration(stack, 'Stripe', {
      eventBus: StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE),
      handlers: { 'checkout.session.completed': StripeEventHandler.fromFunction(fn, { name: 'Orders' }) },
      alarms: H,
    });
    const ids = resourcesOf(Template.fromStack(stack), 'AWS::CloudWatch::Alarm').map(([k]) => k);
    // 11 for the integration + 9 for the handler (its per-handler wrapper metrics too, as handlerAlarms turns them on).
    expect(ids).toHaveLength(20);
    expect(ids.some((k) => k.includes('OrdersDuration'))).toBe(false);
  });
});

describe('metric methods', () => {
  test('return the metrics the wrapper and AWS emit', () => {
    const { integration, stack } = synth();
    const r = (m: { namespace: string; metricName: string; dimensions?: unknown }) => ({
      ns: m.namespace,
      name: m.metricName,
      dims: stack.resolve(m.dimensions),
    });
    const [orders] = integration.routes;
    const dims = { integration: 'TestStack/Stripe', service: 'Orders' };
    expect(r(orders.metricEventsProcessed())).toEqual({ ns: 'StripeEventBridge', name: 'EventsProcessed', dims });
    expect(r(orders.metricEventsDuplicate()).name).toBe('EventsDuplicate');
    expect(r(orders.metricEventsInProgress())).toEqual({ ns: 'StripeEventBridge', name: 'EventsInProgress', dims });
    const i = integration;
    const all = [i.metricEventsProcessed(), i.metricEventsFailed(), i.metricEventsInvalid(), i.metricEventAge()];
    for (const m of all) {
      expect(r(m).dims).toEqual({ integration: 'TestStack/Stripe' });
    }
    expect(r(orders.metricEventsFailed()).name).toBe('EventsFailed');
    expect(r(orders.metricEventsInvalid()).name).toBe('EventsInvalid');
    expect(r(orders.metricProcessingTime()).name).toBe('ProcessingTime');
    expect(orders.metricEventAge().statistic).toBe('p99');
    expect(r(orders.metricRuleMatchedEvents()).name).toBe('TriggeredRules');
    expect(r(orders.metricRuleInvocationsFailedToBeSentToDlq()).name).toBe('InvocationsFailedToBeSentToDlq');
    expect(r(orders.metricRuleThrottled()).name).toBe('ThrottledRules');
    expect(r(integration.metricDeadLetterQueueMessages()).name).toBe('ApproximateNumberOfMessagesVisible');
  });

  test('over every rule and every function: Metrics Insights queries, for alarms of your own', () => {
    const { integration, stack, id } = synth();
    const expression = (m: unknown) => stack.resolve((m as { expression: string }).expression);
    const onBus = (name: string) => ({ 'Fn::Join': ['', [`SELECT SUM(${name}) FROM SCHEMA("AWS/Events", EventBusName, RuleName) WHERE EventBusName = '`, { Ref: id('StripeEventBus') }, "'"]] });
    expect(expression(integration.metricRulesFailedInvocations())).toEqual(onBus('FailedInvocations'));
    expect(expression(integration.metricRulesInvocationsFailedToBeSentToDlq())).toEqual(onBus('InvocationsFailedToBeSentToDlq'));
    expect(expression(integration.metricRulesThrottled())).toEqual(onBus('ThrottledRules'));
    expect(expression(integration.metricDestinationDeliveryFailures())).toBe('SELECT SUM(DestinationDeliveryFailures) FROM SCHEMA("AWS/Lambda", FunctionName)');
    expect(stack.resolve(integration.routes[0].eventBus.eventBusName)).toEqual({ Ref: id('StripeEventBus') });
  });
});

describe('dashboard', () => {
  function dashboardOf(template: Template) {
    const dashboards = resourcesOf(template, 'AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    return readDashboard(dashboards[0][1].Properties.DashboardBody);
  }

  test('by default: the alarm guide, the alarms\' state, the integration\'s graphs, where events fail, a graph per handler', () => {
    const { body, titles } = dashboardOf(synth().template);
    expect(body).toContain('| Dead-letter queue not empty |');
    expect(body).toContain('\\"type\\":\\"alarm\\"');
    expect(titles).toEqual([
      'Alarms',
      'Stripe events',
      'Dead-letter queue',
      'Idempotency table throttled requests',
      'Idempotency table system errors',
      'Rules by failed invocations (the events are in the dead-letter queue)',
      'Rules by events not sent to the dead-letter queue (lost: replay the archive)',
      'Rules by throttled runs',
      'Functions by errors',
      'Functions by throttles',
      'Functions by destination delivery failures (lost: replay the archive)',
      'Orders: checkout.session.completed',
    ]);
  });

  test('where events fail: Metrics Insights top 10s, rules of the integration\'s bus, functions of the account, each line named by CloudWatch', () => {
    const { json } = dashboardOf(synth().template);
    const query = (title: string) => json.widgets.find((w: any) => w.properties.title?.startsWith(title)).properties.metrics;
    expect(query('Rules by events not sent')).toEqual([[{
      expression: "SELECT SUM(InvocationsFailedToBeSentToDlq) FROM SCHEMA(\"AWS/Events\", EventBusName, RuleName) WHERE EventBusName = 'REF' GROUP BY RuleName ORDER BY SUM() DESC LIMIT 10",
    }]]);
    expect(query('Functions by destination delivery failures')).toEqual([[{
      expression: 'SELECT SUM(DestinationDeliveryFailures) FROM SCHEMA("AWS/Lambda", FunctionName) GROUP BY FunctionName ORDER BY SUM() DESC LIMIT 10',
    }]]);
  });

  test('graphs refer to the right metrics: received, processed, failed, the handler\'s matched events, invocations, errors, throttles, p99 duration', () => {
    const { body } = dashboardOf(synth().template);
    for (const fragment of [
      '\\"AWS/Events\\",\\"Events\\",\\"EventSourceName\\"',
      '\\"StripeEventBridge\\",\\"EventsFailed\\",\\"integration\\",\\"TestStack/Stripe\\"',
      '\\"AWS/SQS\\",\\"ApproximateNumberOfMessagesVisible\\",\\"QueueName\\"',
      '\\"AWS/Events\\",\\"TriggeredRules\\",\\"EventBusName\\"',
      '\\"AWS/Lambda\\",\\"Invocations\\",\\"FunctionName\\"',
      '\\"AWS/Lambda\\",\\"Errors\\",\\"FunctionName\\"',
      '\\"AWS/Lambda\\",\\"Throttles\\",\\"FunctionName\\"',
      '{\\"label\\":\\"duration p99 (ms)\\",\\"stat\\":\\"p99\\",\\"yAxis\\":\\"right\\"}',
    ]) {
      expect(body).toContain(fragment);
    }
  });

  test('with handlerMetrics: the wrapper\'s per-handler metrics in the handler graphs, and top 10 handlers by failed, invalid and processed events', () => {
    const { body, json, titles } = dashboardOf(synth({}, { handlerMetrics: true }).template);
    expect(titles).toEqual(expect.arrayContaining(['Handlers by failed Stripe events', 'Handlers by invalid events', 'Handlers by events processed']));
    const failed = json.widgets.find((w: any) => w.properties.title === 'Handlers by failed Stripe events').properties.metrics;
    expect(failed).toEqual([[{
      expression: 'SELECT SUM(EventsFailed) FROM SCHEMA("StripeEventBridge", "integration", "service") WHERE "integration" = \'TestStack/Stripe\' GROUP BY "service" ORDER BY SUM() DESC LIMIT 10',
    }]]);
    expect(body).toContain('\\"StripeEventBridge\\",\\"EventsDuplicate\\",\\"integration\\",\\"TestStack/Stripe\\",\\"service\\",\\"Orders\\"');
  });

  test('readable past 5 handlers: a graph per handler up to 5, none past 5, within the free tier\'s 50 metrics (300 handlers: scale.test.ts)', () => {
    const withHandlers = (n: number) => {
      const stack = newStack();
      const handlers: Record<string, StripeEventHandler> = {};
      for (let i = 0; i < n; i++) handlers[`charge.future_${i}`] = inlineHandler({ name: `H${i}` });
      new StripeEventBridgeIntegration(stack, 'Stripe', { eventBus: StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE), handlers, allowUnknownEventTypes: true });
      return dashboardOf(Template.fromStack(stack));
    };
    const five = withHandlers(5);
    expect(five.titles.filter((t: string) => /^H\d: /.test(t))).toHaveLength(5);
    expect(five.metrics).toBeLessThanOrEqual(50);
    const six = withHandlers(6);
    expect(six.titles.some((t: string) => /^H\d+: /.test(t))).toBe(false);
    expect(six.metrics).toBeLessThanOrEqual(50);
    expect(JSON.stringify(six.json)).toContain('### 6 handlers: the top 10s above name those that fail');
  });

  test('is on by default; can be named, or turned off', () => {
    synth().template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    synth({}, { dashboard: { dashboardName: 'stripe-payments' } }).template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'stripe-payments' });
    const off = synth({}, { dashboard: { enabled: false } });
    off.template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(off.integration.dashboard).toBeUndefined();
  });
});

describe('saved Logs Insights queries', () => {
  test('three queries over every handler log group: by type and outcome, failures, one Stripe event', () => {
    const { template, id } = synth();
    const queries = resourcesOf(template, 'AWS::Logs::QueryDefinition');
    expect(queries).toHaveLength(3);
    for (const [, q] of queries) expect(q.Properties.LogGroupNames).toEqual([{ Ref: id('StripeOrdersLogGroup') }]);
    const byName = Object.fromEntries(queries.map(([, q]) => [q.Properties.Name, q.Properties.QueryString]));
    expect(byName['TestStack/Stripe/Stripe events by type and outcome']).toBe(
      'filter ispresent(outcome)\n| stats count(*) as events by stripe_event_type, outcome, handler\n| sort events desc',
    );
    expect(byName['TestStack/Stripe/Stripe event failures with their errors']).toContain("filter outcome in ['failed', 'invalid', 'in_progress']");
    expect(byName['TestStack/Stripe/Everything logged for one Stripe event (replace the evt_ id)']).toContain("filter stripe_event_id = 'evt_REPLACE_WITH_THE_EVENT_ID'");
  });

  test("a received function's queries use its own log group", () => {
    const stack = newStack();
    const fn = new lambda.Function(stack, 'Orders', { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.main', code: lambda.Code.fromInline('x') });
    new StripeEventBridgeIntegration(stack, 'Stripe', {
      eventBus: StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE),
      handlers: { 'checkout.session.completed': StripeEventHandler.fromFunction(fn, { name: 'Orders' }) },
    });
    const template = Template.fromStack(stack);
    const [[fnId]] = resourcesOf(template, 'AWS::Lambda::Function');
    template.hasResourceProperties('AWS::Logs::QueryDefinition', { LogGroupNames: [{ 'Fn::Join': ['', ['/aws/lambda/', { Ref: fnId }]] }] });
  });
});

describe('archive', () => {
  test('archives the Stripe events on the bus for 30 days, without an empty KMS key', () => {
    const { template, id } = synth();
    template.resourceCountIs('AWS::Events::Archive', 1);
    const [, archive] = resourcesOf(template, 'AWS::Events::Archive')[0];
    expect(archive.Properties).toEqual({
      SourceArn: { 'Fn::GetAtt': [id('StripeEventBus'), 'Arn'] },
      EventPattern: { source: [{ prefix: 'aws.partner/stripe.com/' }] },
      RetentionDays: 30,
      Description: expect.stringContaining('replay'),
    });
  });

  test('retention is configurable and the archive can be turned off', () => {
    synth({}, { archive: { retention: Duration.days(365) } }).template.hasResourceProperties('AWS::Events::Archive', { RetentionDays: 365 });
    synth({}, { archive: { enabled: false } }).template.resourceCountIs('AWS::Events::Archive', 0);
  });
});
