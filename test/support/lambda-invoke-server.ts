/**
 * A local stand-in for the parts of the Lambda API the CLI (redrive, reconcile) calls: Invoke (POST
 * /2015-03-31/functions/{name}/invocations), GetFunctionEventInvokeConfig (GET
 * /2019-09-25/functions/{name}/event-invoke-config) and GetFunctionConfiguration (GET
 * /2015-03-31/functions/{name}/configuration), each with `?Qualifier=`. An invocation runs in a
 * LocalLambdaFunction — the real function code, e.g. the bundled wrapper. An asynchronous invoke
 * (X-Amz-Invocation-Type: Event) is answered 202 at once and run in the background, with Lambda's two
 * retries of a failed attempt (compressed to half a second and a second). No AWS account is involved;
 * tests that use it say so in their names.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InvocationResult, LocalLambdaFunction } from '../../src/cli/local/local-lambda';

export const STAND_IN_ACCOUNT = '123456789012';
export const STAND_IN_REGION = 'us-east-1';

/** A function of the stand-in: its code, and what Lambda would say about it. */
export interface StandInFunction {
  readonly function: LocalLambdaFunction;
  /** Aliases and versions it answers to besides $LATEST. */
  readonly qualifiers?: readonly string[];
  /** Where its failed asynchronous invocations go (its EventInvokeConfig's OnFailure), for every qualifier. @default - no configuration */
  onFailure?: string;
  /** Its environment, as GetFunctionConfiguration reports it. @default - the LocalLambdaFunction's */
  readonly environment?: Record<string, string>;
}

export interface RecordedInvocation {
  readonly functionName: string;
  readonly qualifier?: string;
  readonly invocationType: string;
  readonly event: unknown;
  readonly result: Promise<InvocationResult>;
}

export function standInArn(name: string): string {
  return `arn:aws:lambda:${STAND_IN_REGION}:${STAND_IN_ACCOUNT}:function:${name}`;
}

export class LambdaInvokeServer {
  public readonly invocations: RecordedInvocation[] = [];
  /** Every request, as `METHOD operation name[:qualifier]` (operation: invoke, event-invoke-config, configuration). */
  public readonly requests: string[] = [];
  /** When set, every invoke is answered with this HTTP status (e.g. 500) and nothing runs. */
  public failWith?: number;
  /** The next this-many invokes are throttled: 429 TooManyRequestsException, as Lambda answers at its concurrency limit. */
  public throttleNext = 0;
  /** Each invoke is answered after this many milliseconds (a slow or congested Lambda). */
  public delayMs = 0;
  private readonly functions: Record<string, StandInFunction>;
  private server?: http.Server;

  constructor(functions: Record<string, LocalLambdaFunction | StandInFunction>) {
    this.functions = Object.fromEntries(
      Object.entries(functions).map(([name, f]) => [name, 'function' in f ? f : { function: f }]),
    );
  }

  /** The stand-in's function of that name, to change what Lambda says about it. */
  fn(name: string): StandInFunction {
    return this.functions[name];
  }

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

  reset(): void {
    this.invocations.length = 0;
    this.requests.length = 0;
    this.failWith = undefined;
    this.throttleNext = 0;
    this.delayMs = 0;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
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
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const match = /^\/(?:2015-03-31|2019-09-25)\/functions\/([^/]+)\/(invocations|event-invoke-config|configuration)$/.exec(url.pathname);
    const send = (status: number, payload?: object, errorType?: string) => {
      res.writeHead(status, { 'content-type': 'application/json', ...(errorType ? { 'x-amzn-errortype': errorType } : {}) });
      res.end(payload ? JSON.stringify(payload) : '');
    };
    if (!match) return send(404, { message: `unsupported ${req.method} ${req.url}` }, 'UnknownOperationException');
    const operation = match[2] === 'invocations' ? 'invoke' : match[2];
    const requested = decodeURIComponent(match[1]);
    // A name, a name:qualifier, or an ARN with or without its qualifier.
    const [name, arnQualifier] = requested.replace(/^arn:[^:]+:lambda:[^:]+:\d+:function:/, '').split(':');
    const qualifier = url.searchParams.get('Qualifier') ?? arnQualifier;
    this.requests.push(`${req.method} ${operation} ${name}${qualifier ? `:${qualifier}` : ''}`);
    const fn = this.functions[name];
    const known = fn && (qualifier === undefined || qualifier === '$LATEST' || fn.qualifiers?.includes(qualifier));
    if (!known) return send(404, { Type: 'User', message: `Function not found: ${requested}${qualifier && !arnQualifier ? `:${qualifier}` : ''}` }, 'ResourceNotFoundException');
    const arn = `${standInArn(name)}${qualifier ? `:${qualifier}` : ''}`;

    if (operation === 'event-invoke-config') {
      if (req.method !== 'GET') return send(404, { message: 'unsupported' }, 'UnknownOperationException');
      if (fn.onFailure === undefined) return send(404, { Type: 'User', message: `The function ${arn} doesn't have an EventInvokeConfig` }, 'ResourceNotFoundException');
      return send(200, {
        FunctionArn: arn,
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 21600,
        DestinationConfig: { OnSuccess: {}, OnFailure: { Destination: fn.onFailure } },
      });
    }
    if (operation === 'configuration') {
      if (req.method !== 'GET') return send(404, { message: 'unsupported' }, 'UnknownOperationException');
      return send(200, { FunctionName: name, FunctionArn: arn, Version: '$LATEST', Environment: { Variables: fn.environment ?? fn.function.spec.environment ?? {} } });
    }

    if (req.method !== 'POST') return send(404, { message: `unsupported ${req.method} ${req.url}` }, 'UnknownOperationException');
    const answer = () => {
      if (this.failWith) return send(this.failWith, { message: 'Service unavailable' }, 'ServiceException');
      if (this.throttleNext > 0) {
        this.throttleNext--;
        return send(429, { Type: 'User', message: 'Rate Exceeded.', Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' }, 'TooManyRequestsException');
      }
      const invocationType = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
      const event = JSON.parse(body);
      if (invocationType === 'Event') {
        this.invocations.push({ functionName: name, qualifier, invocationType, event, result: this.invokeWithRetries(fn.function, event) });
        return send(202);
      }
      const result = fn.function.invoke(event);
      this.invocations.push({ functionName: name, qualifier, invocationType, event, result });
      void result.then((r) => send(200, (r.ok ? r.result : { errorType: r.error?.name, errorMessage: r.error?.message }) as object));
    };
    if (this.delayMs > 0) setTimeout(answer, this.delayMs);
    else answer();
  }
}
