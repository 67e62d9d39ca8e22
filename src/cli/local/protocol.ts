/** Messages between a LocalLambdaFunction (parent) and a sandbox process (child), over Node IPC. */

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

export type ParentMessage = {
  readonly type: 'invoke';
  readonly id: number;
  readonly event: unknown;
  /**
   * The event as JSON text, parsed in the sandbox as the Lambda runtime parses the invoke payload: for
   * events that the IPC channel's structured clone cannot carry (nested thousands of levels deep).
   */
  readonly payload?: string;
  readonly requestId: string;
  /**
   * Milliseconds until the invocation times out, from when it was sent: `getRemainingTimeInMillis` counts
   * down from it on a monotonic clock, so it stays right in a sandbox whose wall clock is shifted.
   */
  readonly timeoutMs: number;
};

export type ChildMessage =
  | { readonly type: 'ready'; readonly initMs: number }
  | { readonly type: 'init_error'; readonly error: SerializedError }
  | { readonly type: 'log'; readonly id: number | undefined; readonly text: string }
  // `output`: what the invocation wrote that no `log` message carried (a Node.js sandbox sends it with the result).
  | { readonly type: 'result'; readonly id: number; readonly ok: true; readonly result: unknown; readonly output?: string }
  | { readonly type: 'result'; readonly id: number; readonly ok: false; readonly error: SerializedError; readonly output?: string };

export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) {
    return { name: err.name, message: err.message, stack: err.stack };
  }
  return { name: typeof err, message: String(err) };
}
