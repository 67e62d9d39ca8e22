import { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { packageAsset } from '../../package/package-assets';

/** The pre-bundled wrapper (`stripe-eventbridge/wrapper.js`), shipped in the package's `assets/`. */
export const WRAPPER_ASSET_DIR = packageAsset('lambda', 'wrapper', 'handler');

/** The Python wrapper layer (`python/stripe_eventbridge/` and Powertools for AWS Lambda (Python)), built by `projen bundle`. */
export const PYTHON_WRAPPER_ASSET_DIR = packageAsset('lambda', 'python-wrapper');

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

/** One Python wrapper layer per stack, shared by every Python handler in it; none in a stack without them. */
export function pythonWrapperLayer(scope: Construct): lambda.ILayerVersion {
  const stack = Stack.of(scope);
  const existing = stack.node.tryFindChild(PYTHON_LAYER_ID) as lambda.ILayerVersion | undefined;
  if (existing) return existing;
  return new lambda.LayerVersion(stack, PYTHON_LAYER_ID, {
    code: lambda.Code.fromAsset(PYTHON_WRAPPER_ASSET_DIR),
    // Pure Python: any architecture. No compatibleRuntimes, for the same reason as the Node.js layer; supportsPythonWrapper() checks.
    compatibleArchitectures: [lambda.Architecture.ARM_64, lambda.Architecture.X86_64],
    description: '@babes/stripe-eventbridge Python handler wrapper: validation, Powertools idempotency on the Stripe event id, logs, metrics',
    license: 'Apache-2.0',
  });
}

/** The Python wrapper's pinned packages support Python 3.10 and later; the library supports the current runtimes, python3.12 and later. */
export function supportsPythonWrapper(runtime: lambda.Runtime): boolean {
  const match = /^python3\.(\d+)$/.exec(runtime.name);
  return match !== null && Number(match[1]) >= 12;
}
