/**
 * Runs a Lambda function's real code locally, as Lambda would: each execution environment is a separate process
 * (a Node.js sandbox, or a Python one for a Python runtime) that loads the handler once and serves one invocation
 * at a time; concurrent invocations get more environments; an invocation that outlives the function's timeout is
 * reported as `Sandbox.Timedout` and its environment is destroyed. Used by the tests, the benchmark and the local
 * replay; no AWS account involved.
 */
import { randomUUID } from 'node:crypto';
import { ExecutionEnvironment } from './execution-environment';
import type { LocalFunctionSpec } from './function-spec';
import { NodeSandbox } from './node-sandbox';
import { SerializedError } from './protocol';
import { PythonSandbox } from './python-sandbox';

export type { LocalFunctionSpec } from './function-spec';

export interface InvocationResult {
  readonly ok: boolean;
  readonly result?: unknown;
  readonly error?: SerializedError;
  /** Everything the function wrote during the invocation, one entry per line. */
  readonly logs: string[];
  readonly durationMs: number;
  /** Set on a cold start: how long the environment took to load the handler. */
  readonly initMs?: number;
}

export interface InvokeOptions {
  /** Overrides the function's timeout for this invocation (the context's deadline follows it). */
  readonly timeoutMs?: number;
}

/** Whether a Lambda runtime name is one of the Python runtimes. */
export function isPythonRuntime(runtime: string | undefined): boolean {
  return runtime !== undefined && /^python\d/.test(runtime);
}

function startEnvironment(spec: LocalFunctionSpec): ExecutionEnvironment {
  const base: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    TZ: ':UTC',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_LAMBDA_FUNCTION_NAME: spec.name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMb ?? 128),
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    LAMBDA_TASK_ROOT: spec.taskRoot,
    _HANDLER: spec.handler,
    STRIPE_EB_LOCAL_LAYERS: JSON.stringify(spec.layers ?? []),
  };
  return isPythonRuntime(spec.runtime) ? new PythonSandbox(spec, base) : new NodeSandbox(spec, base);
}

/** A function whose real code runs in local execution environments. Call `close()` when done. */
export class LocalLambdaFunction {
  private readonly environments: ExecutionEnvironment[] = [];
  private nextId = 1;

  constructor(public readonly spec: LocalFunctionSpec) {}

  /** Invokes the function once (like an asynchronous invoke's single attempt) and waits for the outcome. */
  async invoke(event: unknown, options: InvokeOptions = {}): Promise<InvocationResult> {
    return this.run(event, undefined, options);
  }

  /**
   * Invokes the function with an event given as JSON text, which the execution environment parses as the
   * Lambda runtime parses an invoke payload (for events too deep for the IPC channel to carry as objects).
   */
  async invokeJson(payload: string, options: InvokeOptions = {}): Promise<InvocationResult> {
    return this.run(undefined, payload, options);
  }

  private async run(event: unknown, payload: string | undefined, options: InvokeOptions): Promise<InvocationResult> {
    const timeoutMs = options.timeoutMs ?? (this.spec.timeoutSeconds ?? 30) * 1000;
    const started = Date.now();
    let environment = this.environments.find((s) => !s.busy && s.alive);
    let initMs: number | undefined;
    if (!environment) {
      environment = startEnvironment(this.spec);
      this.environments.push(environment);
      environment.busy = true;
      try {
        await environment.start();
      } catch (err) {
        this.remove(environment);
        return { ok: false, error: { name: (err as Error).name, message: (err as Error).message }, logs: [], durationMs: Date.now() - started };
      }
      initMs = environment.initMs;
    }
    environment.busy = true;
    try {
      const invokeStarted = Date.now();
      const outcome = await environment.invoke(this.nextId++, randomUUID(), event, timeoutMs, payload);
      if (!environment.alive || outcome.error?.name === 'Sandbox.Timedout') this.remove(environment);
      return { ...outcome, durationMs: Date.now() - invokeStarted, initMs };
    } finally {
      environment.busy = false;
    }
  }

  /**
   * Kills the execution environments that are running an invocation, as a crash or an out-of-memory kill
   * would: their invocations end with `Runtime.ExitError`. Returns how many were killed.
   */
  killRunning(): number {
    const running = this.environments.filter((s) => s.busy && s.alive);
    running.forEach((s) => s.stop());
    return running.length;
  }

  /** Stops every execution environment. */
  close(): void {
    for (const environment of this.environments.splice(0)) environment.stop();
  }

  private remove(environment: ExecutionEnvironment): void {
    environment.stop();
    const index = this.environments.indexOf(environment);
    if (index >= 0) this.environments.splice(index, 1);
  }
}
