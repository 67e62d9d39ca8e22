import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';

/** The alarms the integration can create; list some in `disabledAlarms` to leave them out. */
export enum StripeAlarm {
  /** Per handler, with `handlerAlarms`: the function reported errors (AWS/Lambda Errors). */
  LAMBDA_ERRORS = 'LAMBDA_ERRORS',
  /** Per handler, with `handlerAlarms`: invocations were throttled (AWS/Lambda Throttles). */
  LAMBDA_THROTTLES = 'LAMBDA_THROTTLES',
  /** Per handler, with `handlerAlarms`: asynchronous events were dropped (AWS/Lambda AsyncEventsDropped; they go to the dead-letter queue first). */
  ASYNC_EVENTS_DROPPED = 'ASYNC_EVENTS_DROPPED',
  /**
   * Lambda could not deliver a failed event to its on-failure destination, the dead-letter queue (AWS/Lambda
   * DestinationDeliveryFailures): one alarm over every function of the account and Region (a Metrics Insights
   * query; a function's metrics carry only its generated name); per handler too with `handlerAlarms`.
   */
  DESTINATION_DELIVERY_FAILURES = 'DESTINATION_DELIVERY_FAILURES',
  /** Per handler, with `handlerAlarms`: p99 duration above the threshold share of the timeout (AWS/Lambda Duration). */
  DURATION = 'DURATION',
  /** A handler failed on a Stripe event (the wrapper's EventsFailed, all handlers; per handler too with `handlerAlarms`). */
  FAILED_EVENTS = 'FAILED_EVENTS',
  /** Events that are not valid Stripe events arrived (the wrapper's EventsInvalid, all handlers; per handler too with `handlerAlarms`). */
  INVALID_EVENTS = 'INVALID_EVENTS',
  /** EventBridge gave up invoking a function (AWS/Events FailedInvocations): one alarm over every rule of the integration (a Metrics Insights query); per rule too with `handlerAlarms`. */
  RULE_FAILED_INVOCATIONS = 'RULE_FAILED_INVOCATIONS',
  /** EventBridge could not put an undeliverable event in the dead-letter queue (AWS/Events InvocationsFailedToBeSentToDlq): one alarm over every rule of the integration; per rule too with `handlerAlarms`. */
  RULE_DLQ_FAILURES = 'RULE_DLQ_FAILURES',
  /** A rule was throttled (AWS/Events ThrottledRules): one alarm over every rule of the integration; per rule too with `handlerAlarms`. */
  RULE_THROTTLED = 'RULE_THROTTLED',
  /** The dead-letter queue holds messages (AWS/SQS ApproximateNumberOfMessagesVisible). */
  DLQ_MESSAGES = 'DLQ_MESSAGES',
  /** The oldest dead-letter message is older than the threshold (AWS/SQS ApproximateAgeOfOldestMessage). */
  DLQ_AGE = 'DLQ_AGE',
  /** Idempotency table requests were throttled (AWS/DynamoDB ThrottledRequests). */
  TABLE_THROTTLES = 'TABLE_THROTTLES',
  /** DynamoDB returned internal errors on the idempotency table (AWS/DynamoDB SystemErrors). */
  TABLE_SYSTEM_ERRORS = 'TABLE_SYSTEM_ERRORS',
  /** No Stripe event arrived for `noEventsPeriod`: a disabled destination or an unassociated partner source. */
  NO_EVENTS = 'NO_EVENTS',
  /**
   * For handlers with a concurrency limit (reserved concurrency): throttled events have waited in Lambda's queue
   * for half of `lambdaMaxEventAge` (AWS/Lambda AsyncEventAge); at `lambdaMaxEventAge` they go to the dead-letter queue.
   */
  THROTTLED_EVENTS = 'THROTTLED_EVENTS',
}

/**
 * Alarm settings. Every alarm notifies the same SNS topic.
 *
 * By default an integration has a fixed set of alarms whatever its number of handlers: failed and invalid
 * events (the wrapper's metrics for all handlers at once), the dead-letter queue, the idempotency table, no
 * events, waiting throttled events for handlers with a concurrency limit, and, each one Metrics Insights query,
 * the rules' failed invocations, dead-letter failures and throttling and the functions' destination delivery
 * failures.
 */
export interface StripeAlarmOptions {
  /**
   * Create alarms at all.
   *
   * @default true
   */
  readonly enabled?: boolean;

  /**
   * The topic alarms notify (on ALARM and on OK).
   *
   * @default - a topic is created, encrypted with a KMS key CloudWatch may use, TLS-only
   */
  readonly topic?: sns.ITopic;

  /**
   * Email addresses to subscribe to the topic. Each address must confirm the subscription. When nothing in the
   * app subscribes to the topic (these addresses, a subscription to `alarmTopic`, an AWS Chatbot channel),
   * `cdk synth` warns (`@babes/stripe-eventbridge:alarmsWithoutDestination`).
   *
   * @default - none
   */
  readonly emailAddresses?: string[];

  /**
   * Period of every alarm except the no-events alarm. Whole minutes, and `period × evaluationPeriods` at most 3
   * hours while a Metrics Insights alarm (rules, destination delivery) is on: those evaluate the last 3 hours only.
   *
   * @default Duration.minutes(5)
   */
  readonly period?: Duration;

  /**
   * Periods that must breach before an alarm fires.
   *
   * @default 1
   */
  readonly evaluationPeriods?: number;

  /**
   * How long without any Stripe event before the no-events alarm fires. Missing data counts as breaching,
   * so a source that never delivered alarms too. At most 24 hours.
   *
   * @default Duration.hours(24)
   */
  readonly noEventsPeriod?: Duration;

  /**
   * The duration alarm fires when p99 duration exceeds this share of the function's timeout, in percent.
   *
   * @default 80
   */
  readonly durationThresholdPercent?: number;

  /**
   * The dead-letter age alarm fires when the oldest message is older than this. Messages are lost after the
   * queue's retention (14 days for the queue the integration creates).
   *
   * @default Duration.days(1)
   */
  readonly deadLetterQueueMaxAge?: Duration;

  /**
   * Failed events per period (the wrapper's EventsFailed) that fire the failed-events alarm.
   *
   * @default 1
   */
  readonly failedEventsThreshold?: number;

  /**
   * Alarms to leave out.
   *
   * @default - none: every alarm is created
   */
  readonly disabledAlarms?: StripeAlarm[];

  /**
   * Also create ten alarms per handler, on its own AWS/Lambda, AWS/Events and wrapper metrics (errors,
   * throttles, dropped events, destination delivery failures, duration, failed and invalid events, rule
   * failures and throttling). They name the handler in the alarm itself, and the function's metrics are its own
   * (the integration's destination delivery alarm watches every function of the account); each costs an alarm
   * metric a month.
   * Turns `handlerMetrics` on unless it is set.
   *
   * @default false
   */
  readonly handlerAlarms?: boolean;

  /**
   * Encrypt the topic the integration creates with a customer managed KMS key (rotated yearly) that CloudWatch
   * may use. Alarm notifications carry alarm names, states and metric dimensions (function, queue and table
   * names), never Stripe data. The key costs $1 a month, plus $1 a month for each rotated key version.
   *
   * @default false: the created topic is TLS-only, not encrypted with a customer key
   */
  readonly encryptTopic?: boolean;
}

/**
 * Dashboard settings.
 */
export interface StripeDashboardOptions {
  /**
   * Create the dashboard: the alarms, the integration's graphs, where events fail (top 10 rules, functions and,
   * with `handlerMetrics`, handlers) and a graph per handler for up to 5 handlers. $3.00 a month, free as one of
   * the account's first 3 dashboards of up to 50 metrics (CloudWatch's free tier): with `handlerMetrics` off it
   * holds at most 50, whatever the number of handlers.
   *
   * @default true
   */
  readonly enabled?: boolean;

  /**
   * The dashboard's name.
   *
   * @default - generated by CloudFormation
   */
  readonly dashboardName?: string;
}

/**
 * Archive settings: an EventBridge archive of the Stripe events on the bus, for replays after a bug fix
 * (Stripe cannot resend events to EventBridge).
 */
export interface StripeArchiveOptions {
  /**
   * Create the archive.
   *
   * @default true
   */
  readonly enabled?: boolean;

  /**
   * How long archived events are kept. `Duration.days(0)` keeps them indefinitely.
   *
   * @default Duration.days(30)
   */
  readonly retention?: Duration;

  /**
   * What happens to the archive when it leaves the stack (the stack is deleted, or the archive is turned
   * off). It is the only copy of Stripe's events to replay from: Stripe cannot send them to EventBridge again.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}
