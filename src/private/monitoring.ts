/**
 * Alarms, dashboard and saved Logs Insights queries for a StripeEventBridgeIntegration.
 *
 * Every metric's namespace, name and dimensions follow AWS's documentation:
 * - AWS/Lambda Errors, Throttles, Duration, AsyncEventsDropped, DestinationDeliveryFailures, dimension
 *   FunctionName (docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html).
 * - AWS/Events FailedInvocations, InvocationsFailedToBeSentToDlq, ThrottledRules, TriggeredRules with
 *   dimensions EventBusName and RuleName for a rule on a custom or partner bus (RuleName alone is the
 *   default bus); Events with dimension EventSourceName counts partner events ingested
 *   (docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html).
 * - AWS/SQS ApproximateNumberOfMessagesVisible, ApproximateAgeOfOldestMessage, dimension QueueName
 *   (docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html).
 * - AWS/DynamoDB ThrottledRequests and SystemErrors, dimensions TableName and Operation, summed over the
 *   operations the idempotency layer uses (docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html).
 * - The wrapper's EMF metrics, dimension `service` = handler name (src/contract/metrics.ts).
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { StripeAlarm, StripeAlarmOptions } from '../monitoring-options';
import type { StripeEventBridgeIntegration } from '../stripe-eventbridge-integration';

/** What monitoring needs to know about one handler. */
export interface MonitoredHandler {
  readonly name: string;
  readonly eventTypes: string[];
  readonly fn: lambda.IFunction;
  readonly timeout?: Duration;
  readonly logGroup?: logs.ILogGroup;
}

/** The DynamoDB operations Powertools idempotency performs. */
const IDEMPOTENCY_OPERATIONS = [
  dynamodb.Operation.GET_ITEM,
  dynamodb.Operation.PUT_ITEM,
  dynamodb.Operation.UPDATE_ITEM,
  dynamodb.Operation.DELETE_ITEM,
];

/** What each alarm means and what to do, shown in its description and on the dashboard. */
export const ALARM_GUIDE: Record<StripeAlarm, { title: string; meaning: string; action: string }> = {
  [StripeAlarm.LAMBDA_ERRORS]: {
    title: 'Lambda errors',
    meaning: 'invocations of the handler function failed (handler error, timeout, init error or invalid event)',
    action: 'Query "failures with their errors" in Logs Insights; failed events are retried twice, then land in the dead-letter queue.',
  },
  [StripeAlarm.LAMBDA_THROTTLES]: {
    title: 'Lambda throttles',
    meaning: 'the function hit its concurrency limit',
    action: 'Lambda retries throttled events for up to 6 hours; raise reserved concurrency or the account limit if it persists.',
  },
  [StripeAlarm.ASYNC_EVENTS_DROPPED]: {
    title: 'Async events dropped',
    meaning: 'Lambda dropped events without delivering them to any destination',
    action: 'Check the function\'s on-failure destination and its permissions; replay the time window from the archive.',
  },
  [StripeAlarm.DESTINATION_DELIVERY_FAILURES]: {
    title: 'Destination delivery failures',
    meaning: 'Lambda could not put failed events in the dead-letter queue',
    action: 'Check the queue exists and the function role may send to it (and use its KMS key); replay the window from the archive.',
  },
  [StripeAlarm.DURATION]: {
    title: 'Duration near timeout',
    meaning: 'p99 duration is close to the function timeout, so invocations are about to time out',
    action: 'Raise the timeout or memory, or speed up the handler; timed-out events are retried.',
  },
  [StripeAlarm.FAILED_EVENTS]: {
    title: 'Failed Stripe events',
    meaning: 'the handler threw on a Stripe event (the wrapper\'s EventsFailed)',
    action: 'Query "failures with their errors"; fix and let the retries or a DLQ redrive reprocess them (idempotency prevents doubles).',
  },
  [StripeAlarm.INVALID_EVENTS]: {
    title: 'Invalid events',
    meaning: 'the function received events that are not valid Stripe snapshot events',
    action: 'Query "failures with their errors" for the reason (thin events need payload "snapshot"); they end in the dead-letter queue.',
  },
  [StripeAlarm.RULE_FAILED_INVOCATIONS]: {
    title: 'Rule failed invocations',
    meaning: 'EventBridge gave up invoking the function after its retries',
    action: 'The events are in the dead-letter queue; check the function exists and EventBridge may invoke it, then redrive.',
  },
  [StripeAlarm.RULE_DLQ_FAILURES]: {
    title: 'Rule DLQ failures',
    meaning: 'EventBridge could not put undeliverable events in the dead-letter queue: they are lost from this path',
    action: 'Fix the queue policy or KMS permissions, then replay the window from the archive.',
  },
  [StripeAlarm.RULE_THROTTLED]: {
    title: 'Rule throttled',
    meaning: 'EventBridge throttled the rule',
    action: 'EventBridge retries throttled events; request a higher invocation quota if it persists.',
  },
  [StripeAlarm.DLQ_MESSAGES]: {
    title: 'Dead-letter queue not empty',
    meaning: 'Stripe events could not be processed and wait in the dead-letter queue',
    action: 'Inspect them (each carries its error), fix the cause, then run `stripe-eventbridge redrive`.',
  },
  [StripeAlarm.DLQ_AGE]: {
    title: 'Dead-letter messages ageing',
    meaning: 'the oldest dead-letter message has waited longer than the threshold; it is deleted when the retention ends',
    action: 'Redrive or archive the messages before the queue retention runs out.',
  },
  [StripeAlarm.TABLE_THROTTLES]: {
    title: 'Idempotency table throttled',
    meaning: 'DynamoDB throttled idempotency requests, so invocations failed before running the handler',
    action: 'The events are retried; check table capacity or account limits.',
  },
  [StripeAlarm.TABLE_SYSTEM_ERRORS]: {
    title: 'Idempotency table errors',
    meaning: 'DynamoDB returned internal errors for idempotency requests',
    action: 'The events are retried; check the AWS Health Dashboard for DynamoDB.',
  },
  [StripeAlarm.NO_EVENTS]: {
    title: 'No Stripe events',
    meaning: 'no Stripe event arrived for the whole period',
    action: 'Check the Stripe event destination is enabled and its partner source is associated with the bus (7-day limit).',
  },
};

export interface MonitoringResult {
  readonly alarms: cloudwatch.Alarm[];
  readonly topic?: sns.ITopic;
}

export function createAlarms(
  scope: Construct,
  integration: StripeEventBridgeIntegration,
  handlers: readonly MonitoredHandler[],
  options: StripeAlarmOptions,
): MonitoringResult {
  if (options.enabled === false) return { alarms: [] };
  const disabled = new Set(options.disabledAlarms ?? []);
  const period = options.period ?? Duration.minutes(5);
  const evaluationPeriods = options.evaluationPeriods ?? 1;
  const topic = options.topic ?? createTopic(scope);
  for (const address of options.emailAddresses ?? []) {
    topic.addSubscription(new subscriptions.EmailSubscription(address));
  }
  const alarms: cloudwatch.Alarm[] = [];

  const add = (
    id: string,
    kind: StripeAlarm,
    subject: string,
    metric: cloudwatch.IMetric,
    threshold: number,
    extra: Partial<cloudwatch.AlarmProps> = {},
  ) => {
    if (disabled.has(kind)) return;
    const guide = ALARM_GUIDE[kind];
    const alarm = new cloudwatch.Alarm(scope, id, {
      metric,
      threshold,
      evaluationPeriods,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `Stripe ${subject}: ${guide.meaning}. ${guide.action}`.slice(0, 1024),
      ...extra,
    });
    alarm.addAlarmAction(new actions.SnsAction(topic));
    alarm.addOkAction(new actions.SnsAction(topic));
    alarms.push(alarm);
  };

  for (const h of handlers) {
    const p = { period };
    const subject = `handler ${h.name}`;
    add(`${h.name}LambdaErrors`, StripeAlarm.LAMBDA_ERRORS, subject, h.fn.metricErrors({ ...p, statistic: 'Sum' }), 1);
    add(`${h.name}LambdaThrottles`, StripeAlarm.LAMBDA_THROTTLES, subject, h.fn.metricThrottles({ ...p, statistic: 'Sum' }), 1);
    add(`${h.name}AsyncEventsDropped`, StripeAlarm.ASYNC_EVENTS_DROPPED, subject, h.fn.metric('AsyncEventsDropped', { ...p, statistic: 'Sum' }), 1);
    add(
      `${h.name}DestinationDeliveryFailures`,
      StripeAlarm.DESTINATION_DELIVERY_FAILURES,
      subject,
      h.fn.metric('DestinationDeliveryFailures', { ...p, statistic: 'Sum' }),
      1,
    );
    if (h.timeout) {
      const percent = options.durationThresholdPercent ?? 80;
      add(`${h.name}Duration`, StripeAlarm.DURATION, subject, h.fn.metricDuration({ ...p, statistic: 'p99' }), (h.timeout.toMilliseconds() * percent) / 100, {
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      });
    }
    add(`${h.name}FailedEvents`, StripeAlarm.FAILED_EVENTS, subject, integration.metricEventsFailed(h.name, p), options.failedEventsThreshold ?? 1);
    add(`${h.name}InvalidEvents`, StripeAlarm.INVALID_EVENTS, subject, integration.metricEventsInvalid(h.name, p), 1);
    const rule = `rule of handler ${h.name}`;
    add(`${h.name}RuleFailedInvocations`, StripeAlarm.RULE_FAILED_INVOCATIONS, rule, integration.metricRuleFailedInvocations(h.name, p), 1);
    add(`${h.name}RuleDlqFailures`, StripeAlarm.RULE_DLQ_FAILURES, rule, integration.metricRuleInvocationsFailedToBeSentToDlq(h.name, p), 1);
    add(`${h.name}RuleThrottled`, StripeAlarm.RULE_THROTTLED, rule, integration.metricRuleThrottled(h.name, p), 1);
  }

  add('DeadLetterQueueMessages', StripeAlarm.DLQ_MESSAGES, 'dead-letter queue', integration.metricDeadLetterQueueMessages({ period }), 1);
  const maxAge = options.deadLetterQueueMaxAge ?? Duration.days(1);
  add('DeadLetterQueueAge', StripeAlarm.DLQ_AGE, 'dead-letter queue', integration.metricDeadLetterQueueOldestMessageAge({ period }), maxAge.toSeconds(), {
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
  });
  const table = integration.idempotencyTable;
  add('TableThrottles', StripeAlarm.TABLE_THROTTLES, 'idempotency table', table.metricThrottledRequestsForOperations({ operations: IDEMPOTENCY_OPERATIONS, period }), 1);
  add('TableSystemErrors', StripeAlarm.TABLE_SYSTEM_ERRORS, 'idempotency table', table.metricSystemErrorsForOperations({ operations: IDEMPOTENCY_OPERATIONS, period }), 1);

  const silence = options.noEventsPeriod ?? Duration.hours(24);
  add('NoEvents', StripeAlarm.NO_EVENTS, `integration ${integration.node.path}`, integration.metricEventsReceived({ period: silence }), 1, {
    comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    evaluationPeriods: 1,
    // A source that never delivers sends no data points: that is the failure this alarm exists for.
    treatMissingData: cloudwatch.TreatMissingData.BREACHING,
  });

  return { alarms, topic };
}

/** An SNS topic CloudWatch can publish to: encrypted with a customer key whose policy lets CloudWatch use it, TLS only. */
function createTopic(scope: Construct): sns.ITopic {
  const key = new kms.Key(scope, 'AlarmTopicKey', {
    enableKeyRotation: true,
    description: `Encrypts the Stripe integration alarm topic of ${Stack.of(scope).stackName}`,
  });
  // CloudWatch needs these to publish to an encrypted topic
  // (docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
    }),
  );
  return new sns.Topic(scope, 'AlarmTopic', { masterKey: key, enforceSSL: true, displayName: 'Stripe EventBridge integration alarms' });
}

export function createDashboard(
  scope: Construct,
  integration: StripeEventBridgeIntegration,
  handlers: readonly MonitoredHandler[],
  alarms: readonly cloudwatch.IAlarm[],
  dashboardName: string | undefined,
): cloudwatch.Dashboard {
  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', { dashboardName, defaultInterval: Duration.days(1) });
  const guide = Object.values(ALARM_GUIDE)
    .map((g) => `| ${g.title} | ${g.meaning} | ${g.action} |`)
    .join('\n');
  dashboard.addWidgets(
    new cloudwatch.TextWidget({
      width: 24,
      height: 8,
      markdown: `# Stripe events → EventBridge → Lambda\n\n| alarm | means | what to do |\n|---|---|---|\n${guide}`,
    }),
  );
  if (alarms.length > 0) {
    dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...alarms], width: 24, height: Math.min(12, 2 + Math.ceil(alarms.length / 4)) }));
  }
  const p = { period: Duration.minutes(5) };
  const table = integration.idempotencyTable;
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({ title: 'Stripe events received', left: [integration.metricEventsReceived(p)], width: 6 }),
    new cloudwatch.GraphWidget({
      title: 'Dead-letter queue',
      left: [integration.metricDeadLetterQueueMessages({ ...p, label: 'messages' })],
      right: [integration.metricDeadLetterQueueOldestMessageAge({ ...p, label: 'oldest message age (s)' })],
      width: 6,
    }),
    // Separate widgets: both expressions name their per-operation metrics alike.
    new cloudwatch.GraphWidget({
      title: 'Idempotency table throttled requests',
      left: [table.metricThrottledRequestsForOperations({ operations: IDEMPOTENCY_OPERATIONS, ...p, label: 'throttled' })],
      width: 6,
    }),
    new cloudwatch.GraphWidget({
      title: 'Idempotency table system errors',
      left: [table.metricSystemErrorsForOperations({ operations: IDEMPOTENCY_OPERATIONS, ...p, label: 'system errors' })],
      width: 6,
    }),
  );
  for (const h of handlers) {
    dashboard.addWidgets(new cloudwatch.TextWidget({ width: 24, height: 1, markdown: `### ${h.name}: ${h.eventTypes.join(', ')}` }));
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: `${h.name}: events`,
        left: [
          integration.metricRuleMatchedEvents(h.name, { ...p, label: 'matched' }),
          integration.metricEventsProcessed(h.name, { ...p, label: 'processed' }),
          integration.metricEventsDuplicate(h.name, { ...p, label: 'duplicate' }),
          integration.metricEventsInvalid(h.name, { ...p, label: 'invalid' }),
        ],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: `${h.name}: errors`,
        left: [
          h.fn.metricErrors({ ...p, statistic: 'Sum', label: 'Lambda errors' }),
          integration.metricEventsFailed(h.name, { ...p, label: 'handler failed' }),
          integration.metricRuleFailedInvocations(h.name, { ...p, label: 'rule failed invocations' }),
        ],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: `${h.name}: duration and event age`,
        left: [h.fn.metricDuration({ ...p, statistic: 'p50', label: 'duration p50' }), h.fn.metricDuration({ ...p, statistic: 'p99', label: 'duration p99' })],
        right: [
          integration.metricEventAge(h.name, { ...p, statistic: 'p50', label: 'Stripe-to-handler p50' }),
          integration.metricEventAge(h.name, { ...p, statistic: 'p99', label: 'Stripe-to-handler p99' }),
        ],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: `${h.name}: throttles`,
        left: [
          h.fn.metricThrottles({ ...p, statistic: 'Sum', label: 'Lambda throttles' }),
          integration.metricRuleThrottled(h.name, { ...p, label: 'rule throttled' }),
        ],
        width: 6,
      }),
    );
  }
  return dashboard;
}

/** Saved Logs Insights queries over the handlers' log groups (the wrapper's JSON log lines). */
export function createQueries(scope: Construct, handlers: readonly MonitoredHandler[], prefix: string): logs.QueryDefinition[] {
  const logGroups = handlers.map((h) => h.logGroup).filter((g): g is logs.ILogGroup => g !== undefined);
  if (logGroups.length === 0) return [];
  const define = (id: string, name: string, queryString: logs.QueryString) =>
    new logs.QueryDefinition(scope, id, { queryDefinitionName: `${prefix}/${name}`, logGroups, queryString });
  return [
    define(
      'EventsByTypeAndOutcome',
      'Stripe events by type and outcome',
      new logs.QueryString({ filterStatements: ['ispresent(outcome)'], statsStatements: ['count(*) as events by stripe_event_type, outcome, handler'], sort: 'events desc' }),
    ),
    define(
      'Failures',
      'Stripe event failures with their errors',
      new logs.QueryString({
        fields: ['@timestamp', 'handler', 'outcome', 'stripe_event_id', 'stripe_event_type', 'eventbridge_id', 'reason', 'error_name', 'error_message'],
        filterStatements: ["outcome in ['failed', 'invalid', 'in_progress']"],
        sort: '@timestamp desc',
        limit: 200,
      }),
    ),
    define(
      'OneStripeEvent',
      'Everything logged for one Stripe event (replace the evt_ id)',
      new logs.QueryString({
        fields: ['@timestamp', 'handler', 'outcome', 'stripe_event_type', 'eventbridge_id', 'duration_ms', 'error_message', '@message'],
        filterStatements: ["stripe_event_id = 'evt_REPLACE_WITH_THE_EVENT_ID'"],
        sort: '@timestamp asc',
      }),
    ),
  ];
}
