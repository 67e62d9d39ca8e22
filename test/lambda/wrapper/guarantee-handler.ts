/**
 * The sample handler test/fixtures/handlers/guarantee.{js,py} behind the real Node.js or Python wrapper, with the
 * requests of the wrapper going through the stack's counting proxy: the guarantee, record-contract and previous key
 * scope tests run the same handler in either runtime.
 */
import { LocalLambdaFunction } from '../../../src/cli/local/local-lambda';
import { LocalStack, PYTHON_RUNTIME } from '../../support/local-stack';

export type Runtime = 'node' | 'python';

export interface GuaranteeHandlerOptions {
  /** SAMPLE_MODE of guarantee.{js,py}. @default 'plain' */
  readonly mode?: string;
  readonly environment?: Record<string, string>;
  readonly recordLifetimeSeconds?: number;
}

export function guaranteeHandler(stack: LocalStack, runtime: Runtime, keyPrefix: string, options: GuaranteeHandlerOptions = {}): LocalLambdaFunction {
  return stack.wrapped({
    runtime: runtime === 'python' ? PYTHON_RUNTIME : undefined,
    handlerName: 'Orders',
    keyPrefix,
    userHandler: 'guarantee.handler',
    dynamoDbEndpoint: stack.proxy.endpoint,
    recordLifetimeSeconds: options.recordLifetimeSeconds,
    environment: { SAMPLE_MODE: options.mode ?? 'plain', ...options.environment },
  });
}

/** The requests the wrapper sent since the proxy's last reset, `Operation status [error]`. */
export function wrapperCalls(stack: LocalStack): string[] {
  return stack.proxy.requests.map((r) => `${r.operation} ${r.status}${r.errorType ? ' ' + r.errorType : ''}`);
}
