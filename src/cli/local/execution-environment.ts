/**
 * One local stand-in for a Lambda execution environment: a child process that loads the function's handler once
 * (the init phase) and then serves one invocation at a time. The runtime-specific part (how the process is started
 * and how messages reach it) is in node-sandbox.ts and python-sandbox.ts; the protocol is in protocol.ts.
 */
import { ChildMessage, ParentMessage, SerializedError } from './protocol';

export type Outcome = { ok: boolean; result?: unknown; error?: SerializedError };

export abstract class ExecutionEnvironment {
  public busy = false;
  public initMs?: number;
  private exited = false;
  private readonly ready: Promise<void>;
  private readyCallbacks?: { resolve: () => void; reject: (err: Error) => void };
  private pending?: { id: number; logs: string[]; resolve: (r: Outcome) => void; timer: NodeJS.Timeout };
  private partialLine = '';

  constructor(protected readonly functionName: string) {
    this.ready = new Promise((resolve, reject) => (this.readyCallbacks = { resolve, reject }));
    // A failed init is reported by start(); nobody else needs to hear about it.
    this.ready.catch(() => undefined);
  }

  get alive(): boolean {
    return !this.exited;
  }

  async start(): Promise<void> {
    await this.ready;
  }

  /** Invokes the handler with `event`, or with `payload` (the event as JSON text) when given. */
  async invoke(id: number, requestId: string, event: unknown, timeoutMs: number, payload?: string): Promise<Outcome & { logs: string[] }> {
    const logs: string[] = [];
    const outcome = await new Promise<Outcome>((resolve) => {
      const timer = setTimeout(() => {
        // Lambda stops the environment at the deadline: nothing the handler had in flight carries on.
        this.settle({ ok: false, error: { name: 'Sandbox.Timedout', message: `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds` } });
        this.kill();
      }, timeoutMs);
      this.pending = { id, logs, resolve, timer };
      this.post({ type: 'invoke', id, event: payload === undefined ? event : null, payload, requestId, timeoutMs }, (err) => this.settle({ ok: false, error: { name: 'Runtime.ExitError', message: err.message } }));
    });
    return { ...outcome, logs };
  }

  stop(): void {
    if (!this.exited) this.kill();
  }

  /** Sends a message to the process; `onError` is called if it cannot be delivered. */
  protected abstract post(message: ParentMessage, onError: (err: Error) => void): void;

  /** Ends the process at once. */
  protected abstract kill(): void;

  /** To be called with every message the process sends. */
  protected received(message: ChildMessage): void {
    if (message.type === 'ready') {
      this.initMs = message.initMs;
      this.readyCallbacks?.resolve();
    } else if (message.type === 'init_error') {
      this.readyCallbacks?.reject(Object.assign(new Error(`${message.error.name}: ${message.error.message}`), { name: 'Runtime.ImportModuleError' }));
    } else if (message.type === 'log') {
      this.collect(message.text);
    } else if (message.type === 'result' && this.pending?.id === message.id) {
      if (message.output !== undefined) this.collect(message.output);
      this.settle(message.ok ? { ok: true, result: message.result } : { ok: false, error: message.error });
    }
  }

  /** To be called when the process has exited. */
  protected exitedWith(code: number | null, signal: NodeJS.Signals | null): void {
    this.exited = true;
    this.readyCallbacks?.reject(new Error(`sandbox for ${this.functionName} exited during init (code ${code}, signal ${signal})`));
    this.settle({ ok: false, error: { name: 'Runtime.ExitError', message: `the environment exited (code ${code}, signal ${signal})` } });
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
