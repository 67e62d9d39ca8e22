import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';

/**
 * How to build a handler function from your code, in any language the wrapper supports.
 */
export interface StripeHandlerCodeOptions {
  /**
   * Your handler's code, e.g. `lambda.Code.fromAsset('dist/handlers')`. It contains only business logic:
   * the wrapper (validation, idempotency, logging, metrics) comes from a layer the integration adds.
   */
  readonly code: lambda.Code;

  /**
   * Your handler, as Lambda names it: `<file>.<export>` for Node.js (e.g. `index.handler`), `<module>.<function>`
   * for Python (e.g. `orders.handler`). It receives the unchanged EventBridge event (`detail` is the Stripe event)
   * and what it returns is stored as the event's result.
   */
  readonly handler: string;

  /**
   * The handler's name: the construct ids of its function and rule, its idempotency key prefix and its
   * metrics dimension. Keep it stable: changing it replaces the function and starts a new idempotency
   * key space.
   *
   * @default - derived from the first event type (alphabetically) it handles, e.g. `CheckoutSessionCompleted`
   */
  readonly name?: string;

  /**
   * The instruction set architecture.
   *
   * @default lambda.Architecture.ARM_64
   */
  readonly architecture?: lambda.Architecture;

  /**
   * Memory, in MB.
   *
   * @default 512
   */
  readonly memorySize?: number;

  /**
   * How long one invocation may run. An invocation cut off by the timeout leaves an in-progress record
   * that expires at the deadline, after which Lambda's retry processes the event.
   *
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;

  /**
   * Environment variables for your code.
   *
   * @default - none besides the wrapper's own
   */
  readonly environment?: { [key: string]: string };

  /**
   * Extra layers, e.g. your shared dependencies. The wrapper's layer is added for you, first; a Python function that
   * receives thin events or has a Stripe API key secret also gets the Stripe SDK's layer (stripe-python), second.
   * Lambda takes at most five layers a function.
   *
   * @default - only the wrapper's layers
   */
  readonly layers?: lambda.ILayerVersion[];

  /**
   * Reserved concurrency for the function.
   *
   * @default - no reservation
   */
  readonly reservedConcurrentExecutions?: number;

  /**
   * The Secrets Manager secret holding the Stripe API key this handler's `context.stripe` uses, instead of the
   * integration's `stripeApiKeySecret` (for a key with other permissions).
   *
   * @default - the integration's (or route's) `stripeApiKeySecret`
   */
  readonly stripeApiKeySecret?: secretsmanager.ISecret;

  /**
   * A description of the function.
   *
   * @default - "Handles Stripe ... events", naming the event types it handles
   */
  readonly description?: string;
}

/**
 * How to build a Node.js handler function from your code.
 */
export interface StripeFunctionOptions extends StripeHandlerCodeOptions {
  /**
   * The Node.js runtime (nodejs22.x or later).
   *
   * @default lambda.Runtime.NODEJS_24_X
   */
  readonly runtime?: lambda.Runtime;
}

/**
 * How to build a Python handler function from your code.
 */
export interface StripePythonFunctionOptions extends StripeHandlerCodeOptions {
  /**
   * The Python runtime (python3.12 or later).
   *
   * @default lambda.Runtime.PYTHON_3_13
   */
  readonly runtime?: lambda.Runtime;
}
