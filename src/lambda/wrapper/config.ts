import type { EventPayloadStyle } from './envelope';
import { StripeEventBridgeError } from '../../contract/errors';
import { KEY_HASH_SEPARATOR, MAX_PREVIOUS_KEY_PREFIXES } from '../../contract/idempotency';
import { DEFAULT_METRICS_NAMESPACE } from '../../contract/metrics';
import { ENV_STRIPE_API_BASE } from '../../contract/reconcile';
import { STRIPE_PARTNER_SOURCE_PREFIX } from '../../contract/stripe';
import {
  ENV_DYNAMODB_ENDPOINT,
  ENV_EVENT_PAYLOADS,
  ENV_HANDLER_METRICS,
  ENV_HANDLER_NAME,
  ENV_IDEMPOTENCY_KEY_PREFIX,
  ENV_IDEMPOTENCY_PREVIOUS_KEY_PREFIXES,
  ENV_IDEMPOTENCY_TABLE,
  ENV_IDEMPOTENCY_TTL_SECONDS,
  ENV_METRICS_INTEGRATION,
  ENV_POWERTOOLS_METRICS_NAMESPACE,
  ENV_SOURCE_PREFIX,
  ENV_STRIPE_API_KEY_SECRET_ID,
  ENV_USER_HANDLER,
  EVENT_PAYLOAD_VALUES,
} from '../../contract/wrapper';

/** The wrapper's settings, all from the function's environment (set by the construct). */
export interface WrapperConfig {
  readonly handlerName: string;
  readonly userHandler: string;
  readonly taskRoot: string;
  readonly tableName: string;
  readonly keyPrefix: string;
  /** The key prefixes of an earlier key scope, most recent first; empty when there are none. */
  readonly previousKeyPrefixes: readonly string[];
  readonly ttlSeconds: number;
  readonly sourcePrefix: string;
  readonly metricsNamespace: string;
  /** The `integration` metric dimension; unset for a function configured without it (handler dimension only). */
  readonly metricsIntegration?: string;
  /** Emit every metric per handler too. */
  readonly handlerMetrics: boolean;
  readonly dynamoDbEndpoint?: string;
  /** The payload styles the function's rules deliver (`STRIPE_EB_EVENT_PAYLOADS`; unset: snapshot). */
  readonly payloads: readonly EventPayloadStyle[];
  /** The SecretId of the Stripe API key's secret, for `context.stripe`. */
  readonly stripeApiKeySecretId?: string;
  /** Stripe's API base URL, overridden for local runs (`STRIPE_EB_STRIPE_API_BASE`). */
  readonly stripeApiBase?: string;
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
  const keyPrefix = env[ENV_IDEMPOTENCY_KEY_PREFIX] || handlerName;
  return {
    handlerName,
    userHandler: required(ENV_USER_HANDLER),
    taskRoot: env.LAMBDA_TASK_ROOT ?? process.cwd(),
    tableName: required(ENV_IDEMPOTENCY_TABLE),
    keyPrefix,
    previousKeyPrefixes: parsePreviousKeyPrefixes(env[ENV_IDEMPOTENCY_PREVIOUS_KEY_PREFIXES], keyPrefix),
    ttlSeconds,
    sourcePrefix: env[ENV_SOURCE_PREFIX] || STRIPE_PARTNER_SOURCE_PREFIX,
    metricsNamespace: env[ENV_POWERTOOLS_METRICS_NAMESPACE] || DEFAULT_METRICS_NAMESPACE,
    metricsIntegration: env[ENV_METRICS_INTEGRATION] || undefined,
    handlerMetrics: env[ENV_HANDLER_METRICS] === 'true',
    dynamoDbEndpoint: env[ENV_DYNAMODB_ENDPOINT] || undefined,
    payloads: parseEventPayloads(env[ENV_EVENT_PAYLOADS]),
    stripeApiKeySecretId: env[ENV_STRIPE_API_KEY_SECRET_ID] || undefined,
    stripeApiBase: env[ENV_STRIPE_API_BASE] || undefined,
  };
}

const SNAPSHOT_ONLY: readonly EventPayloadStyle[] = ['snapshot'];

/** `STRIPE_EB_EVENT_PAYLOADS`: `snapshot`, `thin` or `snapshot,thin`; unset means `snapshot` (functions deployed before thin events). */
export function parseEventPayloads(text: string | undefined): readonly EventPayloadStyle[] {
  if (!text) return SNAPSHOT_ONLY;
  const values = text.split(',').map((v) => v.trim());
  const known: readonly string[] = EVENT_PAYLOAD_VALUES;
  if (values.some((v) => !known.includes(v)) || new Set(values).size !== values.length) {
    throw new WrapperConfigError(`${ENV_EVENT_PAYLOADS} must list distinct payload styles among ${EVENT_PAYLOAD_VALUES.join(', ')}, comma-separated; got '${text}'`);
  }
  return values as EventPayloadStyle[];
}

/** `STRIPE_EB_IDEMPOTENCY_PREVIOUS_KEY_PREFIXES`: a JSON array of distinct key prefixes other than the current one. */
export function parsePreviousKeyPrefixes(text: string | undefined, keyPrefix: string): string[] {
  if (!text) return [];
  const fail = (why: string): never => {
    throw new WrapperConfigError(`${ENV_IDEMPOTENCY_PREVIOUS_KEY_PREFIXES} must be a JSON array of at most ${MAX_PREVIOUS_KEY_PREFIXES} distinct key prefixes other than '${keyPrefix}': ${why}`);
  };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail(`'${text}' is not JSON`);
  }
  if (!Array.isArray(value)) return fail(`got ${JSON.stringify(value)}`);
  if (value.length > MAX_PREVIOUS_KEY_PREFIXES) fail(`got ${value.length}`);
  for (const p of value) {
    if (typeof p !== 'string' || p === '' || p.includes(KEY_HASH_SEPARATOR)) fail(`${JSON.stringify(p)} is not a key prefix (a non-empty string without '${KEY_HASH_SEPARATOR}')`);
    if (p === keyPrefix) fail(`'${p}' is the current key prefix`);
  }
  if (new Set(value).size !== value.length) fail(`${text} repeats a prefix`);
  return value as string[];
}
