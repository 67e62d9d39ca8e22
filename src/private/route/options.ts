/**
 * StripeRouteOptions read once: their retry ranges checked, their defaults (private/defaults.ts) filled in.
 * The integration resolves its props with it and hands the result to each route; a standalone route
 * resolves its own. Messages name the prop, the value and the allowed range.
 */
import { Duration, Token } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { IConstruct } from 'constructs';
import type { StripeRouteOptions } from '../../route-options';
import { Range, RETRY_LIMITS, ROUTE_DEFAULTS } from '../defaults';
import { invalid } from '../errors';
import { human } from './record-lifetime';

/** StripeRouteOptions with every default applied. */
export interface ResolvedRouteOptions {
  readonly allowUnknownEventTypes: boolean;
  readonly detailFilter?: { [key: string]: any };
  readonly retryAttempts: number;
  /** As given (possibly a token), or the default. */
  readonly maxEventAge: Duration;
  readonly lambdaRetryAttempts: number;
  readonly lambdaMaxEventAge: Duration;
  readonly logRetention: logs.RetentionDays;
  readonly metricsNamespace: string;
  readonly handlerMetrics: boolean;
  readonly stripeApiKeySecret?: secretsmanager.ISecret;
}

/** Outside the range or not a whole number (tokens are left to CloudFormation). */
function outside(n: number | undefined, range: Range<number>): boolean {
  return n !== undefined && !Token.isUnresolved(n) && (n < range.min || n > range.max || !Number.isInteger(n));
}

function outsideDuration(d: Duration | undefined, range: Range<Duration>): boolean {
  return d !== undefined && !d.isUnresolved() && (d.toSeconds() < range.min.toSeconds() || d.toSeconds() > range.max.toSeconds());
}

const span = (range: Range<Duration>) => `${human(range.min.toSeconds())} to ${human(range.max.toSeconds())}`;

/** EventBridge's and Lambda's retry ranges. */
function validateRetries(scope: IConstruct, options: StripeRouteOptions): void {
  const { retryAttempts, lambdaRetryAttempts, maxEventAge, lambdaMaxEventAge } = options;
  const limits = RETRY_LIMITS;
  if (outside(retryAttempts, limits.retryAttempts)) {
    invalid(scope, `retryAttempts: ${retryAttempts} is outside EventBridge's range of ${limits.retryAttempts.min} to ${limits.retryAttempts.max} retries.`);
  }
  if (outside(lambdaRetryAttempts, limits.lambdaRetryAttempts)) {
    invalid(scope, `lambdaRetryAttempts: ${lambdaRetryAttempts} is outside Lambda's range of ${limits.lambdaRetryAttempts.min} to ${limits.lambdaRetryAttempts.max} retries.`);
  }
  if (outsideDuration(maxEventAge, limits.maxEventAge)) {
    invalid(scope, `maxEventAge: ${maxEventAge!.toHumanString()} is outside EventBridge's range of ${span(limits.maxEventAge)}.`);
  }
  if (outsideDuration(lambdaMaxEventAge, limits.lambdaMaxEventAge)) {
    invalid(scope, `lambdaMaxEventAge: ${lambdaMaxEventAge!.toHumanString()} is outside Lambda's range of ${span(limits.lambdaMaxEventAge)}.`);
  }
}

/** Checks `options` and fills in the defaults. */
export function resolveRouteOptions(scope: IConstruct, options: StripeRouteOptions): ResolvedRouteOptions {
  validateRetries(scope, options);
  const d = ROUTE_DEFAULTS;
  return {
    allowUnknownEventTypes: options.allowUnknownEventTypes ?? d.allowUnknownEventTypes,
    detailFilter: options.detailFilter,
    retryAttempts: options.retryAttempts ?? d.retryAttempts,
    maxEventAge: options.maxEventAge ?? d.maxEventAge,
    lambdaRetryAttempts: options.lambdaRetryAttempts ?? d.lambdaRetryAttempts,
    lambdaMaxEventAge: options.lambdaMaxEventAge ?? d.lambdaMaxEventAge,
    logRetention: options.logRetention ?? d.logRetention,
    metricsNamespace: options.metricsNamespace ?? d.metricsNamespace,
    handlerMetrics: options.handlerMetrics ?? d.handlerMetrics,
    stripeApiKeySecret: options.stripeApiKeySecret,
  };
}
