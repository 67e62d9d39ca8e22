/**
 * One `lambda.Code` object shared by handlers in different stacks. An asset code binds to the stack of the
 * first function that uses it and refuses any other ("Asset is already associated with another stack"), yet
 * apps share one `Code.fromAsset(...)` between handlers, and an integration may put their routes in nested
 * stacks. The asset is registered once (nested stacks' assets belong to their top-level stack), so later
 * stacks use the code configuration of the first bind: the same bucket and key.
 */
import { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';

const firstBind = new WeakMap<lambda.Code, { readonly stack: Stack; readonly config: lambda.CodeConfig }>();

class StackSafeCode extends lambda.Code {
  constructor(private readonly inner: lambda.Code) {
    super();
  }

  public bind(scope: Construct): lambda.CodeConfig {
    const prior = firstBind.get(this.inner);
    if (prior && prior.stack !== Stack.of(scope)) return prior.config;
    const config = this.inner.bind(scope);
    if (!prior) firstBind.set(this.inner, { stack: Stack.of(scope), config });
    return config;
  }

  public bindToResource(resource: import('aws-cdk-lib').CfnResource, options?: lambda.ResourceBindOptions): void {
    this.inner.bindToResource(resource, options);
  }
}

export function stackSafeCode(code: lambda.Code): lambda.Code {
  return new StackSafeCode(code);
}
