/**
 * The integration's alarms, all notifying one SNS topic. Every metric's namespace, name and dimensions
 * follow AWS's documentation:
 * - AWS/Lambda Errors, Throttles, Duration, AsyncEventsDropped, DestinationDeliveryFailures, dimension
 *   FunctionName (docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html).
 * - AWS/Events rule metrics and partner-source Events (see ../metric-factory.ts).
 * - AWS/SQS ApproximateNumberOfMessagesVisible, ApproximateAgeOfOldestMessage, dimension QueueName
 *   (docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html).
 * - AWS/DynamoDB ThrottledRequests and SystemErrors, dimensions TableName and Operation, summed over the
 *   operations the idempotency layer uses (docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html).
 * - AWS/Lambda AsyncEventAge (the time an event waited in the asynchronous queue, retries and throttling included).
 * - The wrapper's EMF metrics (src/contract/metrics.ts), dimension `integration` for every handler at once.
 * - AWS/Events FailedInvocations, InvocationsFailedToBeSentToDlq, ThrottledRules over every rule of the
 *   integration, and AWS/Lambda DestinationDeliveryFailures over every function of the account and Region: Metrics
 *   Insights queries (why, and why they select what they select: ../metric-factory.ts, METRICS INSIGHTS).
 *
 * By default the set is fixed per integration (it does not grow with handlers); `handlerAlarms` adds ten per handler.
 */
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { alarmGuide } from './alarm-guide';
import { MonitoredRoute, MonitoringSources } from './sources';
import { StripeAlarm, StripeAlarmOptions } from '../../monitoring-options';

/** The DynamoDB operations Powertools idempotency performs. */
export const IDEMPOTENCY_OPERATIONS = [
  dynamodb.Operation.GET_ITEM,
  dynamodb.Operation.PUT_ITEM,
  dynamodb.Operation.UPDATE_ITEM,
  dynamodb.Operation.DELETE_ITEM,
];

export interface MonitoringResult {
  readonly alarms: cloudwatch.Alarm[];
  readonly topic?: sns.ITopic;
}

export function createAlarms(scope: Construct, sources: MonitoringSources, options: StripeAlarmOptions): MonitoringResult {
  if (options.enabled === false) return { alarms: [] };
  const disabled = new Set(options.disabledAlarms ?? []);
  const period = options.period ?? Duration.minutes(5);
  const evaluationPeriods = options.evaluationPeriods ?? 1;
  const topic = options.topic ?? createTopic(scope, options.encryptTopic ?? false);
  for (const address of options.emailAddresses ?? []) {
    topic.addSubscription(new subscriptions.EmailSubscription(address));
  }
  const alarms: cloudwatch.Alarm[] = [];
  const guides = alarmGuide(sources);
  const failures = `"${sources.queryPrefix}/Stripe event failures with their errors"`;

  const add = (
    alarmScope: Construct,
    id: string,
    kind: StripeAlarm,
    subject: string,
    metric: cloudwatch.IMetric,
    threshold: number,
    extra: Partial<cloudwatch.AlarmProps> & { readonly which?: string } = {},
  ) => {
    if (disabled.has(kind)) return;
    const { which, ...alarmProps } = extra;
    const guide = guides[kind];
    const alarm = new cloudwatch.Alarm(alarmScope, id, {
      metric,
      threshold,
      evaluationPeriods,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `Stripe ${subject}: ${guide.meaning}. ${which ? `${which} ` : ''}${guide.action}`.slice(0, 1024),
      ...alarmProps,
    });
    alarm.addAlarmAction(new actions.SnsAction(topic));
    alarm.addOkAction(new actions.SnsAction(topic));
    alarms.push(alarm);
  };

  // A fixed set per integration, whatever the number of handlers: each reads one metric for all of them.
  const all = `integration ${sources.name}`;
  const whichInLogs = `Which handler: the saved Logs Insights query ${failures} (column handler).`;
  add(scope, 'FailedEvents', StripeAlarm.FAILED_EVENTS, all, sources.metricEventsFailed({ period }), options.failedEventsThreshold ?? 1, { which: whichInLogs });
  add(scope, 'InvalidEvents', StripeAlarm.INVALID_EVENTS, all, sources.metricEventsInvalid({ period }), 1, { which: whichInLogs });

  add(scope, 'DeadLetterQueueMessages', StripeAlarm.DLQ_MESSAGES, 'dead-letter queue', sources.metricDeadLetterQueueMessages({ period }), 1, {
    which: 'Which handler: `stripe-eventbridge redrive --dry-run` lists each message with its function or rule and error.',
  });
  const maxAge = options.deadLetterQueueMaxAge ?? Duration.days(1);
  add(scope, 'DeadLetterQueueAge', StripeAlarm.DLQ_AGE, 'dead-letter queue', sources.metricDeadLetterQueueOldestMessageAge({ period }), maxAge.toSeconds(), {
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
  });
  const table = sources.idempotencyTable;
  add(scope, 'TableThrottles', StripeAlarm.TABLE_THROTTLES, 'idempotency table', table.metricThrottledRequestsForOperations({ operations: IDEMPOTENCY_OPERATIONS, period }), 1);
  add(scope, 'TableSystemErrors', StripeAlarm.TABLE_SYSTEM_ERRORS, 'idempotency table', table.metricSystemErrorsForOperations({ operations: IDEMPOTENCY_OPERATIONS, period }), 1);

  // Where an event is lost without a trace but the archive: each one alarm over every rule (or function), by a query.
  const rules = `integration ${sources.name}, every rule`;
  const whichRule = 'Which rule: the dashboard\'s "Rules by" widgets, or each route\'s metricRule*() metrics.';
  add(scope, 'RuleDlqFailures', StripeAlarm.RULE_DLQ_FAILURES, rules, sources.metricRulesInvocationsFailedToBeSentToDlq({ period }), 1, { which: whichRule });
  add(scope, 'RuleFailedInvocations', StripeAlarm.RULE_FAILED_INVOCATIONS, rules, sources.metricRulesFailedInvocations({ period }), 1, { which: whichRule });
  add(scope, 'RuleThrottled', StripeAlarm.RULE_THROTTLED, rules, sources.metricRulesThrottled({ period }), 1, { which: whichRule });
  add(
    scope,
    'DestinationDeliveryFailures',
    StripeAlarm.DESTINATION_DELIVERY_FAILURES,
    `integration ${sources.name}, every function of the account and Region`,
    sources.metricDestinationDeliveryFailures({ period }),
    1,
    { which: 'Which function: the dashboard\'s "Functions by destination delivery failures" widget (it may be another app\'s).' },
  );

  const silence = options.noEventsPeriod ?? Duration.hours(24);
  add(scope, 'NoEvents', StripeAlarm.NO_EVENTS, all, sources.metricEventsReceived({ period: silence }), 1, {
    comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    evaluationPeriods: 1,
    // A source that never delivers sends no data points: that is the failure this alarm exists for.
    treatMissingData: cloudwatch.TreatMissingData.BREACHING,
  });

  const above = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD;
  addThrottledEventAlarms(sources.routes, period, (id, subject, metric, threshold, which) =>
    add(scope, id, StripeAlarm.THROTTLED_EVENTS, subject, metric, threshold, { which, comparisonOperator: above }),
  );

  if (options.handlerAlarms) {
    for (const h of sources.routes) {
      addHandlerAlarms(sources.handlerAlarmScope(h, scope), h, period, options, (alarmScope, id, kind, subject, metric, threshold, extra) =>
        add(alarmScope, id, kind, subject, metric, threshold, extra),
      );
    }
  }
  return { alarms, topic };
}

type AddAlarm = (
  scope: Construct,
  id: string,
  kind: StripeAlarm,
  subject: string,
  metric: cloudwatch.IMetric,
  threshold: number,
  extra?: Partial<cloudwatch.AlarmProps>,
) => void;

/**
 * Handlers with a concurrency limit: the oldest event waiting in Lambda's queue (AWS/Lambda AsyncEventAge,
 * maximum), against half of the time Lambda keeps it before the dead-letter queue. Up to 10 handlers per alarm,
 * as an alarm may read at most 10 metrics (docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-limits.html).
 */
function addThrottledEventAlarms(
  routes: readonly MonitoredRoute[],
  period: Duration,
  add: (id: string, subject: string, metric: cloudwatch.IMetric, threshold: number, which: string) => void,
): void {
  const limited = routes.filter((r) => r.concurrencyLimit !== undefined);
  const byWindow = new Map<number, MonitoredRoute[]>();
  for (const r of limited) {
    const windowMs = r.lambdaMaxEventAge.toMilliseconds();
    byWindow.set(windowMs, [...(byWindow.get(windowMs) ?? []), r]);
  }
  let n = 0;
  for (const [windowMs, group] of byWindow) {
    for (let i = 0; i < group.length; i += 10) {
      const chunk = group.slice(i, i + 10);
      const age = (r: MonitoredRoute) => r.function.metric('AsyncEventAge', { period, statistic: 'Maximum' });
      const metric =
        chunk.length === 1
          ? age(chunk[0])
          : new cloudwatch.MathExpression({
            expression: `MAX([${chunk.map((_, j) => `m${j}`).join(', ')}])`,
            usingMetrics: Object.fromEntries(chunk.map((r, j) => [`m${j}`, age(r)])),
            period,
            label: 'oldest throttled event (ms)',
          });
      const names = chunk.map((r) => `${r.handlerName} (limit ${r.concurrencyLimit})`).join(', ');
      n += 1;
      add(n === 1 ? 'ThrottledEvents' : `ThrottledEvents${n}`, `handlers with a concurrency limit: ${names}`, metric, windowMs / 2, `Handlers watched: ${names}.`);
    }
  }
}

/** The ten alarms of one handler (opt-in): its own AWS/Lambda, AWS/Events and wrapper metrics. */
function addHandlerAlarms(scope: Construct, h: MonitoredRoute, period: Duration, options: StripeAlarmOptions, add: AddAlarm): void {
  const p = { period };
  const subject = `handler ${h.handlerName}`;
  add(scope, `${h.handlerName}LambdaErrors`, StripeAlarm.LAMBDA_ERRORS, subject, h.function.metricErrors({ ...p, statistic: 'Sum' }), 1);
  add(scope, `${h.handlerName}LambdaThrottles`, StripeAlarm.LAMBDA_THROTTLES, subject, h.function.metricThrottles({ ...p, statistic: 'Sum' }), 1);
  add(scope, `${h.handlerName}AsyncEventsDropped`, StripeAlarm.ASYNC_EVENTS_DROPPED, subject, h.function.metric('AsyncEventsDropped', { ...p, statistic: 'Sum' }), 1);
  add(
    scope,
    `${h.handlerName}DestinationDeliveryFailures`,
    StripeAlarm.DESTINATION_DELIVERY_FAILURES,
    subject,
    h.function.metric('DestinationDeliveryFailures', { ...p, statistic: 'Sum' }),
    1,
  );
  if (h.timeout) {
    const percent = options.durationThresholdPercent ?? 80;
    add(scope, `${h.handlerName}Duration`, StripeAlarm.DURATION, subject, h.function.metricDuration({ ...p, statistic: 'p99' }), (h.timeout.toMilliseconds() * percent) / 100, {
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
  }
  if (h.handlerMetrics) {
    add(scope, `${h.handlerName}FailedEvents`, StripeAlarm.FAILED_EVENTS, subject, h.metricEventsFailed(p), options.failedEventsThreshold ?? 1);
    add(scope, `${h.handlerName}InvalidEvents`, StripeAlarm.INVALID_EVENTS, subject, h.metricEventsInvalid(p), 1);
  }
  const rule = `rule of handler ${h.handlerName}`;
  add(scope, `${h.handlerName}RuleFailedInvocations`, StripeAlarm.RULE_FAILED_INVOCATIONS, rule, h.metricRuleFailedInvocations(p), 1);
  add(scope, `${h.handlerName}RuleDlqFailures`, StripeAlarm.RULE_DLQ_FAILURES, rule, h.metricRuleInvocationsFailedToBeSentToDlq(p), 1);
  add(scope, `${h.handlerName}RuleThrottled`, StripeAlarm.RULE_THROTTLED, rule, h.metricRuleThrottled(p), 1);
}

/**
 * An SNS topic CloudWatch can publish to, TLS only; with `encrypted`, encrypted with a customer key whose policy
 * lets CloudWatch use it (the AWS managed key of SNS cannot be used by CloudWatch alarms).
 */
function createTopic(scope: Construct, encrypted: boolean): sns.ITopic {
  if (!encrypted) {
    // Alarm notifications carry alarm names, states and metric dimensions, never Stripe data.
    return new sns.Topic(scope, 'AlarmTopic', { enforceSSL: true, displayName: 'Stripe EventBridge integration alarms' });
  }
  const key = new kms.Key(scope, 'AlarmTopicKey', {
    enableKeyRotation: true,
    description: `Encrypts the Stripe integration alarm topic of ${Stack.of(scope).stackName}`,
  });
  // CloudWatch needs these to publish to an encrypted topic
  // (docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services), and only
  // for this account's alarms in this region: CloudWatch alarms send aws:SourceAccount and aws:SourceArn
  // (the alarm's ARN) with the request, which keeps another account's alarms (a confused deputy) out.
  const stack = Stack.of(scope);
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
      },
    }),
  );
  return new sns.Topic(scope, 'AlarmTopic', { masterKey: key, enforceSSL: true, displayName: 'Stripe EventBridge integration alarms' });
}
