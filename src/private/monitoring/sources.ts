/**
 * What monitoring reads: metrics and a few facts, never the integration itself. A route (or anything
 * shaped like one) is a MonitoredRoute; the integration hands over its metrics as a MonitoringSources.
 */
import type { Duration } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

type MetricOf = (props?: cloudwatch.MetricOptions) => cloudwatch.IMetric;
/** One metric by name, as a Metrics Insights top 10 (one line each). */
type TopOf = (metricName: string, props?: cloudwatch.MetricOptions) => cloudwatch.IMetric;

/** One handler, as monitoring sees it. */
export interface MonitoredRoute {
  readonly handlerName: string;
  readonly eventTypes: readonly string[];
  readonly function: lambda.IFunction;
  /** The bus the route's rule is on. */
  readonly eventBus: events.IEventBus;
  /** Every bus the route's rules are on (one, or a snapshot and a thin bus). */
  readonly eventBuses: readonly events.IEventBus[];
  readonly timeout?: Duration;
  readonly logGroup?: logs.ILogGroup;
  /** The function's concurrency limit, when it has one (its throttled events wait in Lambda's queue). */
  readonly concurrencyLimit?: number;
  /** How long Lambda keeps the route's events for retries. */
  readonly lambdaMaxEventAge: Duration;
  /** Whether the wrapper emits the route's metrics per handler (metricEvents*() have data). */
  readonly handlerMetrics: boolean;
  readonly metricEventsProcessed: MetricOf;
  readonly metricEventsDuplicate: MetricOf;
  readonly metricEventsFailed: MetricOf;
  readonly metricEventsInvalid: MetricOf;
  readonly metricEventAge: MetricOf;
  readonly metricRuleMatchedEvents: MetricOf;
  readonly metricRuleFailedInvocations: MetricOf;
  readonly metricRuleInvocationsFailedToBeSentToDlq: MetricOf;
  readonly metricRuleThrottled: MetricOf;
}

/** The whole integration, as monitoring sees it. */
export interface MonitoringSources {
  /** Named in the no-events alarm, e.g. `Payments/Stripe`. */
  readonly name: string;
  readonly routes: readonly MonitoredRoute[];
  readonly idempotencyTable: dynamodb.ITable;
  /** The prefix of the saved Logs Insights queries' names, e.g. `Payments/Stripe`. */
  readonly queryPrefix: string;
  /** Where a route's own alarms go: beside the route (in its nested stack) or with the integration's. */
  readonly handlerAlarmScope: (route: MonitoredRoute, integrationScope: Construct) => Construct;
  readonly metricEventsReceived: MetricOf;
  /** The wrapper's metrics for all handlers at once (dimension `integration`). */
  readonly metricEventsProcessed: MetricOf;
  readonly metricEventsFailed: MetricOf;
  readonly metricEventsInvalid: MetricOf;
  readonly metricEventAge: MetricOf;
  readonly metricDeadLetterQueueMessages: MetricOf;
  readonly metricDeadLetterQueueOldestMessageAge: MetricOf;
  /** Every rule of the integration, whichever bus it is on (Metrics Insights queries). */
  readonly metricRulesFailedInvocations: MetricOf;
  readonly metricRulesInvocationsFailedToBeSentToDlq: MetricOf;
  readonly metricRulesThrottled: MetricOf;
  /** Every function of the account and Region (a Metrics Insights query). */
  readonly metricDestinationDeliveryFailures: MetricOf;
  /** The dashboard's top 10s: rules of the integration (AWS/Events), functions of the account (AWS/Lambda), handlers (the wrapper's, with handlerMetrics). */
  readonly topRules: TopOf;
  readonly topFunctions: TopOf;
  readonly topHandlers: TopOf;
  /** Lambda's retries before the dead-letter queue, as configured: the alarm guide states them. */
  readonly lambdaRetryAttempts: number;
  readonly lambdaMaxEventAge: Duration;
}
