import { StripeEventBridgeError } from '../../contract/errors';
import { DEFAULT_METRICS_NAMESPACE } from '../../contract/metrics';
import { STRIPE_PARTNER_SOURCE_PREFIX } from '../../contract/stripe';
import {
  ENV_DYNAMODB_ENDPOINT,
  ENV_HANDLER_METRICS,
  ENV_HANDLER_NAME,
  ENV_IDEMPOTENCY_KEY_PREFIX,
  ENV_IDEMPOTENCY_TABLE,
  ENV_IDEMPOTENCY_TTL_SECONDS,
  ENV_METRICS_INTEGRATION,
  ENV_POWERTOOLS_METRICS_NAMESPACE,
  ENV_SOURCE_PREFIX,
  ENV_USER_HANDLER,
} from '../../contract/wrapper';

/** The wrapper's settings, all from the function's environment (set by the construct). */
export interface WrapperConfig {
  readonly handlerName: string;
  readonly userHandler: string;
  readonly taskRoot: string;
  readonly tableName: string;
  readonly keyPrefix: string;
  readonly ttlSeconds: number;
  readonly sourcePrefix: string;
  readonly metricsNamespace: string;
  /** The `integration` metric dimension; unset for a function configured without it (handler dimension only). */
  readonly metricsIntegration?: string;
  /** Emit every metric per handler too. */
  readonly handlerMetrics: boolean;
  readonly dynamoDbEndpoint?: string;
}

/** A required setting is missing or malformed: the function was not deployed by the integration. */
export class WrapperConfigError extends StripeEventBridgeError {
  public readonly name = 'WrapperConfigError';
}

export function readWrapperConfig(env: NodeJS.ProcessEnv): WrapperConfig {
  const required = (name: string): string => {
    const value = env[name];
    if (!value) {
      throw new WrapperConfigError(
        `environment variable ${name} is not set. The Stripe EventBridge wrapper only runs in functions configured by StripeEventBridgeIntegration.`,
      );
    }
    return value;
  };
  // The record lifetime is derived at synth from every window in which an event can come back: no default here.
  const ttlText = required(ENV_IDEMPOTENCY_TTL_SECONDS);
  const ttlSeconds = Number(ttlText);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) {
    throw new WrapperConfigError(`${ENV_IDEMPOTENCY_TTL_SECONDS} must be a positive whole number of seconds, got '${ttlText}'`);
  }
  const handlerName = required(ENV_HANDLER_NAME);
  return {
    handlerName,
    userHandler: required(ENV_USER_HANDLER),
    taskRoot: env.LAMBDA_TASK_ROOT ?? process.cwd(),
    tableName: required(ENV_IDEMPOTENCY_TABLE),
    keyPrefix: env[ENV_IDEMPOTENCY_KEY_PREFIX] || handlerName,
    ttlSeconds,
    sourcePrefix: env[ENV_SOURCE_PREFIX] || STRIPE_PARTNER_SOURCE_PREFIX,
    metricsNamespace: env[ENV_POWERTOOLS_METRICS_NAMESPACE] || DEFAULT_METRICS_NAMESPACE,
    metricsIntegration: env[ENV_METRICS_INTEGRATION] || undefined,
    handlerMetrics: env[ENV_HANDLER_METRICS] === 'true',
    dynamoDbEndpoint: env[ENV_DYNAMODB_ENDPOINT] || undefined,
  };
}
