/**
 * One local stand-in for a Lambda execution environment (a child process, bundled into
 * `assets/cli/local/lambda-sandbox/index.js`). Like the Node.js runtime it reads `_HANDLER` and
 * `LAMBDA_TASK_ROOT`, loads the handler once (the init phase), then runs one invocation at a time with a
 * Lambda-shaped context. Layers are directories standing in for `/opt` (`STRIPE_EB_LOCAL_LAYERS`, a
 * JSON array), so a handler under `/opt/...` — the wrapper — resolves to the layer asset it came from.
 * Everything the code writes to stdout/stderr is sent to the parent tagged with the invocation.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChildMessage, ParentMessage, serializeError } from './protocol';
import { LAYER_MOUNT } from '../../contract/wrapper';
import { loadUserHandler, UserHandler } from '../../lambda/wrapper/user-handler';

let currentInvocation: number | undefined;

function send(message: ChildMessage): void {
  process.send?.(message);
}

/**
 * What an invocation wrote since the last message to the parent. It goes with the invocation's result, or on the next
 * turn of the event loop: one message per turn instead of one per write (a handler may write many lines; the wrapper's
 * one write is then no message of its own). A handler that blocks the event loop until its deadline loses what it
 * wrote in that turn. Output outside an invocation goes at once.
 */
let output = '';
let outputOf: number | undefined;
let flushScheduled = false;

function flushOutput(): void {
  flushScheduled = false;
  if (output === '') return;
  send({ type: 'log', id: outputOf, text: output });
  output = '';
}

/** The output of invocation `id` not sent yet, for its result message; output of another invocation is sent first. */
function takeOutput(id: number): string | undefined {
  if (outputOf !== id) flushOutput();
  const text = output;
  output = '';
  return text === '' ? undefined : text;
}

// Route all output through IPC so that it stays in order with the invocation's result.
for (const stream of [process.stdout, process.stderr]) {
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    if (output !== '' && outputOf !== currentInvocation) flushOutput();
    outputOf = currentInvocation;
    output += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    // Outside an invocation (init, a timer after one) it goes at once: it belongs to no invocation's result.
    if (currentInvocation === undefined) {
      flushOutput();
    } else if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flushOutput);
    }
    const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof stream.write;
}

/** Maps an absolute `/opt/...` handler onto the local layer directory that holds its file. */
export function resolveLayerHandler(handler: string, layers: readonly string[]): { taskRoot?: string; handler: string } {
  if (!handler.startsWith(`${LAYER_MOUNT}/`)) {
    return { handler };
  }
  const relative = handler.slice(LAYER_MOUNT.length + 1);
  const moduleFile = relative.slice(0, relative.lastIndexOf('/') + 1) + path.basename(relative).split('.')[0];
  for (const layer of layers) {
    if (['', '.js', '.mjs', '.cjs'].some((ext) => fs.existsSync(path.join(layer, moduleFile + ext)))) {
      return { taskRoot: layer, handler: relative };
    }
  }
  throw new Error(`handler ${handler} is not in any of the function's layers (${layers.join(', ') || 'none'})`);
}

async function main(): Promise<void> {
  const started = process.hrtime.bigint();
  let fn: UserHandler;
  try {
    const layers: string[] = JSON.parse(process.env.STRIPE_EB_LOCAL_LAYERS ?? '[]');
    const taskRoot = process.env.LAMBDA_TASK_ROOT!;
    const resolved = resolveLayerHandler(process.env._HANDLER!, layers);
    fn = await loadUserHandler(resolved.taskRoot ?? taskRoot, resolved.handler);
  } catch (err) {
    send({ type: 'init_error', error: serializeError(err) });
    return;
  }
  send({ type: 'ready', initMs: Number(process.hrtime.bigint() - started) / 1e6 });

  process.on('message', async (message: ParentMessage) => {
    if (message.type !== 'invoke') return;
    currentInvocation = message.id;
    const received = performance.now();
    const context = {
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:000000000000:function:${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      awsRequestId: message.requestId,
      logGroupName: `/aws/lambda/${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
      logStreamName: 'local',
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, Math.round(message.timeoutMs - (performance.now() - received))),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
    try {
      const event = message.payload !== undefined ? JSON.parse(message.payload) : message.event;
      const result = await fn(event, context);
      send({ type: 'result', id: message.id, ok: true, result: result === undefined ? null : result, output: takeOutput(message.id) });
    } catch (err) {
      send({ type: 'result', id: message.id, ok: false, error: serializeError(err), output: takeOutput(message.id) });
    } finally {
      currentInvocation = undefined;
    }
  });
}

// The parent (the LocalLambdaFunction) is gone: nothing can invoke this environment any more.
process.on('disconnect', () => process.exit(1));

void main();
