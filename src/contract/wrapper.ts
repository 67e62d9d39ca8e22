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

export const ENV_USER_HANDLER = 'STRIPE_EB_USER_HANDLER';
export const ENV_HANDLER_NAME = 'STRIPE_EB_HANDLER_NAME';
export const ENV_IDEMPOTENCY_TABLE = 'STRIPE_EB_IDEMPOTENCY_TABLE';
export const ENV_IDEMPOTENCY_KEY_PREFIX = 'STRIPE_EB_IDEMPOTENCY_KEY_PREFIX';
export const ENV_IDEMPOTENCY_TTL_SECONDS = 'STRIPE_EB_IDEMPOTENCY_TTL_SECONDS';
export const ENV_SOURCE_PREFIX = 'STRIPE_EB_SOURCE_PREFIX';
/** The value of the wrapper's `integration` metric dimension (unset: the handler dimension alone, as before). */
export const ENV_METRICS_INTEGRATION = 'STRIPE_EB_METRICS_INTEGRATION';
/** `true`: the wrapper also emits every metric per handler ([integration, service]). */
export const ENV_HANDLER_METRICS = 'STRIPE_EB_HANDLER_METRICS';
/** Optional endpoint override (DynamoDB Local in tests and in the local replay). */
export const ENV_DYNAMODB_ENDPOINT = 'STRIPE_EB_DYNAMODB_ENDPOINT';

/**
 * Idempotency records must outlive every retry window before them: Stripe retries for up to 3 days,
 * EventBridge for up to 24 h, Lambda async invokes for up to 6 h. Seven days covers all of them.
 */
export const DEFAULT_IDEMPOTENCY_TTL_SECONDS = 7 * 24 * 60 * 60;

/**
 * The largest event EventBridge delivers: 1 MB (1,048,576 bytes, as EventBridge counts an entry) since
 * January 2026, 256 KB before. A larger event did not come from a Stripe event destination.
 */
export const MAX_EVENT_BYTES = 1024 * 1024;

/**
 * The handler of every wrapped Python function: the wrapper package in the Python layer's `python/` directory, which
 * the Lambda Python runtime puts on `sys.path` as `/opt/python` (docs.aws.amazon.com/lambda/latest/dg/packaging-layers.html).
 */
export const PYTHON_WRAPPER_HANDLER = 'stripe_eventbridge.wrapper.handler';
