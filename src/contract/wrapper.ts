/**
 * The contract between the construct (synth time) and the wrapper (run time): environment variable
 * names, the layer path of the wrapper and the defaults both sides agree on. No imports, so that both
 * the jsii library and the Lambda bundle can use it.
 */

/** Where Lambda extracts layers: the wrapper layer's `stripe-eventbridge/wrapper.js` ends up here. */
export const LAYER_MOUNT = '/opt';

/**
 * The handler string of every wrapped function. The Node.js runtime resolves a handler whose module
 * root is absolute as-is (`path.resolve(appRoot, moduleRoot, module)` in
 * aws-lambda-nodejs-runtime-interface-client, src/utils/UserFunction.ts), so the wrapper can live in a
 * layer while the user's code stays in the function's own package.
 */
export const WRAPPER_HANDLER = `${LAYER_MOUNT}/stripe-eventbridge/wrapper.handler`;

/** The prefix of every variable the wrapper owns: the integration sets them, a user sets none. */
export const ENV_OWNED_PREFIX = 'STRIPE_EB_';
export const ENV_USER_HANDLER = 'STRIPE_EB_USER_HANDLER';
export const ENV_HANDLER_NAME = 'STRIPE_EB_HANDLER_NAME';
export const ENV_IDEMPOTENCY_TABLE = 'STRIPE_EB_IDEMPOTENCY_TABLE';
/** `<key scope>.<handler name>`: records are keyed `<prefix>#<hash>` (src/contract/idempotency.ts). */
export const ENV_IDEMPOTENCY_KEY_PREFIX = 'STRIPE_EB_IDEMPOTENCY_KEY_PREFIX';
/**
 * The key prefixes the function's records had before (an earlier key scope), most recent first, as a JSON array
 * of strings (`["Stripe.Orders"]`); unset when there are none. A fresh event then also reads its records under
 * these prefixes: a completed one there makes it a duplicate, an unfinished one in progress (src/contract/idempotency.ts,
 * request 1b). The recovery tools read them too.
 */
export const ENV_IDEMPOTENCY_PREVIOUS_KEY_PREFIXES = 'STRIPE_EB_IDEMPOTENCY_PREVIOUS_KEY_PREFIXES';
/** The record lifetime in whole seconds, derived at synth from every window in which an event can come back. */
export const ENV_IDEMPOTENCY_TTL_SECONDS = 'STRIPE_EB_IDEMPOTENCY_TTL_SECONDS';
/**
 * What a reader assumes for a function without STRIPE_EB_IDEMPOTENCY_TTL_SECONDS (one not deployed by the
 * integration): the 7 days earlier releases kept records. The wrapper itself requires the variable.
 */
export const DEFAULT_IDEMPOTENCY_TTL_SECONDS = 7 * 24 * 60 * 60;
export const ENV_SOURCE_PREFIX = 'STRIPE_EB_SOURCE_PREFIX';
/** The value of the wrapper's `integration` metric dimension (unset: the handler dimension alone, as before). */
export const ENV_METRICS_INTEGRATION = 'STRIPE_EB_METRICS_INTEGRATION';
/** `true`: the wrapper also emits every metric per handler ([integration, service]). */
export const ENV_HANDLER_METRICS = 'STRIPE_EB_HANDLER_METRICS';
/**
 * The Secrets Manager secret that holds the handler's Stripe API key (a restricted key, plain text), for
 * `context.stripe`: a SecretId GetSecretValue accepts, the secret's full ARN, or its name for a secret imported
 * by name or partial ARN (a partial ARN lacks Secrets Manager's 6-character suffix and is ambiguous as a
 * SecretId). Unset when the handler has no `stripeApiKeySecret`. Never the key itself.
 */
export const ENV_STRIPE_API_KEY_SECRET_ID = 'STRIPE_EB_STRIPE_API_KEY_SECRET_ID';
/**
 * The payload styles the function's rules deliver, comma-separated, in the order of EVENT_PAYLOAD_VALUES:
 * `thin` or `snapshot,thin`. Unset means `snapshot` alone (every function deployed before thin events).
 */
export const ENV_EVENT_PAYLOADS = 'STRIPE_EB_EVENT_PAYLOADS';
/** The values of STRIPE_EB_EVENT_PAYLOADS, in the order they are listed: Stripe's own `event_payload` names. */
export const EVENT_PAYLOAD_VALUES = ['snapshot', 'thin'] as const;
/** Optional endpoint override (DynamoDB Local in tests and in the local replay). */
export const ENV_DYNAMODB_ENDPOINT = 'STRIPE_EB_DYNAMODB_ENDPOINT';
/** Powertools settings the integration sets: the handler name (for your own code's Powertools) and the wrapper's metrics namespace. */
export const ENV_POWERTOOLS_SERVICE_NAME = 'POWERTOOLS_SERVICE_NAME';
export const ENV_POWERTOOLS_METRICS_NAMESPACE = 'POWERTOOLS_METRICS_NAMESPACE';

/**
 * The largest event EventBridge delivers: 1 MB (1,048,576 bytes, as EventBridge counts an entry) since
 * January 2026, 256 KB before. A larger event did not come from a Stripe event destination.
 */
export const MAX_EVENT_BYTES = 1024 * 1024;

/**
 * The deepest nesting of objects and arrays accepted in an event, counting the EventBridge envelope as
 * level 1. Stripe's events nest about 10 levels (the deepest published sample, 10 with its envelope);
 * JSON.stringify, which measuring an event's size runs, overflows the stack at about 5,000. An event
 * nested deeper than this did not come from a Stripe event destination.
 */
export const MAX_EVENT_DEPTH = 100;

/**
 * The handler of every wrapped Python function: the wrapper package in the Python layer's `python/` directory, which
 * the Lambda Python runtime puts on `sys.path` as `/opt/python` (docs.aws.amazon.com/lambda/latest/dg/packaging-layers.html).
 */
export const PYTHON_WRAPPER_HANDLER = 'stripe_eventbridge.wrapper.handler';
