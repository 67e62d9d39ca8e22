/**
 * An HTTP proxy in front of DynamoDB Local for one function, which the chaos run gives one invocation at a
 * time, so that every request it sees belongs to that invocation. For each invocation the run may plan one
 * fault, which the proxy injects at a precise point of the invocation's requests:
 *
 * - sandbox_killed_before_writes   at the handler's first request (a read, or its transaction): the execution
 *                                  environment is killed and the request never reaches DynamoDB;
 * - sandbox_killed_during_writes   the transaction is sent on to DynamoDB and the environment killed at once,
 *                                  while DynamoDB works on it (it commits or not);
 * - sandbox_killed_at_commit       DynamoDB committed the transaction; the environment is killed before the
 *                                  answer reaches it;
 * - sandbox_killed_after_writes    the answer reached it; the environment is killed right after;
 * - transaction_failed             DynamoDB answers every attempt at the transaction with a 500;
 * - completion_failed              the same for the record's plain completion (UpdateItem), when there is one;
 * - invocation_timed_out           the handler's first request is never answered: Lambda's timeout ends it.
 *
 * A planned fault whose point never comes (a duplicate runs no handler) is not injected. DynamoDB being down
 * (the run kills and restarts it) shows here as connections dropped, as the SDK sees an outage.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export const FAULT_KINDS = [
  'sandbox_killed_before_writes',
  'sandbox_killed_during_writes',
  'sandbox_killed_at_commit',
  'sandbox_killed_after_writes',
  'transaction_failed',
  'completion_failed',
  'invocation_timed_out',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultPlan {
  readonly kind: FaultKind;
  /** Kills the execution environment running the invocation; how many it killed. */
  readonly kill: () => number;
  /** Set by the proxy when the fault's point came and the fault was injected. */
  injected?: boolean;
}

const SERVER_ERROR = JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'Internal server error (injected by the chaos run)' });

export class FaultProxy {
  /** The fault for the invocation in progress, if any. */
  public plan?: FaultPlan;
  /** Requests seen since the start. */
  public requests = 0;
  private server?: http.Server;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private handlerStarted = false;

  constructor(private readonly upstreamPort: number, private readonly idempotencyTable: string) {}

  public get endpoint(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** Plans (or clears) the fault of the next invocation. */
  public arm(plan: FaultPlan | undefined): void {
    this.plan = plan;
    this.handlerStarted = false;
  }

  public async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.handle(req, res, Buffer.concat(chunks)));
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
  }

  public async close(): Promise<void> {
    this.agent.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
    this.requests++;
    const operation = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
    let table: string | undefined;
    try {
      table = (JSON.parse(body.toString('utf8')) as { TableName?: string }).TableName;
    } catch {
      table = undefined;
    }
    const onRecord = table === this.idempotencyTable;
    const handlerRequest = !onRecord;
    const firstOfHandler = handlerRequest && !this.handlerStarted;
    if (handlerRequest) this.handlerStarted = true;
    const plan = this.plan;
    const kind = plan?.kind;
    const inject = (): FaultPlan => {
      plan!.injected = true;
      return plan!;
    };
    const drop = (): void => void req.socket.destroy();

    if (firstOfHandler && kind === 'sandbox_killed_before_writes') {
      inject().kill();
      return drop();
    }
    if (firstOfHandler && kind === 'invocation_timed_out') {
      inject();
      return; // never answered: the invocation's timeout kills the environment, which closes the socket
    }
    if (operation === 'TransactWriteItems' && kind === 'transaction_failed') return this.serverError(inject(), res);
    if (operation === 'UpdateItem' && onRecord && kind === 'completion_failed') return this.serverError(inject(), res);
    if (operation === 'TransactWriteItems' && kind === 'sandbox_killed_during_writes') {
      this.forward(req, body, () => undefined, () => undefined);
      inject().kill();
      return drop();
    }
    if (operation === 'TransactWriteItems' && kind === 'sandbox_killed_at_commit') {
      return this.forward(req, body, () => {
        inject().kill();
        drop();
      }, drop);
    }
    if (operation === 'TransactWriteItems' && kind === 'sandbox_killed_after_writes') {
      return this.forward(req, body, (status, headers, answer) => {
        res.writeHead(status, headers);
        // Injected only if the same invocation is still running when the kill comes (not the next one).
        res.end(answer, () => setImmediate(() => {
          if (this.plan === plan && plan!.kill() > 0) inject();
        }));
      }, drop);
    }
    this.forward(req, body, (status, headers, answer) => {
      res.writeHead(status, headers);
      res.end(answer);
    }, drop);
  }

  private serverError(_: FaultPlan, res: http.ServerResponse): void {
    res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(SERVER_ERROR);
  }

  /** Sends the request on to DynamoDB Local; `fail` when it is down (the connection is refused or cut). */
  private forward(
    req: http.IncomingMessage,
    body: Buffer,
    answered: (status: number, headers: http.IncomingHttpHeaders, answer: Buffer) => void,
    fail: () => void,
  ): void {
    forwardRequest(this.agent, this.upstreamPort, req, body, answered, fail);
  }
}

/** Sends a request on to a loopback port as it came; `answered` with the whole answer, or `fail` when the connection fails. */
export function forwardRequest(
  agent: http.Agent,
  port: number,
  req: http.IncomingMessage,
  body: Buffer,
  answered: (status: number, headers: http.IncomingHttpHeaders, answer: Buffer) => void,
  fail: () => void,
): void {
  const upstream = http.request(
    { host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers, agent },
    (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (c: Buffer) => chunks.push(c));
      answer.on('end', () => answered(answer.statusCode ?? 500, answer.headers, Buffer.concat(chunks)));
      answer.on('error', fail);
    },
  );
  upstream.on('error', fail);
  upstream.end(body);
}
