/**
 * What the reconciliation checks, per handler: the function, the event patterns of the rules that target
 * it, and where its idempotency records are. The table, the key prefix and the record lifetime are read
 * from the function's own environment, as the wrapper reads them (src/contract/wrapper.ts): never derived
 * again here, so the check follows whatever the integration deployed.
 */
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { StripePayloadStyle } from '../cloud-assembly/rules';
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

/** Something of each payload style: of the rules on a snapshot destination's bus, and of those on a thin one's. */
export type ByPayload<T> = Readonly<Record<StripePayloadStyle, T>>;

export interface ReconcileRoute {
  /** The handler's name (STRIPE_EB_HANDLER_NAME), or the function's when it has none. */
  readonly handler: string;
  /** What to invoke: the function's name or ARN. */
  readonly functionName: string;
  /**
   * The event patterns of the rules that target the function, by the payload style of the events their bus carries:
   * snapshot events are listed from GET /v1/events and routed with `patterns.snapshot`, thin events from
   * GET /v2/core/events with `patterns.thin` (a rule on a bus that carries both is in both).
   */
  readonly patterns: ByPayload<readonly unknown[]>;
  /** Undefined when the function's environment has no idempotency settings (see `uncheckedReason`). */
  readonly idempotency?: IdempotencyScope;
  readonly uncheckedReason?: string;
  /** The envelope of an event delivered to the function, by payload style (each style has its own partner source). */
  readonly envelopes: ByPayload<EnvelopeFields>;
}

export interface RouteSource {
  readonly functionName: string;
  /** The function's ARN, when known: its account and region go into the envelope. */
  readonly functionArn?: string;
  /** The patterns of the function's rules on a bus of snapshot events. */
  readonly patterns: readonly unknown[];
  /** The patterns of the function's rules on a bus of thin events. @default none */
  readonly thinPatterns?: readonly unknown[];
  /** The function's environment variables, resolved. */
  readonly environment: Readonly<Record<string, string | undefined>>;
  /** The partner event source the snapshot rules' bus accepts (`aws.partner/stripe.com/ed_…`), when known. */
  readonly eventSourceName?: string;
  /** The partner event source the thin rules' bus accepts, when known. */
  readonly thinEventSourceName?: string;
}

/** A route from a function's environment (as deployed, or as the template writes it). */
export function routeFromEnvironment(source: RouteSource): ReconcileRoute {
  const env = source.environment;
  const handler = env[ENV_HANDLER_NAME] || source.functionName;
  const sourcePrefix = env[ENV_SOURCE_PREFIX] || STRIPE_PARTNER_SOURCE_PREFIX;
  const arn = /^arn:[^:]+:lambda:([^:]+):(\d{12}):function:/.exec(source.functionArn ?? source.functionName);
  const envelope = (eventSourceName: string | undefined): EnvelopeFields => ({
    // An unknown partner source: the prefix itself matches the rules' `prefix` filter and the wrapper's check.
    source: eventSourceName?.startsWith(sourcePrefix) ? eventSourceName : sourcePrefix,
    account: arn?.[2] ?? '000000000000',
    region: arn?.[1] ?? 'us-east-1',
  });
  const base = {
    handler,
    functionName: source.functionName,
    patterns: { snapshot: source.patterns, thin: source.thinPatterns ?? [] },
    envelopes: { snapshot: envelope(source.eventSourceName), thin: envelope(source.thinEventSourceName) },
  };
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

/** A function and the patterns of its rules (on a snapshot bus, on a thin one), before its environment is read. */
export interface RouteTarget {
  readonly functionName: string;
  readonly patterns: readonly unknown[];
  readonly thinPatterns?: readonly unknown[];
}

/** The partner event sources of the buses, when known. */
export interface EventSources {
  readonly eventSourceName?: string;
  readonly thinEventSourceName?: string;
}

/** The Lambda API failed for one function: names it and says what to do. */
export class RouteReadError extends StripeEventBridgeError {
  public readonly name = 'RouteReadError';
}

/**
 * Reads each function's configuration (lambda:GetFunctionConfiguration) and builds its route from the
 * environment it runs with.
 */
export async function readDeployedRoutes(
  lambda: LambdaClient,
  targets: readonly RouteTarget[],
  sources: EventSources = {},
): Promise<ReconcileRoute[]> {
  return Promise.all(
    targets.map(async (target) => {
      try {
        const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: target.functionName }));
        return routeFromEnvironment({
          functionName: config.FunctionName ?? target.functionName,
          functionArn: config.FunctionArn,
          patterns: target.patterns,
          thinPatterns: target.thinPatterns,
          environment: config.Environment?.Variables ?? {},
          ...sources,
        });
      } catch (err) {
        const e = err as { name?: string; message?: string };
        const hint = e.name === 'AccessDeniedException' ? ' (the caller needs lambda:GetFunctionConfiguration on it)' : '';
        throw new RouteReadError(`reading the configuration of function ${target.functionName}: ${e.name ?? 'Error'}: ${e.message ?? String(err)}${hint}`);
      }
    }),
  );
}
