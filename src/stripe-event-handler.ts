import { Annotations, Duration, Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ENV_USER_HANDLER, WRAPPER_HANDLER } from './contract/wrapper';
import { invalid } from './private/errors';
import { HandlerBindOptions, HandlerBinding } from './private/handler-binding';
import { createLoggedFunction } from './private/logged-function';
import { environmentNames, guardWrapperEnvironment, refusedEnvironmentMessage } from './private/reserved-environment';
import { stackSafeCode } from './private/stack-safe-code';
import { supportsWrapper, wrapperLayer } from './private/wrapper-layer';

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
export abstract class StripeEventHandler {
  /**
   * A function the integration builds from your code, wrapped with validation, idempotency on the
   * Stripe event id, structured logs and metrics.
   */
  public static fromCode(options: StripeFunctionOptions): StripeEventHandler {
    validateName(options.name);
    if (!Token.isUnresolved(options.handler) && !/^[^\s]*[^./\s][^/\s]*\.[^.\s]+.*$/.test(options.handler)) {
      invalid(undefined, `handler: '${options.handler}' is not a Lambda handler string; expected '<file>.<export>', for example 'index.handler'.`);
    }
    if (options.memorySize !== undefined && !Token.isUnresolved(options.memorySize) && (options.memorySize < 128 || options.memorySize > 10240)) {
      invalid(undefined, `memorySize: ${options.memorySize} MB is outside Lambda's range of 128 to 10240 MB.`);
    }
    if (options.timeout !== undefined && !options.timeout.isUnresolved() && (options.timeout.toSeconds() < 1 || options.timeout.toSeconds() > 900)) {
      invalid(undefined, `timeout: ${options.timeout.toHumanString()} is outside Lambda's range of 1 second to 15 minutes.`);
    }
    if (options.runtime && options.runtime.family !== lambda.RuntimeFamily.NODEJS) {
      invalid(undefined, `runtime: ${options.runtime.name} is not a Node.js runtime; the wrapper runs on Node.js (nodejs22.x or later).`);
    }
    return new CodeHandler(options);
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
    return new FunctionHandler(fn, options.name);
  }

  /**
   * The name given in the options, if any.
   * @internal
   */
  public abstract readonly _name?: string;

  /**
   * Creates or wraps the handler's function under `scope` (its route).
   * @internal
   */
  public abstract _bind(scope: Construct, options: HandlerBindOptions): HandlerBinding;
}

/** A function built from the user's code, with its own role and log group, wrapped from the start. */
class CodeHandler extends StripeEventHandler {
  public readonly _name?: string;

  constructor(private readonly options: StripeFunctionOptions) {
    super();
    this._name = options.name;
  }

  public _bind(scope: Construct, bind: HandlerBindOptions): HandlerBinding {
    const options = this.options;
    const userEnv = options.environment ?? {};
    const where = `handlers.${bind.name}.environment`;
    const refused = refusedEnvironmentMessage(where, Object.keys(userEnv));
    if (refused !== undefined) invalid(scope, refused);
    const own = { [ENV_USER_HANDLER]: options.handler, ...bind.wrapperEnvironment };
    const { function: fn, logGroup } = createLoggedFunction(scope, {
      ids: { logGroup: 'LogGroup', role: 'ServiceRole', function: 'Function' },
      logRetention: bind.logRetention,
      roleDescription: `Stripe event handler ${bind.name}`,
      code: stackSafeCode(options.code),
      handler: WRAPPER_HANDLER,
      runtime: options.runtime ?? lambda.Runtime.NODEJS_24_X,
      architecture: options.architecture ?? lambda.Architecture.ARM_64,
      memorySize: options.memorySize ?? 512,
      timeout: options.timeout ?? Duration.seconds(30),
      layers: [wrapperLayer(scope), ...(options.layers ?? [])],
      reservedConcurrentExecutions: options.reservedConcurrentExecutions,
      description: options.description ?? `Handles Stripe ${bind.eventTypes.join(', ')} events`.slice(0, 256),
      environment: { ...userEnv, ...own },
    });
    guardWrapperEnvironment(fn, own, where);
    return { function: fn, logGroup };
  }
}

/** A function the user created: wrapped in place when it can be, otherwise routed to with a warning. */
class FunctionHandler extends StripeEventHandler {
  constructor(private readonly fn: lambda.IFunction, public readonly _name: string | undefined) {
    super();
  }

  public _bind(scope: Construct, bind: HandlerBindOptions): HandlerBinding {
    const fn = this.fn;
    const why = whyNotWrappable(scope, fn, bind.name);
    if (why !== undefined) {
      Annotations.of(scope).addWarningV2(
        '@babes/stripe-eventbridge:handlerNotWrapped',
        `Handler '${bind.name}' (${fn.node.path}) ${why}, so it is not wrapped: events are routed to it and it may use the idempotency table, ` +
          'but validation, idempotency on detail.id, logging and metrics are up to your code. Wrap it with the ' +
          `layer and handler '${WRAPPER_HANDLER}' yourself, or use StripeEventHandler.fromCode().`,
      );
    } else {
      const wrapped = fn as lambda.Function;
      const cfn = wrapped.node.defaultChild as lambda.CfnFunction;
      const where = `handlers.${bind.name}: the environment of ${wrapped.node.path}`;
      const refused = refusedEnvironmentMessage(where, environmentNames(wrapped));
      if (refused !== undefined) invalid(scope, refused);
      const own = { [ENV_USER_HANDLER]: cfn.handler!, ...bind.wrapperEnvironment };
      wrapped.addLayers(wrapperLayer(wrapped));
      for (const [key, value] of Object.entries(own)) wrapped.addEnvironment(key, value);
      cfn.handler = WRAPPER_HANDLER;
      guardWrapperEnvironment(wrapped, own, where);
    }
    return { function: fn, logGroup: logGroupOf(scope, fn) };
  }
}

/** Why a received function cannot be wrapped in place, or undefined when it can; throws when it never should be. */
function whyNotWrappable(scope: Construct, fn: lambda.IFunction, name: string): string | undefined {
  if (!(fn instanceof lambda.Function)) return 'is not a lambda.Function defined in this app';
  const cfn = fn.node.defaultChild as lambda.CfnFunction;
  if (cfn.packageType === 'Image' || cfn.handler === undefined) return 'is a container image function';
  if (fn.runtime.family !== lambda.RuntimeFamily.NODEJS) return `runs ${fn.runtime.name}, and the wrapper runs on Node.js`;
  if (!supportsWrapper(fn.runtime)) {
    invalid(scope, `handlers.${name}: ${fn.node.path} runs ${fn.runtime.name}; the wrapper needs nodejs22.x or later. Upgrade the function's runtime.`);
  }
  if (cfn.handler === WRAPPER_HANDLER) {
    invalid(scope, `handlers.${name}: ${fn.node.path} is already wrapped by another StripeEventBridgeIntegration; give each integration its own function.`);
  }
  return undefined;
}

/**
 * Where a function logs: its explicit log group, else Lambda's default `/aws/lambda/<name>`. Not
 * `Function.logGroup`, which would add a log-retention custom resource to a function without one.
 */
function logGroupOf(scope: Construct, fn: lambda.IFunction): logs.ILogGroup | undefined {
  if (!(fn instanceof lambda.Function)) return undefined;
  const config = (fn.node.defaultChild as lambda.CfnFunction).loggingConfig as lambda.CfnFunction.LoggingConfigProperty | undefined;
  return logs.LogGroup.fromLogGroupName(scope, 'LogGroupRef', config?.logGroup ?? `/aws/lambda/${fn.functionName}`);
}

/** Names become construct ids, idempotency key prefixes and metric dimensions. */
const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

function validateName(name: string | undefined): void {
  if (name !== undefined && !NAME.test(name)) {
    invalid(
      undefined,
      `name: '${name}' is not a valid handler name; use 1 to 64 letters, digits, '-' or '_', starting with a letter (e.g. 'CheckoutCompleted').`,
    );
  }
}
