/**
 * What the reconciliation checks, per handler: the function, the event patterns of the rules that target
 * it, and where its idempotency records are. The table, the key prefix and the record lifetime are read
 * from the function's own environment, as the wrapper reads them (src/contract/wrapper.ts): never derived
 * again here, so the check follows whatever the integration deployed.
 */
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { StripeEventBridgeError } from '../contract/errors';
import { STRIPE_PARTNER_SOURCE_PREFIX } from '../contract/stripe';
import {
  DEFAULT_IDEMPOTENCY_TTL_SECONDS,
  ENV_HANDLER_NAME,
  ENV_IDEMPOTENCY_KEY_PREFIX,
  ENV_IDEMPOTENCY_PREVIOUS_KEY_PREFIXES,
  ENV_IDEMPOTENCY_TABLE,
  ENV_IDEMPOTENCY_TTL_SECONDS,
  ENV_SOURCE_PREFIX,
} from '../contract/wrapper';

/** Where one handler's idempotency records are. */
export interface IdempotencyScope {
  readonly table: string;
  readonly keyPrefix: string;
  /**
   * The key prefixes its records had before (earlier key scopes: `previousKeyScopes`), most recent first. A
   * record under one of them counts as the event's record, as the wrapper counts it.
   */
  readonly previousKeyPrefixes: readonly string[];
  /** How long a record is kept: an event older than this may have lost its record. */
  readonly recordLifetimeSeconds: number;
}

/** The EventBridge envelope fields of an event delivered to the function (its partner source, account, region). */
export interface EnvelopeFields {
  readonly source: string;
  readonly account: string;
  readonly region: string;
}

export interface ReconcileRoute {
  /** The handler's name (STRIPE_EB_HANDLER_NAME), or the function's when it has none. */
  readonly handler: string;
  /** What to invoke: the function's name or ARN. */
  readonly functionName: string;
  /** The event patterns of the rules that target the function. */
  readonly patterns: readonly unknown[];
  /** Undefined when the function's environment has no idempotency settings (see `uncheckedReason`). */
  readonly idempotency?: IdempotencyScope;
  readonly uncheckedReason?: string;
  readonly envelope: EnvelopeFields;
}

export interface RouteSource {
  readonly functionName: string;
  /** The function's ARN, when known: its account and region go into the envelope. */
  readonly functionArn?: string;
  readonly patterns: readonly unknown[];
  /** The function's environment variables, resolved. */
  readonly environment: Readonly<Record<string, string | undefined>>;
  /** The partner event source the rules' bus accepts (`aws.partner/stripe.com/ed_…`), when known. */
  readonly eventSourceName?: string;
}

/** A route from a function's environment (as deployed, or as the template writes it). */
export function routeFromEnvironment(source: RouteSource): ReconcileRoute {
  const env = source.environment;
  const handler = env[ENV_HANDLER_NAME] || source.functionName;
  const sourcePrefix = env[ENV_SOURCE_PREFIX] || STRIPE_PARTNER_SOURCE_PREFIX;
  const arn = /^arn:[^:]+:lambda:([^:]+):(\d{12}):function:/.exec(source.functionArn ?? source.functionName);
  const envelope = {
    // An unknown partner source: the prefix itself matches the rules' `prefix` filter and the wrapper's check.
    source: source.eventSourceName?.startsWith(sourcePrefix) ? source.eventSourceName : sourcePrefix,
    account: arn?.[2] ?? '000000000000',
    region: arn?.[1] ?? 'us-east-1',
  };
  const base = { handler, functionName: source.functionName, patterns: source.patterns, envelope };
  const table = env[ENV_IDEMPOTENCY_TABLE];
  if (!table) {
    return { ...base, uncheckedReason: `its environment has no ${ENV_IDEMPOTENCY_TABLE}: the function is not wrapped by the integration, so it keeps no idempotency records` };
  }
  const keyPrefix = env[ENV_IDEMPOTENCY_KEY_PREFIX];
  if (!keyPrefix) {
    return { ...base, uncheckedReason: `its environment has no ${ENV_IDEMPOTENCY_KEY_PREFIX}, so the keys of its idempotency records are unknown` };
  }
  const previousKeyPrefixes = parsePrefixes(env[ENV_IDEMPOTENCY_PREVIOUS_KEY_PREFIXES]);
  if (previousKeyPrefixes === undefined) {
    return { ...base, uncheckedReason: `its ${ENV_IDEMPOTENCY_PREVIOUS_KEY_PREFIXES} is not a JSON array of key prefixes, so where its earlier records are is unknown` };
  }
  const ttl = Number(env[ENV_IDEMPOTENCY_TTL_SECONDS] ?? DEFAULT_IDEMPOTENCY_TTL_SECONDS);
  const recordLifetimeSeconds = Number.isFinite(ttl) && ttl > 0 ? ttl : DEFAULT_IDEMPOTENCY_TTL_SECONDS;
  return { ...base, idempotency: { table, keyPrefix, previousKeyPrefixes, recordLifetimeSeconds } };
}

/** The previous key prefixes in a function's environment (a JSON array of strings; unset: none), or undefined when malformed. */
function parsePrefixes(text: string | undefined): string[] | undefined {
  if (text === undefined || text.trim() === '') return [];
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) && value.every((v) => typeof v === 'string' && v !== '') ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A function and the patterns of its rules, before its environment is read. */
export interface RouteTarget {
  readonly functionName: string;
  readonly patterns: readonly unknown[];
}

/** The Lambda API failed for one function: names it and says what to do. */
export class RouteReadError extends StripeEventBridgeError {
  public readonly name = 'RouteReadError';
}

/**
 * Reads each function's configuration (lambda:GetFunctionConfiguration) and builds its route from the
 * environment it runs with.
 */
export async function readDeployedRoutes(lambda: LambdaClient, targets: readonly RouteTarget[], eventSourceName?: string): Promise<ReconcileRoute[]> {
  return Promise.all(
    targets.map(async (target) => {
      try {
        const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: target.functionName }));
        return routeFromEnvironment({
          functionName: config.FunctionName ?? target.functionName,
          functionArn: config.FunctionArn,
          patterns: target.patterns,
          environment: config.Environment?.Variables ?? {},
          eventSourceName,
        });
      } catch (err) {
        const e = err as { name?: string; message?: string };
        const hint = e.name === 'AccessDeniedException' ? ' (the caller needs lambda:GetFunctionConfiguration on it)' : '';
        throw new RouteReadError(`reading the configuration of function ${target.functionName}: ${e.name ?? 'Error'}: ${e.message ?? String(err)}${hint}`);
      }
    }),
  );
}
