/**
 * An HTTP proxy in front of DynamoDB Local that sees every write of the state table, in the order DynamoDB commits
 * them: transactions that write the state table go through it one at a time, and each one DynamoDB accepts is recorded
 * with the state (`rev`) each of its Puts stored. From that order the run tells whether a stored state was ever older
 * than one stored before it (a regression), which the final table alone cannot show. Everything else passes through
 * at once. It sits behind the fault proxies, so a transaction whose caller was killed still reaches it.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { forwardRequest } from '../fault-proxy';

export interface RecordedWrite {
  readonly pk: string;
  readonly rev: number;
  readonly status?: string;
  /** How the state was decided (`event` or `stripe`, from its fence), when it has one. */
  readonly source?: string;
}

type AttributeMap = Record<string, Record<string, any>>;

export class WriteRecorder {
  public readonly writes: RecordedWrite[] = [];
  private server?: http.Server;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly upstreamPort: number, private readonly stateTable: string) {}

  public get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  public get port(): number {
    return (this.server!.address() as AddressInfo).port;
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
    await this.queue;
    this.agent.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The state-table Puts of a TransactWriteItems request (none for any other request). */
  private statePuts(req: http.IncomingMessage, body: Buffer): AttributeMap[] {
    if (!String(req.headers['x-amz-target'] ?? '').endsWith('.TransactWriteItems')) return [];
    try {
      const items = (JSON.parse(body.toString('utf8')) as { TransactItems?: Array<{ Put?: { TableName?: string; Item?: AttributeMap } }> }).TransactItems ?? [];
      return items.filter((i) => i.Put?.TableName === this.stateTable).map((i) => i.Put!.Item!);
    } catch {
      return [];
    }
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
    const puts = this.statePuts(req, body);
    const answer = (status: number, headers: http.IncomingHttpHeaders, data: Buffer) => {
      if (status === 200) {
        for (const item of puts) {
          const fence = item.stripe_fence?.M;
          this.writes.push({ pk: item.pk.S, rev: Number(item.rev?.N ?? -1), status: item.status?.S, source: fence?.source?.S });
        }
      }
      if (!res.destroyed) {
        res.writeHead(status, headers);
        res.end(data);
      }
    };
    const fail = () => res.destroy();
    if (puts.length === 0) return this.forward(req, body, answer, fail);
    // One state-table transaction at a time: the order recorded is the order committed.
    this.queue = this.queue.then(() => new Promise<void>((done) => this.forward(req, body, (...a) => {
      answer(...a);
      done();
    }, () => {
      fail();
      done();
    })));
  }

  private forward(
    req: http.IncomingMessage,
    body: Buffer,
    answered: (status: number, headers: http.IncomingHttpHeaders, answer: Buffer) => void,
    fail: () => void,
  ): void {
    forwardRequest(this.agent, this.upstreamPort, req, body, answered, fail);
  }
}
