/**
 * A local stand-in for the Lambda Invoke API (POST /2015-03-31/functions/{name}/invocations), and for
 * GetFunctionConfiguration (GET /2015-03-31/functions/{name}/configuration: name, ARN and environment), that runs
 * each invocation in a LocalLambdaFunction — the real function code, e.g. the bundled wrapper. An
 * asynchronous invoke (X-Amz-Invocation-Type: Event) is answered 202 at once and run in the background,
 * with Lambda's two retries of a failed attempt (compressed to half a second and a second). No AWS account
 * is involved; tests that use it say so in their names.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InvocationResult, LocalLambdaFunction } from '../../src/cli/local/local-lambda';

export interface RecordedInvocation {
  readonly functionName: string;
  readonly invocationType: string;
  readonly event: unknown;
  readonly result: Promise<InvocationResult>;
}

export class LambdaInvokeServer {
  public readonly invocations: RecordedInvocation[] = [];
  /** When set, every invoke is answered with this HTTP status (e.g. 500) and nothing runs. */
  public failWith?: number;
  private server?: http.Server;

  constructor(private readonly functions: Record<string, LocalLambdaFunction>) {}

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => this.handle(req, Buffer.concat(chunks).toString('utf8'), res));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** Waits for every background invocation and returns their results. */
  async settled(): Promise<InvocationResult[]> {
    return Promise.all(this.invocations.map((i) => i.result));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private configuration(nameOrArn: string, res: http.ServerResponse): void {
    const name = nameOrArn.replace(/^arn:[^:]+:lambda:[^:]+:\d+:function:/, '').split(':')[0];
    const fn = this.functions[name];
    res.writeHead(fn ? 200 : 404, { 'content-type': 'application/json', ...(fn ? {} : { 'x-amzn-errortype': 'ResourceNotFoundException' }) });
    res.end(JSON.stringify(fn
      ? { FunctionName: name, FunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`, Environment: { Variables: fn.spec.environment ?? {} } }
      : { Type: 'User', message: `Function not found: ${nameOrArn}` }));
  }

  /** An asynchronous invoke: the first attempt and up to two retries, as Lambda makes them. */
  private async invokeWithRetries(fn: LocalLambdaFunction, event: unknown): Promise<InvocationResult> {
    let result = await fn.invoke(event);
    for (let retry = 1; retry <= 2 && !result.ok; retry++) {
      await new Promise((r) => setTimeout(r, 500 * retry));
      result = await fn.invoke(event);
    }
    return result;
  }

  private handle(req: http.IncomingMessage, body: string, res: http.ServerResponse): void {
    const configuration = /^\/2015-03-31\/functions\/([^/]+)\/configuration/.exec(req.url ?? '');
    if (req.method === 'GET' && configuration) return this.configuration(decodeURIComponent(configuration[1]), res);
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(req.url ?? '');
    const send = (status: number, payload?: object, errorType?: string) => {
      res.writeHead(status, { 'content-type': 'application/json', ...(errorType ? { 'x-amzn-errortype': errorType } : {}) });
      res.end(payload ? JSON.stringify(payload) : '');
    };
    if (req.method !== 'POST' || !match) return send(404, { message: `unsupported ${req.method} ${req.url}` }, 'UnknownOperationException');
    if (this.failWith) return send(this.failWith, { message: 'Service unavailable' }, 'ServiceException');
    const name = decodeURIComponent(match[1]).replace(/^arn:[^:]+:lambda:[^:]+:\d+:function:/, '').split(':')[0];
    const fn = this.functions[name];
    if (!fn) return send(404, { Type: 'User', message: `Function not found: ${decodeURIComponent(match[1])}` }, 'ResourceNotFoundException');
    const invocationType = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    const event = JSON.parse(body);
    if (invocationType === 'Event') {
      this.invocations.push({ functionName: name, invocationType, event, result: this.invokeWithRetries(fn, event) });
      return send(202);
    }
    const result = fn.invoke(event);
    this.invocations.push({ functionName: name, invocationType, event, result });
    void result.then((r) => send(200, (r.ok ? r.result : { errorType: r.error?.name, errorMessage: r.error?.message }) as object));
  }
}
