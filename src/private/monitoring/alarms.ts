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
 * - The wrapper's EMF metrics (src/contract/metrics.ts).
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { alarmGuide } from './alarm-guide';
import { MonitoringSources } from './sources';
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
  const topic = options.topic ?? createTopic(scope);
  for (const address of options.emailAddresses ?? []) {
    topic.addSubscription(new subscriptions.EmailSubscription(address));
  }
  const alarms: cloudwatch.Alarm[] = [];
  const guides = alarmGuide(sources);

  const add = (
    id: string,
    kind: StripeAlarm,
    subject: string,
    metric: cloudwatch.IMetric,
    threshold: number,
    extra: Partial<cloudwatch.AlarmProps> = {},
  ) => {
    if (disabled.has(kind)) return;
    const guide = guides[kind];
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

  for (const h of sources.routes) {
    const p = { period };
    const subject = `handler ${h.handlerName}`;
    add(`${h.handlerName}LambdaErrors`, StripeAlarm.LAMBDA_ERRORS, subject, h.function.metricErrors({ ...p, statistic: 'Sum' }), 1);
    add(`${h.handlerName}LambdaThrottles`, StripeAlarm.LAMBDA_THROTTLES, subject, h.function.metricThrottles({ ...p, statistic: 'Sum' }), 1);
    add(`${h.handlerName}AsyncEventsDropped`, StripeAlarm.ASYNC_EVENTS_DROPPED, subject, h.function.metric('AsyncEventsDropped', { ...p, statistic: 'Sum' }), 1);
    add(
      `${h.handlerName}DestinationDeliveryFailures`,
      StripeAlarm.DESTINATION_DELIVERY_FAILURES,
      subject,
      h.function.metric('DestinationDeliveryFailures', { ...p, statistic: 'Sum' }),
      1,
    );
    if (h.timeout) {
      const percent = options.durationThresholdPercent ?? 80;
      add(`${h.handlerName}Duration`, StripeAlarm.DURATION, subject, h.function.metricDuration({ ...p, statistic: 'p99' }), (h.timeout.toMilliseconds() * percent) / 100, {
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      });
    }
    add(`${h.handlerName}FailedEvents`, StripeAlarm.FAILED_EVENTS, subject, h.metricEventsFailed(p), options.failedEventsThreshold ?? 1);
    add(`${h.handlerName}InvalidEvents`, StripeAlarm.INVALID_EVENTS, subject, h.metricEventsInvalid(p), 1);
    const rule = `rule of handler ${h.handlerName}`;
    add(`${h.handlerName}RuleFailedInvocations`, StripeAlarm.RULE_FAILED_INVOCATIONS, rule, h.metricRuleFailedInvocations(p), 1);
    add(`${h.handlerName}RuleDlqFailures`, StripeAlarm.RULE_DLQ_FAILURES, rule, h.metricRuleInvocationsFailedToBeSentToDlq(p), 1);
    add(`${h.handlerName}RuleThrottled`, StripeAlarm.RULE_THROTTLED, rule, h.metricRuleThrottled(p), 1);
  }

  add('DeadLetterQueueMessages', StripeAlarm.DLQ_MESSAGES, 'dead-letter queue', sources.metricDeadLetterQueueMessages({ period }), 1);
  const maxAge = options.deadLetterQueueMaxAge ?? Duration.days(1);
  add('DeadLetterQueueAge', StripeAlarm.DLQ_AGE, 'dead-letter queue', sources.metricDeadLetterQueueOldestMessageAge({ period }), maxAge.toSeconds(), {
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
  });
  const table = sources.idempotencyTable;
  add('TableThrottles', StripeAlarm.TABLE_THROTTLES, 'idempotency table', table.metricThrottledRequestsForOperations({ operations: IDEMPOTENCY_OPERATIONS, period }), 1);
  add('TableSystemErrors', StripeAlarm.TABLE_SYSTEM_ERRORS, 'idempotency table', table.metricSystemErrorsForOperations({ operations: IDEMPOTENCY_OPERATIONS, period }), 1);

  const silence = options.noEventsPeriod ?? Duration.hours(24);
  add('NoEvents', StripeAlarm.NO_EVENTS, `integration ${sources.name}`, sources.metricEventsReceived({ period: silence }), 1, {
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
