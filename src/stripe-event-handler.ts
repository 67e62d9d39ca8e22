import { Duration, Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { HandlerSource } from './private/handler-source';

/**
 * How to build a handler function from your code.
 */
export interface StripeFunctionOptions {
  /**
   * Your handler's code, e.g. `lambda.Code.fromAsset('dist/handlers')`. It contains only business logic:
   * the wrapper (validation, idempotency, logging, metrics) comes from a layer the integration adds.
   */
  readonly code: lambda.Code;

  /**
   * Your handler, as Lambda names it: `<file>.<export>`, e.g. `index.handler`. It receives the unchanged
   * EventBridge event (`detail` is the Stripe event) and what it returns is stored as the event's result.
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
   * The Node.js runtime.
   *
   * @default lambda.Runtime.NODEJS_24_X
   */
  readonly runtime?: lambda.Runtime;

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
   * Extra layers, e.g. your shared dependencies. The wrapper's layer is added for you.
   *
   * @default - only the wrapper layer
   */
  readonly layers?: lambda.ILayerVersion[];

  /**
   * Reserved concurrency for the function.
   *
   * @default - no reservation
   */
  readonly reservedConcurrentExecutions?: number;

  /**
   * A description of the function.
   *
   * @default - "Handles Stripe ... events", naming the event types it handles
   */
  readonly description?: string;
}

/**
 * Options for a function you created yourself.
 */
export interface StripeExistingFunctionOptions {
  /**
   * The handler's name (construct ids of its rule, idempotency key prefix, metrics dimension).
   *
   * @default - derived from the first event type (alphabetically) it handles
   */
  readonly name?: string;
}

/**
 * The business logic for one or more Stripe event types. Use the same object under several event types
 * in `handlers` to get one function and one rule for all of them.
 */
export class StripeEventHandler {
  /**
   * A function the integration builds from your code, wrapped with validation, idempotency on the
   * Stripe event id, structured logs and metrics.
   */
  public static fromCode(options: StripeFunctionOptions): StripeEventHandler {
    validateName(options.name);
    if (!Token.isUnresolved(options.handler) && !/^[^\s]*[^./\s][^/\s]*\.[^.\s]+.*$/.test(options.handler)) {
      throw new Error(
        `handler: '${options.handler}' is not a Lambda handler string; expected '<file>.<export>', for example 'index.handler'.`,
      );
    }
    if (options.memorySize !== undefined && !Token.isUnresolved(options.memorySize) && (options.memorySize < 128 || options.memorySize > 10240)) {
      throw new Error(`memorySize: ${options.memorySize} MB is outside Lambda's range of 128 to 10240 MB.`);
    }
    if (options.timeout !== undefined && !options.timeout.isUnresolved() && (options.timeout.toSeconds() < 1 || options.timeout.toSeconds() > 900)) {
      throw new Error(`timeout: ${options.timeout.toHumanString()} is outside Lambda's range of 1 second to 15 minutes.`);
    }
    if (options.runtime && options.runtime.family !== lambda.RuntimeFamily.NODEJS) {
      throw new Error(`runtime: ${options.runtime.name} is not a Node.js runtime; the wrapper runs on Node.js (nodejs22.x or later).`);
    }
    return new StripeEventHandler({ kind: 'code', options }, options.name);
  }

  /**
   * A function you created. If it is a `lambda.Function` in this app with a Node.js runtime and a zip
   * package, the integration wraps it exactly like `fromCode` (it adds the wrapper layer and moves your
   * handler string to `STRIPE_EB_USER_HANDLER`). Otherwise (an imported function, a container image,
   * another runtime) the integration routes events to it and grants it the idempotency table, and warns
   * that your code must handle duplicates itself.
   *
   * @param fn the function that receives the events.
   */
  public static fromFunction(fn: lambda.IFunction, options: StripeExistingFunctionOptions = {}): StripeEventHandler {
    validateName(options.name);
    return new StripeEventHandler({ kind: 'function', fn }, options.name);
  }

  /** @internal */
  public readonly _source: HandlerSource;
  /** @internal */
  public readonly _name?: string;

  private constructor(source: HandlerSource, name: string | undefined) {
    this._source = source;
    this._name = name;
  }
}

/** Names become construct ids, idempotency key prefixes and metric dimensions. */
const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

function validateName(name: string | undefined): void {
  if (name !== undefined && !NAME.test(name)) {
    throw new Error(
      `name: '${name}' is not a valid handler name; use 1 to 64 letters, digits, '-' or '_', starting with a letter (e.g. 'CheckoutCompleted').`,
    );
  }
}
