/**
 * The defaults that several parts read, and the service ranges they sit in, in one place: the route options
 * (StripeRouteOptions), the retry ranges, the integration's created resources. Validation
 * (private/route/options.ts), wiring (private/route/wiring.ts), the record lifetime
 * (private/route/record-lifetime.ts), the integration's resources and monitoring, the reconciliation and the
 * destination read them here, and test/private/defaults.test.ts checks that each `@default` of the API and the
 * defaults table of docs/configuration.md state the same values. A default only one part reads stays beside it
 * (a handler function's memory and timeout in stripe-event-handler.ts, the alarms' thresholds in monitoring/alarms.ts).
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { DEFAULT_METRICS_NAMESPACE } from '../contract/metrics';

/** A range AWS allows, both ends included. */
export interface Range<T> {
  readonly min: T;
  readonly max: T;
}

/**
 * The retry ranges of a route: EventBridge's retry policy of a rule target (0 to 185 retries, 1 minute to
 * 24 hours; AWS::Events::Rule RetryPolicy) and Lambda's asynchronous invocation (0 to 2 retries, 1 minute to
 * 6 hours; AWS::Lambda::EventInvokeConfig).
 */
export const RETRY_LIMITS: {
  readonly retryAttempts: Range<number>;
  readonly maxEventAge: Range<Duration>;
  readonly lambdaRetryAttempts: Range<number>;
  readonly lambdaMaxEventAge: Range<Duration>;
} = {
  retryAttempts: { min: 0, max: 185 },
  maxEventAge: { min: Duration.minutes(1), max: Duration.hours(24) },
  lambdaRetryAttempts: { min: 0, max: 2 },
  lambdaMaxEventAge: { min: Duration.minutes(1), max: Duration.hours(6) },
};

/** The defaults of StripeRouteOptions (src/route-options.ts), shared by StripeEventRoute and StripeEventBridgeIntegration. */
export const ROUTE_DEFAULTS = {
  /** Every retry AWS allows: an event is given up only after the longest wait the services offer. */
  retryAttempts: RETRY_LIMITS.retryAttempts.max,
  maxEventAge: RETRY_LIMITS.maxEventAge.max,
  lambdaRetryAttempts: RETRY_LIMITS.lambdaRetryAttempts.max,
  lambdaMaxEventAge: RETRY_LIMITS.lambdaMaxEventAge.max,
  allowUnknownEventTypes: false,
  handlerMetrics: false,
  /** Of every log group the library creates for a function (handlers, reconciliation, destination provider). */
  logRetention: logs.RetentionDays.THREE_MONTHS,
  /** Shared with the wrapper, which reads the same constant (src/contract/metrics.ts). */
  metricsNamespace: DEFAULT_METRICS_NAMESPACE,
} as const;

/** The defaults of the resources a StripeEventBridgeIntegration creates unless given its own. */
export const INTEGRATION_DEFAULTS = {
  /** SQS's maximum: failed events wait as long as a queue can keep them. */
  deadLetterQueueRetention: Duration.days(14),
  archiveRetention: Duration.days(30),
  /** Of the created table, dead-letter queue, archive and bus: what they hold outlives the stack. */
  removalPolicy: RemovalPolicy.RETAIN,
} as const;
