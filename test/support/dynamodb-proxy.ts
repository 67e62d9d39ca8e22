/**
 * An HTTP proxy in front of DynamoDB (Local) that counts every request by operation and table, and can
 * make DynamoDB unreachable or failing on demand. The tests and the benchmark point the wrapper at it
 * (`STRIPE_EB_DYNAMODB_ENDPOINT`) to count the requests an event really costs instead of assuming them.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the proxy saw it. */
export interface DynamoDbRequestRecord {
  /** The operation from `X-Amz-Target`, e.g. `PutItem`. */
  readonly operation: string;
  /** `TableName` from the request body, when it has one. */
  readonly table?: string;
  /** The tables of a TransactWriteItems' actions (whose body has no top-level `TableName`). */
  readonly tables?: readonly string[];
  /** The HTTP status returned to the client; 0 when the proxy dropped the connection. */
  readonly status: number;
  /** DynamoDB's error type for a 4xx/5xx answer, e.g. `ConditionalCheckFailedException`. */
  readonly errorType?: string;
}

/**
 * What to do with a request: forward it, drop the connection (as if DynamoDB were unreachable), answer
 * 500 InternalServerError (as if DynamoDB were failing), or answer 400 ValidationException (what DynamoDB
 * answers for an item above 400 KB, which DynamoDB Local does not check).
 */
export type DynamoDbFault = 'pass' | 'drop' | 'server-error' | 'validation-error';

const FAULT_ANSWERS = {
  'server-error': { status: 500, type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'Internal server error (injected by the test proxy)' },
  'validation-error': { status: 400, type: 'com.amazon.coral.validate#ValidationException', message: 'Item size to update has exceeded the maximum allowed size (injected by the test proxy)' },
};

export interface DynamoDbProxy {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  /** Every request since the start or the last `reset()`, in arrival order. */
  readonly requests: readonly DynamoDbRequestRecord[];
  /** How many requests match, e.g. `count({ table })` (a transaction counts for each of its tables) or `count({ operation: 'PutItem' })`. */
  count(filter?: { readonly table?: string; readonly operation?: string }): number;
  reset(): void;
  /** Decides the fate of each following request; `undefined` forwards everything. */
  setFault(fault: ((request: { operation: string; table?: string; tables?: readonly string[] }) => DynamoDbFault) | undefined): void;
  close(): Promise<void>;
}

const ERROR_TYPE = /"__type"\s*:\s*"(?:[^"#]*#)?([^"]+)"/;

export async function startDynamoDbProxy(target: string): Promise<DynamoDbProxy> {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const requests: DynamoDbRequestRecord[] = [];
  let fault: ((request: { operation: string; table?: string; tables?: readonly string[] }) => DynamoDbFault) | undefined;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const operation = String(req.headers['x-amz-target'] ?? 'unknown').split('.').pop() ?? 'unknown';
      let table: string | undefined;
      let tables: string[] | undefined;
      try {
        const parsed = JSON.parse(body.toString('utf8')) as { TableName?: string; TransactItems?: Array<Record<string, { TableName?: string }>> };
        table = parsed.TableName;
        tables = parsed.TransactItems?.flatMap((a) => Object.values(a).map((x) => x.TableName ?? '')).filter((t, i, all) => all.indexOf(t) === i);
      } catch {
        table = undefined;
      }
      const action = fault?.({ operation, table, tables }) ?? 'pass';
      if (action === 'drop') {
        requests.push({ operation, table, tables, status: 0 });
        req.socket.destroy();
        return;
      }
      if (action !== 'pass') {
        const answer = FAULT_ANSWERS[action];
        requests.push({ operation, table, tables, status: answer.status, errorType: answer.type.split('#')[1] });
        res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ __type: answer.type, message: answer.message }));
        return;
      }
      const forward = http.request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent },
        (answer) => {
          const status = answer.statusCode ?? 0;
          const answerChunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => answerChunks.push(chunk));
          answer.on('end', () => {
            const answerBody = Buffer.concat(answerChunks);
            const errorType = status >= 400 ? ERROR_TYPE.exec(answerBody.toString('utf8'))?.[1] : undefined;
            requests.push({ operation, table, tables, status, errorType });
            res.writeHead(status, answer.headers);
            res.end(answerBody);
          });
        },
      );
      forward.on('error', () => {
        requests.push({ operation, table, tables, status: 0 });
        req.socket.destroy();
      });
      forward.end(body);
    });
  });
  server.keepAliveTimeout = 60_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    count: (filter = {}) =>
      requests.filter((r) => (filter.table === undefined || r.table === filter.table || (r.tables ?? []).includes(filter.table))
        && (filter.operation ?? r.operation) === r.operation).length,
    reset: () => {
      requests.length = 0;
    },
    setFault: (next) => {
      fault = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
