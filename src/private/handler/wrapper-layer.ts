import { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { ENV_EVENT_PAYLOADS, ENV_STRIPE_API_KEY_SECRET_ID } from '../../contract/wrapper';
import { packageAsset } from '../../package/package-assets';

/** The pre-bundled wrapper (`stripe-eventbridge/wrapper.js`), shipped in the package's `assets/`. */
export const WRAPPER_ASSET_DIR = packageAsset('lambda', 'wrapper', 'handler');

/** The Python wrapper layer (`python/stripe_eventbridge/` and Powertools for AWS Lambda (Python)), built by `projen bundle`. */
export const PYTHON_WRAPPER_ASSET_DIR = packageAsset('lambda', 'python-wrapper');

/** The Python Stripe layer (`python/stripe/`, stripe-python), built by `projen bundle`: see pythonStripeLayer(). */
export const PYTHON_STRIPE_ASSET_DIR = packageAsset('lambda', 'python-stripe');

const LAYER_ID = 'StripeEventBridgeWrapperLayer';

/**
 * One wrapper layer per stack, shared by every integration and handler in it; functions in nested stacks use
 * the layer of the top-level stack (a nested stack parameter) instead of publishing one of their own.
 */
export function wrapperLayer(scope: Construct): lambda.ILayerVersion {
  let stack = Stack.of(scope);
  while (stack.nestedStackParent) stack = stack.nestedStackParent;
  const existing = stack.node.tryFindChild(LAYER_ID) as lambda.ILayerVersion | undefined;
  if (existing) return existing;
  return new lambda.LayerVersion(stack, LAYER_ID, {
    code: lambda.Code.fromAsset(WRAPPER_ASSET_DIR),
    // No compatibleRuntimes: CDK would then refuse Node.js runtimes newer than this library. supportsWrapper() checks instead.
    compatibleArchitectures: [lambda.Architecture.ARM_64, lambda.Architecture.X86_64],
    description: '@babes/stripe-eventbridge handler wrapper: validation, idempotency on the Stripe event id, logs, metrics',
    license: 'Apache-2.0',
  });
}

/** The wrapper bundle is built for Node.js 22: it runs on `nodejs22.x` and later. */
export function supportsWrapper(runtime: lambda.Runtime): boolean {
  const match = /^nodejs(\d+)\.x$/.exec(runtime.name);
  return match !== null && Number(match[1]) >= 22;
}

const PYTHON_LAYER_ID = 'StripeEventBridgePythonWrapperLayer';
const PYTHON_STRIPE_LAYER_ID = 'StripeEventBridgePythonStripeLayer';

/** The layer `id` of the scope's stack, made from `assetDir` the first time it is asked for. */
function pythonStackLayer(scope: Construct, id: string, assetDir: string, description: string): lambda.ILayerVersion {
  const stack = Stack.of(scope);
  const existing = stack.node.tryFindChild(id) as lambda.ILayerVersion | undefined;
  if (existing) return existing;
  return new lambda.LayerVersion(stack, id, {
    code: lambda.Code.fromAsset(assetDir),
    // Pure Python: any architecture. No compatibleRuntimes, for the same reason as the Node.js layer; supportsPythonWrapper() checks.
    compatibleArchitectures: [lambda.Architecture.ARM_64, lambda.Architecture.X86_64],
    description,
    license: 'Apache-2.0',
  });
}

/** One Python wrapper layer per stack, shared by every Python handler in it; none in a stack without them. */
export function pythonWrapperLayer(scope: Construct): lambda.ILayerVersion {
  return pythonStackLayer(scope, PYTHON_LAYER_ID, PYTHON_WRAPPER_ASSET_DIR,
    '@babes/stripe-eventbridge Python handler wrapper: validation, Powertools idempotency on the Stripe event id, logs, metrics');
}

/**
 * One Python Stripe layer per stack (stripe-python, for `context.stripe` and `context.event_notification`), added beside
 * the wrapper layer only to the Python functions that usesStripeClient() says can use it: a snapshot-only handler
 * without a Stripe key does without its 13 MB (the Node.js wrapper's stripe-client.js is likewise loaded only on use).
 */
export function pythonStripeLayer(scope: Construct): lambda.ILayerVersion {
  return pythonStackLayer(scope, PYTHON_STRIPE_LAYER_ID, PYTHON_STRIPE_ASSET_DIR,
    '@babes/stripe-eventbridge Python handler wrapper: stripe-python, for context.stripe and thin events');
}

/**
 * Whether a wrapped function can use the Stripe SDK, from the wrapper environment its route gives it
 * (src/private/route/thin-events.ts): it receives thin events (`context.event_notification` is stripe-python's class),
 * or it has a Stripe API key secret (`context.stripe`, `put_latest`'s fetch). Local tools that build a function's
 * layers from its environment (test/support/local-stack.ts) ask the same question.
 */
export function usesStripeClient(environment: Readonly<Record<string, string>>): boolean {
  return environment[ENV_STRIPE_API_KEY_SECRET_ID] !== undefined || environment[ENV_EVENT_PAYLOADS] !== undefined;
}

/** The layers of a wrapped Python function: the wrapper's, and the Stripe SDK's when usesStripeClient(environment). */
export function pythonWrapperLayers(scope: Construct, environment: Readonly<Record<string, string>>): lambda.ILayerVersion[] {
  return usesStripeClient(environment) ? [pythonWrapperLayer(scope), pythonStripeLayer(scope)] : [pythonWrapperLayer(scope)];
}

/** The Python wrapper's pinned packages support Python 3.10 and later; the library supports the current runtimes, python3.12 and later. */
export function supportsPythonWrapper(runtime: lambda.Runtime): boolean {
  const match = /^python3\.(\d+)$/.exec(runtime.name);
  return match !== null && Number(match[1]) >= 12;
}
