/** What a local Lambda function is made of: its code, handler, layers, runtime and environment. */
export interface LocalFunctionSpec {
  /** Function name, also used as `AWS_LAMBDA_FUNCTION_NAME`. */
  readonly name: string;
  /** Directory holding the function's code (what Lambda extracts to `/var/task`). */
  readonly taskRoot: string;
  /** The function's handler string, e.g. `index.handler` or `/opt/stripe-eventbridge/wrapper.handler`. */
  readonly handler: string;
  /**
   * The Lambda runtime, e.g. `nodejs24.x` or `python3.13`: a Python runtime runs the function in a Python
   * execution environment, anything else in a Node.js one. @default 'nodejs24.x'
   */
  readonly runtime?: string;
  /** Directories standing in for the function's layers, merged into `/opt` in order. */
  readonly layers?: readonly string[];
  /** The function's environment variables. */
  readonly environment?: Record<string, string>;
  /** @default 30 */
  readonly timeoutSeconds?: number;
  /** @default 128 */
  readonly memoryMb?: number;
}
