/**
 * Runs a Lambda function's real code locally, as Lambda would: each execution environment is a separate
 * Node.js process (the sandbox) that loads the handler once and serves one invocation at a time;
 * concurrent invocations get more environments; an invocation that outlives the function's timeout is
 * reported as `Sandbox.Timedout` and its environment is destroyed. Used by the tests, the benchmark and
 * the local replay; no AWS account involved.
 */
import { ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { ChildMessage, SerializedError } from './protocol';
import { packageAsset } from '../../private/package-assets';

export interface LocalFunctionSpec {
  /** Function name, also used as `AWS_LAMBDA_FUNCTION_NAME`. */
  readonly name: string;
  /** Directory holding the function's code (what Lambda extracts to `/var/task`). */
  readonly taskRoot: string;
  /** The function's handler string, e.g. `index.handler` or `/opt/stripe-eventbridge/wrapper.handler`. */
  readonly handler: string;
  /** Directories standing in for the function's layers, merged into `/opt` in order. */
  readonly layers?: readonly string[];
  /** The function's environment variables. */
  readonly environment?: Record<string, string>;
  /** @default 30 */
  readonly timeoutSeconds?: number;
  /** @default 128 */
  readonly memoryMb?: number;
}

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

const SANDBOX_ENTRY = packageAsset('cli', 'local', 'lambda-sandbox', 'index.js');

/** Where the parent finds the AWS SDK: given to the sandbox as NODE_PATH, as the Lambda runtime provides it. */
function sdkNodePath(): string {
  const entry = require.resolve('@aws-sdk/client-dynamodb');
  return entry.slice(0, entry.lastIndexOf(`${path.sep}node_modules${path.sep}`) + '/node_modules'.length);
}

type Outcome = { ok: boolean; result?: unknown; error?: SerializedError };

class Sandbox {
  public busy = false;
  public initMs?: number;
  private readonly child: ChildProcess;
  private readonly ready: Promise<void>;
  private pending?: { id: number; logs: string[]; resolve: (r: Outcome) => void; timer: NodeJS.Timeout };
  private partialLine = '';
  private exited = false;

  constructor(spec: LocalFunctionSpec) {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      NODE_PATH: sdkNodePath(),
      TZ: ':UTC',
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_LAMBDA_FUNCTION_NAME: spec.name,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMb ?? 128),
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs_local',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      LAMBDA_TASK_ROOT: spec.taskRoot,
      _HANDLER: spec.handler,
      STRIPE_EB_LOCAL_LAYERS: JSON.stringify(spec.layers ?? []),
      ...spec.environment,
    };
    // A clean Node.js, as in Lambda: not the parent's flags (e.g. ts-node's loader when run from a script).
    this.child = fork(SANDBOX_ENTRY, [], {
      cwd: spec.taskRoot,
      env,
      execArgv: [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    this.ready = new Promise((resolve, reject) => {
      this.child.on('message', (message: ChildMessage) => {
        if (message.type === 'ready') {
          this.initMs = message.initMs;
          resolve();
        } else if (message.type === 'init_error') {
          reject(Object.assign(new Error(`${message.error.name}: ${message.error.message}`), { name: 'Runtime.ImportModuleError' }));
        } else if (message.type === 'log') {
          this.collect(message.text);
        } else if (message.type === 'result' && this.pending?.id === message.id) {
          this.settle(message.ok ? { ok: true, result: message.result } : { ok: false, error: message.error });
        }
      });
      this.child.on('exit', (code, signal) => {
        this.exited = true;
        reject(new Error(`sandbox for ${spec.name} exited during init (code ${code}, signal ${signal})`));
        this.settle({ ok: false, error: { name: 'Runtime.ExitError', message: `the environment exited (code ${code}, signal ${signal})` } });
      });
    });
  }

  get alive(): boolean {
    return !this.exited;
  }

  async start(): Promise<void> {
    await this.ready;
  }

  async invoke(
    id: number,
    event: unknown,
    timeoutMs: number,
    payload?: string,
  ): Promise<{ ok: boolean; result?: unknown; error?: SerializedError; logs: string[] }> {
    const logs: string[] = [];
    const outcome = await new Promise<Outcome>((resolve) => {
      const timer = setTimeout(() => {
        // Lambda stops the environment at the deadline: nothing the handler had in flight carries on.
        this.settle({ ok: false, error: { name: 'Sandbox.Timedout', message: `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds` } });
        this.child.kill('SIGKILL');
      }, timeoutMs);
      this.pending = { id, logs, resolve, timer };
      this.child.send({ type: 'invoke', id, event: payload === undefined ? event : null, payload, requestId: randomUUID(), timeoutMs }, (err) => {
        if (err) this.settle({ ok: false, error: { name: 'Runtime.ExitError', message: err.message } });
      });
    });
    return { ...outcome, logs };
  }

  /** Ends the pending invocation (once) with the given outcome. */
  private settle(outcome: Outcome): void {
    const pending = this.pending;
    if (!pending) return;
    this.flushPartial();
    this.pending = undefined;
    clearTimeout(pending.timer);
    pending.resolve(outcome);
  }

  stop(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }

  private collect(text: string): void {
    const lines = (this.partialLine + text).split('\n');
    this.partialLine = lines.pop() ?? '';
    for (const line of lines) this.pending?.logs.push(line);
  }

  private flushPartial(): void {
    if (this.partialLine) this.pending?.logs.push(this.partialLine);
    this.partialLine = '';
  }
}

/** A function whose real code runs in local execution environments. Call `close()` when done. */
export class LocalLambdaFunction {
  private readonly sandboxes: Sandbox[] = [];
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
    let sandbox = this.sandboxes.find((s) => !s.busy && s.alive);
    let initMs: number | undefined;
    if (!sandbox) {
      sandbox = new Sandbox(this.spec);
      this.sandboxes.push(sandbox);
      sandbox.busy = true;
      try {
        await sandbox.start();
      } catch (err) {
        this.remove(sandbox);
        return { ok: false, error: { name: (err as Error).name, message: (err as Error).message }, logs: [], durationMs: Date.now() - started };
      }
      initMs = sandbox.initMs;
    }
    sandbox.busy = true;
    try {
      const invokeStarted = Date.now();
      const outcome = await sandbox.invoke(this.nextId++, event, timeoutMs, payload);
      if (!sandbox.alive || outcome.error?.name === 'Sandbox.Timedout') this.remove(sandbox);
      return { ...outcome, durationMs: Date.now() - invokeStarted, initMs };
    } finally {
      sandbox.busy = false;
    }
  }

  /**
   * Kills the execution environments that are running an invocation, as a crash or an out-of-memory kill
   * would: their invocations end with `Runtime.ExitError`. Returns how many were killed.
   */
  killRunning(): number {
    const running = this.sandboxes.filter((s) => s.busy && s.alive);
    running.forEach((s) => s.stop());
    return running.length;
  }

  /** Stops every execution environment. */
  close(): void {
    for (const sandbox of this.sandboxes.splice(0)) sandbox.stop();
  }

  private remove(sandbox: Sandbox): void {
    sandbox.stop();
    const index = this.sandboxes.indexOf(sandbox);
    if (index >= 0) this.sandboxes.splice(index, 1);
  }
}
