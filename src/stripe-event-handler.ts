import { Duration, Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ENV_USER_HANDLER, PYTHON_WRAPPER_HANDLER, WRAPPER_HANDLER } from './contract/wrapper';
import { invalid, warn } from './private/errors';
import { HandlerBindOptions, HandlerBinding } from './private/handler/binding';
import { HandlerLanguage, missingHandlerFile } from './private/handler/handler-file';
import { environmentNames, guardWrapperEnvironment, refusedEnvironmentMessage } from './private/handler/reserved-environment';
import { stackSafeCode } from './private/handler/stack-safe-code';
import { pythonWrapperLayers, supportsPythonWrapper, supportsWrapper, wrapperLayer } from './private/handler/wrapper-layer';
import { createLoggedFunction } from './private/logged-function';
import { StripeFunctionOptions, StripeHandlerCodeOptions, StripePythonFunctionOptions } from './stripe-function-options';

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

  /**
   * The Secrets Manager secret holding the Stripe API key this handler's `context.stripe` uses, instead of the
   * integration's `stripeApiKeySecret`.
   *
   * @default - the integration's (or route's) `stripeApiKeySecret`
   */
  readonly stripeApiKeySecret?: secretsmanager.ISecret;
}

/**
 * The business logic for one or more Stripe event types. Use the same object under several event types
 * in `handlers` to get one function and one rule for all of them.
 */
export abstract class StripeEventHandler {
  /**
   * A Node.js function the integration builds from your code, wrapped with validation, idempotency on the
   * Stripe event id, structured logs and metrics.
   */
  public static fromCode(options: StripeFunctionOptions): StripeEventHandler {
    validateCodeOptions(options, "'<file>.<export>', for example 'index.handler'", 'nodejs');
    if (options.runtime && options.runtime.family !== lambda.RuntimeFamily.NODEJS) {
      const hint = options.runtime.family === lambda.RuntimeFamily.PYTHON ? '; for a Python handler use StripeEventHandler.fromPythonCode()' : '';
      invalid(undefined, `runtime: ${options.runtime.name} is not a Node.js runtime; the wrapper runs on Node.js (nodejs22.x or later)${hint}.`);
    }
    if (options.runtime && !supportsWrapper(options.runtime)) {
      invalid(undefined, `runtime: ${options.runtime.name} is too old; the wrapper needs nodejs22.x or later.`);
    }
    return new CodeHandler(options, options.runtime ?? lambda.Runtime.NODEJS_24_X);
  }

  /**
   * A Python function the integration builds from your code, wrapped like a Node.js one: the same
   * validation, idempotency on the Stripe event id (Powertools for AWS Lambda (Python), on the same table),
   * structured logs and metrics. Your handler is `<module>.<function>`, e.g. `orders.handler`, and receives
   * the unchanged EventBridge event as a dict.
   */
  public static fromPythonCode(options: StripePythonFunctionOptions): StripeEventHandler {
    validateCodeOptions(options, "'<module>.<function>', for example 'orders.handler'", 'python');
    if (options.runtime && options.runtime.family !== lambda.RuntimeFamily.PYTHON) {
      invalid(undefined, `runtime: ${options.runtime.name} is not a Python runtime; fromPythonCode() builds Python functions (python3.12 or later).`);
    }
    if (options.runtime && !supportsPythonWrapper(options.runtime)) {
      invalid(undefined, `runtime: ${options.runtime.name} is too old; the Python wrapper needs python3.12 or later.`);
    }
    return new CodeHandler(options, options.runtime ?? lambda.Runtime.PYTHON_3_13);
  }

  /**
   * A function you created. If it is a `lambda.Function` in this app with a Node.js or Python runtime and a
   * zip package, the integration wraps it exactly like `fromCode` or `fromPythonCode` (it adds the wrapper
   * layer and moves your handler string to `STRIPE_EB_USER_HANDLER`). Otherwise (an imported function, a container image,
   * another runtime) the integration routes events to it and grants it the idempotency table, and warns
   * that your code must handle duplicates itself.
   *
   * @param fn the function that receives the events.
   */
  public static fromFunction(fn: lambda.IFunction, options: StripeExistingFunctionOptions = {}): StripeEventHandler {
    validateName(options.name);
    return new FunctionHandler(fn, options.name, options.stripeApiKeySecret);
  }

  /**
   * The name given in the options, if any.
   * @internal
   */
  public abstract readonly _name?: string;

  /**
   * The Stripe key secret given in the options, if any.
   * @internal
   */
  public abstract readonly _stripeApiKeySecret?: secretsmanager.ISecret;

  /**
   * Creates or wraps the handler's function under `scope` (its route).
   * @internal
   */
  public abstract _bind(scope: Construct, options: HandlerBindOptions): HandlerBinding;
}

/** A function built from the user's code, with its own role and log group, wrapped from the start. */
class CodeHandler extends StripeEventHandler {
  public readonly _name?: string;
  public readonly _stripeApiKeySecret?: secretsmanager.ISecret;

  constructor(private readonly options: StripeHandlerCodeOptions, private readonly runtime: lambda.Runtime) {
    super();
    this._name = options.name;
    this._stripeApiKeySecret = options.stripeApiKeySecret;
  }

  public _bind(scope: Construct, bind: HandlerBindOptions): HandlerBinding {
    const options = this.options;
    const userEnv = options.environment ?? {};
    const where = `handlers.${bind.name}.environment`;
    const refused = refusedEnvironmentMessage(where, Object.keys(userEnv));
    if (refused !== undefined) invalid(scope, refused);
    const own = { [ENV_USER_HANDLER]: options.handler, ...bind.wrapperEnvironment };
    const python = this.runtime.family === lambda.RuntimeFamily.PYTHON;
    const { function: fn, logGroup } = createLoggedFunction(scope, {
      ids: { logGroup: 'LogGroup', role: 'ServiceRole', function: 'Function' },
      logRetention: bind.logRetention,
      roleDescription: `Stripe event handler ${bind.name}`,
      code: stackSafeCode(options.code),
      handler: python ? PYTHON_WRAPPER_HANDLER : WRAPPER_HANDLER,
      runtime: this.runtime,
      architecture: options.architecture ?? lambda.Architecture.ARM_64,
      memorySize: options.memorySize ?? 512,
      timeout: options.timeout ?? Duration.seconds(30),
      layers: [...(python ? pythonWrapperLayers(scope, own) : [wrapperLayer(scope)]), ...(options.layers ?? [])],
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
  constructor(
    private readonly fn: lambda.IFunction,
    public readonly _name: string | undefined,
    public readonly _stripeApiKeySecret: secretsmanager.ISecret | undefined,
  ) {
    super();
  }

  public _bind(scope: Construct, bind: HandlerBindOptions): HandlerBinding {
    const fn = this.fn;
    const why = whyNotWrappable(scope, fn, bind.name);
    if (why !== undefined) {
      warn(
        scope,
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
      const python = wrapped.runtime.family === lambda.RuntimeFamily.PYTHON;
      wrapped.addLayers(...(python ? pythonWrapperLayers(wrapped, own) : [wrapperLayer(wrapped)]));
      for (const [key, value] of Object.entries(own)) wrapped.addEnvironment(key, value);
      cfn.handler = python ? PYTHON_WRAPPER_HANDLER : WRAPPER_HANDLER;
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
  if (fn.runtime.family === lambda.RuntimeFamily.PYTHON) {
    if (!supportsPythonWrapper(fn.runtime)) {
      invalid(scope, `handlers.${name}: ${fn.node.path} runs ${fn.runtime.name}; the Python wrapper needs python3.12 or later. Upgrade the function's runtime.`);
    }
  } else if (fn.runtime.family !== lambda.RuntimeFamily.NODEJS) {
    return `runs ${fn.runtime.name}, and the wrapper runs on Node.js and Python`;
  } else if (!supportsWrapper(fn.runtime)) {
    invalid(scope, `handlers.${name}: ${fn.node.path} runs ${fn.runtime.name}; the wrapper needs nodejs22.x or later. Upgrade the function's runtime.`);
  }
  if (cfn.handler === WRAPPER_HANDLER || cfn.handler === PYTHON_WRAPPER_HANDLER) {
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

/** Checks what fromCode and fromPythonCode share; `expected` describes a handler string of the language. */
function validateCodeOptions(options: StripeHandlerCodeOptions, expected: string, language: HandlerLanguage): void {
  validateName(options.name);
  if (!Token.isUnresolved(options.handler) && !/^[^\s]*[^./\s][^/\s]*\.[^.\s]+.*$/.test(options.handler)) {
    invalid(undefined, `handler: '${options.handler}' is not a Lambda handler string; expected ${expected}.`);
  }
  const missing = missingHandlerFile(options.code, options.handler, language, (options.layers ?? []).length > 0);
  if (missing !== undefined) invalid(undefined, missing);
  if (options.memorySize !== undefined && !Token.isUnresolved(options.memorySize) && (options.memorySize < 128 || options.memorySize > 10240)) {
    invalid(undefined, `memorySize: ${options.memorySize} MB is outside Lambda's range of 128 to 10240 MB.`);
  }
  if (options.timeout !== undefined && !options.timeout.isUnresolved() && (options.timeout.toSeconds() < 1 || options.timeout.toSeconds() > 900)) {
    invalid(undefined, `timeout: ${options.timeout.toHumanString()} is outside Lambda's range of 1 second to 15 minutes.`);
  }
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
