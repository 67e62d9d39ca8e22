/**
 * The child process of bench/cpu.ts: one local execution environment that loads one variant's handler as the
 * sandbox (src/cli/local/lambda-sandbox.ts) does, its log lines written to a pipe as a Lambda function's are, and
 * measures its own CPU time (process.cpuUsage) per phase.
 *
 * DynamoDB is answered in this process by a small in-memory table behind the AWS SDK's HTTP handler
 * (NodeHttpHandler.handle), so that every request still goes through the SDK's whole middleware stack,
 * serialization and parsing, but no network, no JVM and no other process's CPU is counted: what is measured is
 * the function's own work, the same for every variant. Only the requests the benchmark's handlers make are
 * answered (PutItem, UpdateItem, DeleteItem, TransactWriteItems on string keys `id` and `pk`).
 *
 * Bundled and forked by bench/cpu.ts; not part of the tests.
 */
import * as fs from 'node:fs';
import * as inspector from 'node:inspector';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { loadUserHandler, UserHandler } from '../src/lambda/wrapper/user-handler';

type Item = Record<string, Record<string, unknown>>;
/** Load the handler and measure that; or load it and measure invocations: fresh events, then the same again. */
export type DriverJob =
  | { readonly type: 'init' }
  | {
    readonly type: 'warm';
    /** Run before measuring. */
    readonly warmUp: readonly unknown[];
    readonly fresh: readonly unknown[];
    /** The fresh events again, in new envelopes. */
    readonly duplicates: readonly unknown[];
    /** Write a V8 CPU profile of each measured phase here (`fresh.cpuprofile`, `duplicate.cpuprofile`). */
    readonly profileDir?: string;
  };
export interface DriverRequest {
  readonly taskRoot: string;
  readonly handler: string;
  readonly job: DriverJob;
}
export interface PhaseCpu {
  readonly events: number;
  readonly userMicros: number;
  readonly systemMicros: number;
  readonly wallMs: number;
  readonly logBytes: number;
  readonly failures: number;
  readonly firstFailure?: string;
}
export type DriverReply =
  | { readonly type: 'init'; readonly initWallMs: number; readonly initCpuMicros: number }
  | { readonly type: 'warm'; readonly fresh: PhaseCpu; readonly duplicate: PhaseCpu }
  | { readonly type: 'error'; readonly message: string };

/**
 * The log lines go to this process's stdout, a pipe that the parent drains, as a Lambda function's stdout is a pipe
 * that the runtime's log agent reads: a line costs what it costs there, one write. (Sent over IPC as the local
 * sandbox sends them, each line would also cost a structured-clone serialization and a message frame that a Lambda
 * function never pays, charged to the variants that log.) Only their size is counted here.
 */
let logBytes = 0;
for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    logBytes += typeof chunk === 'string' ? Buffer.byteLength(chunk, 'utf8') : chunk.byteLength;
    return write(chunk, ...rest);
  }) as typeof stream.write;
}

// --- the in-memory table behind the SDK's HTTP handler ---------------------------------------------------------
const tables = new Map<string, Map<string, Item>>();
function table(name: string): Map<string, Item> {
  let t = tables.get(name);
  if (!t) tables.set(name, (t = new Map()));
  return t;
}
const keyOf = (key: Item): string => String((key.id ?? key.pk).S);

function answer(target: string, input: Record<string, any>): { status: number; body: unknown } {
  const now = Date.now();
  const update = (u: Record<string, any>): Item => {
    const t = table(u.TableName);
    const k = keyOf(u.Key);
    const item: Item = t.get(k) ?? { ...u.Key };
    const values = u.ExpressionAttributeValues ?? {};
    const names = u.ExpressionAttributeNames ?? {};
    if (/^ADD /.test(u.UpdateExpression)) {
      item.effects = { N: String(Number(item.effects?.N ?? 0) + 1) };
    } else {
      if (u.ConditionExpression && item.status?.S !== 'INPROGRESS') throw Object.assign(new Error('cond'), { ccf: true });
      for (const m of String(u.UpdateExpression).replace(/^SET /, '').split(',')) {
        const [name, value] = m.split('=').map((s) => s.trim());
        item[names[name] ?? name] = values[value];
      }
    }
    t.set(k, item);
    return item;
  };
  switch (target) {
    case 'PutItem': {
      const t = table(input.TableName);
      const k = keyOf(input.Item);
      const old = t.get(k);
      const live = old && Number(old.expiration?.N ?? 0) * 1000 > now
        && !(old.status?.S === 'INPROGRESS' && Number(old.in_progress_expiration?.N ?? Infinity) < now);
      if (input.ConditionExpression && live) {
        return {
          status: 400,
          body: {
            __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
            message: 'The conditional request failed',
            ...(input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' ? { Item: old } : {}),
          },
        };
      }
      t.set(k, input.Item);
      return { status: 200, body: old && input.ReturnValues === 'ALL_OLD' ? { Attributes: old } : {} };
    }
    case 'UpdateItem':
      try {
        const item = update(input);
        return { status: 200, body: input.ReturnValues === 'UPDATED_NEW' ? { Attributes: { effects: item.effects } } : {} };
      } catch {
        return { status: 400, body: { __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException', message: 'The conditional request failed' } };
      }
    case 'DeleteItem':
      table(input.TableName).delete(keyOf(input.Key));
      return { status: 200, body: {} };
    case 'TransactWriteItems':
      for (const action of input.TransactItems) update(action.Update);
      return { status: 200, body: {} };
    default:
      return { status: 400, body: { __type: 'com.amazon.coral.validate#ValidationException', message: `${target} is not answered by the benchmark's table` } };
  }
}

function installTable(): void {
  // The SDK's own copies, as the DynamoDB client resolves them.
  const sdkRequire = createRequire(require.resolve('@aws-sdk/client-dynamodb'));
  const { NodeHttpHandler } = sdkRequire('@smithy/node-http-handler');
  const { HttpResponse } = sdkRequire('@smithy/core/protocols');
  NodeHttpHandler.prototype.handle = async function handle(request: { headers: Record<string, string>; body: string | Uint8Array }) {
    const target = request.headers['x-amz-target'].split('.')[1];
    // The SDK serializes a JSON request body to bytes (and warns when one reads them as a string).
    const text = typeof request.body === 'string' ? request.body : Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength).toString('utf8');
    const out = answer(target, JSON.parse(text));
    const body = Buffer.from(JSON.stringify(out.body));
    return {
      response: new HttpResponse({
        statusCode: out.status,
        headers: { 'content-type': 'application/x-amz-json-1.0', 'content-length': String(body.length), 'x-amzn-requestid': 'local' },
        body: Readable.from([body]),
      }),
    };
  };
}

// --- invocations ---------------------------------------------------------------------------------------------
let requestId = 0;
function context(): Record<string, unknown> {
  const received = performance.now();
  return {
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:000000000000:function:${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: `req-${++requestId}`,
    logGroupName: `/aws/lambda/${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, Math.round(30_000 - (performance.now() - received))),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Runs `body` under the V8 profiler (node:inspector) and writes its profile to `file`. */
async function profiled<T>(file: string | undefined, body: () => Promise<T>): Promise<T> {
  if (!file) return body();
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<any>((resolve, reject) => session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))));
  await post('Profiler.enable');
  await post('Profiler.start');
  const result = await body();
  const { profile } = await post('Profiler.stop');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(profile));
  session.disconnect();
  return result;
}

async function phase(fn: UserHandler, events: readonly unknown[]): Promise<PhaseCpu> {
  let failures = 0;
  let firstFailure: string | undefined;
  const bytesBefore = logBytes;
  const wall = performance.now();
  const cpu = process.cpuUsage();
  for (const event of events) {
    try {
      await fn(event, context());
    } catch (err) {
      failures++;
      firstFailure ??= `${(err as Error).name}: ${(err as Error).message}`;
    }
  }
  const used = process.cpuUsage(cpu);
  return {
    events: events.length,
    userMicros: used.user,
    systemMicros: used.system,
    wallMs: performance.now() - wall,
    logBytes: logBytes - bytesBefore,
    failures,
    firstFailure,
  };
}

async function run(request: DriverRequest): Promise<DriverReply> {
  const job = request.job;
  if (job.type === 'init') {
    const wall = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    await loadUserHandler(request.taskRoot, request.handler);
    const used = process.cpuUsage(cpu);
    return { type: 'init', initWallMs: Number(process.hrtime.bigint() - wall) / 1e6, initCpuMicros: used.user + used.system };
  }
  installTable();
  const fn = await loadUserHandler(request.taskRoot, request.handler);
  await phase(fn, job.warmUp);
  const profile = (name: string) => (job.profileDir ? path.join(job.profileDir, `${name}.cpuprofile`) : undefined);
  const fresh = await profiled(profile('fresh'), () => phase(fn, job.fresh));
  const duplicate = await profiled(profile('duplicate'), () => phase(fn, job.duplicates));
  return { type: 'warm', fresh, duplicate };
}

process.once('message', (request: DriverRequest) => {
  run(request).then(
    (reply) => process.send?.(reply, () => process.exit(0)),
    (err) => process.send?.({ type: 'error', message: String((err as Error)?.stack ?? err) } satisfies DriverReply, () => process.exit(1)),
  );
});
process.on('disconnect', () => process.exit(1));
