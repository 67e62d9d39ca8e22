import { Duration } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';

/**
 * How a route delivers Stripe events to its handler: the options a StripeEventRoute takes, and that a
 * StripeEventBridgeIntegration applies to every route it creates. Out-of-range retries fail `cdk synth`.
 */
export interface StripeRouteOptions {
  /**
   * Accept event types that the `stripe` package this library was built with does not know (types Stripe
   * added since). Keys must still be well-formed.
   *
   * @default false
   */
  readonly allowUnknownEventTypes?: boolean;

  /**
   * An EventBridge content filter on `detail` (the Stripe event), added to each route's rule, e.g.
   * `{ account: [{ exists: false }] }` to skip Connect events.
   *
   * @default - no filter
   */
  readonly detailFilter?: { [key: string]: any };

  /**
   * How many times EventBridge retries delivering an event to a function (0 to 185).
   *
   * @default 185 (EventBridge's maximum)
   */
  readonly retryAttempts?: number;

  /**
   * How long EventBridge keeps retrying an undelivered event (1 minute to 24 hours).
   *
   * @default Duration.hours(24) (EventBridge's maximum)
   */
  readonly maxEventAge?: Duration;

  /**
   * How many times Lambda retries a failed invocation (0 to 2) before the event goes to the dead-letter queue.
   *
   * @default 2 (Lambda's maximum)
   */
  readonly lambdaRetryAttempts?: number;

  /**
   * How long Lambda keeps an event for retries, throttled events included (1 minute to 6 hours).
   *
   * @default Duration.hours(6) (Lambda's maximum)
   */
  readonly lambdaMaxEventAge?: Duration;

  /**
   * Retention of the log groups created for functions built from code (and for an integration's
   * reconciliation function).
   *
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * CloudWatch namespace of the wrapper's metrics.
   *
   * @default 'StripeEventBridge'
   */
  readonly metricsNamespace?: string;

  /**
   * Also emit the wrapper's metrics per handler (dimensions `integration` and `service`), read by the
   * routes' `metricEvents*()`. Each is a custom metric of its own ($0.30 a metric-month for every hour
   * with data).
   *
   * @default false (a StripeEventBridgeIntegration turns it on when `alarms.handlerAlarms` is set)
   */
  readonly handlerMetrics?: boolean;

  /**
   * The Secrets Manager secret whose plain-text value is the Stripe API key the handlers use through
   * `context.stripe` (a restricted key, `rk_live_…` or `rk_test_…`, with read access to what they fetch). Each
   * function gets the secret's ARN (its name, when imported by name) in `STRIPE_EB_STRIPE_API_KEY_SECRET_ID` and
   * may read this secret only (`secret.grantRead`, its KMS key included); the key never appears in the template.
   * A handler's own `stripeApiKeySecret` takes precedence.
   *
   * Handlers of thin events fetch the event and its object with it; without it, `cdk synth` warns for each route
   * that receives thin events.
   *
   * @default - none: `context.stripe` is unavailable
   */
  readonly stripeApiKeySecret?: secretsmanager.ISecret;
}
