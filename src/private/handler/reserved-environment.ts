/**
 * The environment variables a user may not set on a wrapped function: those the wrapper owns (set by the
 * integration) and those it reads that would change what it does, each with the prop to use instead.
 *
 * The list is everything the bundled wrapper reads (its own settings, and what Powertools 2.35.0's
 * Idempotency reads: `getStringFromEnv({ key })` and `process.env` in @aws-lambda-powertools/{commons,idempotency};
 * the wrapper writes its log and metrics lines itself, src/lambda/wrapper/telemetry.ts), each either refused here or listed in
 * WITHOUT_EFFECT with the reason it is harmless; test/construct/reserved-environment.test.ts reads the
 * bundle and fails on a variable in neither list. The AWS SDK's own variables (AWS_ENDPOINT_URL_…,
 * AWS_MAX_ATTEMPTS, …) are not the wrapper's: the SDK in the Lambda runtime serves the user's code too.
 */
import { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import {
  ENV_DYNAMODB_ENDPOINT,
  ENV_HANDLER_METRICS,
  ENV_HANDLER_NAME,
  ENV_IDEMPOTENCY_KEY_PREFIX,
  ENV_IDEMPOTENCY_PREVIOUS_KEY_PREFIXES,
  ENV_IDEMPOTENCY_TABLE,
  ENV_IDEMPOTENCY_TTL_SECONDS,
  ENV_METRICS_INTEGRATION,
  ENV_OWNED_PREFIX,
  ENV_POWERTOOLS_METRICS_NAMESPACE,
  ENV_POWERTOOLS_SERVICE_NAME,
  ENV_SOURCE_PREFIX,
  ENV_EVENT_PAYLOADS,
  ENV_STRIPE_API_KEY_SECRET_ID,
  ENV_USER_HANDLER,
} from '../../contract/wrapper';

const SET_BY_LAMBDA = 'Lambda sets it, and refuses it in a function\'s environment (a reserved variable).';

/** Refused variables, with what to do instead. */
export const REFUSED: Readonly<Record<string, string>> = {
  [ENV_USER_HANDLER]: 'The integration sets it from your handler string: use `handler` (fromCode) or the function\'s own handler (fromFunction).',
  [ENV_HANDLER_NAME]: 'The integration sets it: use the handler\'s `name`.',
  [ENV_IDEMPOTENCY_TABLE]: 'The integration sets it: use `idempotency.table`.',
  [ENV_IDEMPOTENCY_KEY_PREFIX]: 'The integration sets it from the integration and the handler\'s `name`.',
  [ENV_IDEMPOTENCY_PREVIOUS_KEY_PREFIXES]: 'The integration sets it: use `idempotency.previousKeyScopes`.',
  [ENV_IDEMPOTENCY_TTL_SECONDS]: 'The integration sets it: use `idempotency.recordLifetime`.',
  [ENV_SOURCE_PREFIX]: 'The integration sets it: use `StripeEventBus.fromEventBusName(name, { sourcePrefix })` or `fromEventBus(bus, { sourcePrefix })`.',
  [ENV_STRIPE_API_KEY_SECRET_ID]: 'The integration sets it from the Secrets Manager secret that holds the Stripe key: use `stripeApiKeySecret`.',
  [ENV_EVENT_PAYLOADS]: 'The integration sets it from the buses the handler\'s rules are on: use `eventBus` and `thinEventBus`.',
  [ENV_DYNAMODB_ENDPOINT]: 'It points the wrapper at DynamoDB Local in local runs; a deployed function uses the regional endpoint.',
  [ENV_METRICS_INTEGRATION]: 'The integration sets it to its own name, the dimension of the metrics its alarms read.',
  [ENV_HANDLER_METRICS]: 'The integration sets it: use `handlerMetrics` (or `alarms.handlerAlarms`).',
  [ENV_POWERTOOLS_SERVICE_NAME]: 'The integration sets it to the handler name, the `service` of the wrapper\'s lines and metrics and of your own code\'s Powertools: use the handler\'s `name`.',
  [ENV_POWERTOOLS_METRICS_NAMESPACE]: 'The integration sets it: use `metricsNamespace`.',
  POWERTOOLS_IDEMPOTENCY_DISABLED: 'It would turn off the idempotency that runs each Stripe event\'s handler once (every redelivery would run it again); it cannot be turned off.',
  AWS_LAMBDA_LOG_LEVEL: 'Lambda sets it from the function\'s logging configuration; below INFO the wrapper\'s outcome lines, which the saved queries read, would be dropped.',
  AWS_LAMBDA_MAX_CONCURRENCY: 'Lambda sets it on Lambda Managed Instances; set by hand it makes Powertools keep per-invocation state for concurrent invocations that do not happen.',
  AWS_REGION: SET_BY_LAMBDA,
  AWS_EXECUTION_ENV: SET_BY_LAMBDA,
  AWS_LAMBDA_FUNCTION_NAME: SET_BY_LAMBDA,
  AWS_LAMBDA_INITIALIZATION_TYPE: SET_BY_LAMBDA,
  LAMBDA_TASK_ROOT: SET_BY_LAMBDA,
  _X_AMZN_TRACE_ID: SET_BY_LAMBDA,
};

/** Variables the wrapper reads that do not change what it does: yours to set, for your own code. */
export const WITHOUT_EFFECT: Readonly<Record<string, string>> = {
  POWERTOOLS_LOG_LEVEL: 'The Node.js wrapper writes its lines whatever it says: it is the level of your own code\'s logger (and of the Python wrapper\'s lines).',
  LOG_LEVEL: 'The same as POWERTOOLS_LOG_LEVEL, which it stands for.',
  POWERTOOLS_LOGGER_SAMPLE_RATE: 'The wrapper\'s lines are never sampled: it applies to your own code\'s logger only.',
  POWERTOOLS_LOGGER_LOG_EVENT: 'The Node.js wrapper never logs the event; the Python wrapper logs it at INFO when this is true.',
  POWERTOOLS_METRICS_DISABLED: 'The wrapper always emits its metrics (the alarms and the dashboard read them): it turns off your own code\'s Powertools Metrics only. To drop alarms, use `alarms: { enabled: false }` or `alarms.disabledAlarms`.',
  POWERTOOLS_DEV: 'The wrapper writes its lines itself: it applies to your own code\'s Powertools only.',
  POWERTOOLS_METRICS_FUNCTION_NAME: 'It names the cold-start metric of your own code\'s Powertools Metrics; the wrapper emits none.',
  ENVIRONMENT: 'Your own code\'s Powertools Logger reads it; the wrapper does not.',
  TZ: 'The wrapper\'s timestamps are in UTC whatever it says.',
  AWS_SDK_UA_APP_ID: 'The AWS SDK\'s user-agent app id; Powertools appends its own.',
  AWS_LAMBDA_BENCHMARK_MODE: 'A test switch of the Lambda runtime\'s invoke store.',
  AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA: 'A switch of the Lambda Node.js runtime\'s invoke store; Powertools keeps its own when it is set.',
};

/** Why `name` may not be set on a wrapped function, or undefined when it may. */
export function refusalOf(name: string): string | undefined {
  return REFUSED[name] ?? (name.startsWith(ENV_OWNED_PREFIX) ? `Names starting with ${ENV_OWNED_PREFIX} are the wrapper's own.` : undefined);
}

/**
 * The message for the refused variables among `names`, or undefined when there are none.
 * @param where what the variables belong to, e.g. `handlers.Orders.environment`
 */
export function refusedEnvironmentMessage(where: string, names: readonly string[]): string | undefined {
  const refused = names.filter((n) => refusalOf(n) !== undefined);
  if (refused.length === 0) return undefined;
  return `${where}: ${refused.map((n) => `${n} is read by the Stripe event wrapper. ${refusalOf(n)}`).join(' ')} Remove ${refused.length === 1 ? 'it' : 'them'}.`;
}

/** A function's `Environment` as the template renders it. */
interface RenderedEnvironment {
  readonly variables?: Record<string, unknown>;
}

/**
 * Checks, at synth, that the function's final environment sets no refused variable other than those the
 * integration set itself, with the values it set: catches a later `fn.addEnvironment(...)` too.
 */
export function guardWrapperEnvironment(fn: lambda.Function, own: Readonly<Record<string, string>>, where: string): void {
  fn.node.addValidation({
    validate: () => {
      const stack = Stack.of(fn);
      const rendered = stack.resolve((fn.node.defaultChild as lambda.CfnFunction).environment) as RenderedEnvironment | undefined;
      const variables = rendered?.variables ?? {};
      const changed = Object.keys(variables).filter(
        (name) => !(name in own) || JSON.stringify(stack.resolve(own[name])) !== JSON.stringify(variables[name]),
      );
      const message = refusedEnvironmentMessage(where, changed);
      return message === undefined ? [] : [message];
    },
  });
}

/** The names in a function's environment as it is now (a `lambda.Function` of this app). */
export function environmentNames(fn: lambda.Function): string[] {
  const rendered = Stack.of(fn).resolve((fn.node.defaultChild as lambda.CfnFunction).environment) as RenderedEnvironment | undefined;
  return Object.keys(rendered?.variables ?? {});
}
