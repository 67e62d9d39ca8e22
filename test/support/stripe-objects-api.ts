/**
 * A local stand-in for the part of Stripe's v1 API that retrieves objects (`GET /v1/subscriptions/{id}`,
 * `/v1/invoices/{id}`, `/v1/refunds/{id}`), serving each object as it is at the moment of the request: an object has
 * a history of states, each from an instant on, and the server's clock (a function, so a run can advance it) picks
 * the state. The response carries Stripe's `Date` header from that clock, at the second the state was read. Pointed at
 * with `STRIPE_EB_STRIPE_API_BASE`, as the wrappers' `context.stripe` is.
 *
 * Every request (its path against the spec's paths, its query against the operation's parameters, the key,
 * `Stripe-Version`) and every response is validated against Stripe's v1 OpenAPI spec as stripe-mock embeds it (its
 * module in the Go module cache after scripts/install-stripe-mock.sh), strictly: object schemas reject properties the
 * spec does not define (stripe-events-server.ts's `strict`). A mismatch is recorded in `violations`; runs and tests
 * assert it stays empty. Faults can be planned per request: a delay after the state is read (a slow fetch answering
 * with an older state), or an error status (Stripe's 429 or 500, which the SDKs retry).
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { strict } from './stripe-events-server';
import { stripeV1SpecFile } from './stripe-mock';

type Json = any;

/** The operations served, by the object type they return. */
const SERVED: Record<string, string> = {
  subscription: '/v1/subscriptions/{subscription_exposed_id}',
  invoice: '/v1/invoices/{invoice}',
  refund: '/v1/refunds/{refund}',
};

interface Operation {
  readonly type: string;
  readonly pattern: RegExp;
  readonly ok: ValidateFunction;
  readonly query: Map<string, ValidateFunction>;
}

interface Spec {
  readonly apiVersion: string;
  readonly operations: Operation[];
  readonly compileMs: number;
}

let cached: Spec | undefined;

/**
 * The served operations' validators, compiled once per process from the whole spec (about 5 s: the schemas of an
 * invoice reach most of the API; refs are compiled once each instead of inlined).
 */
export function objectsApiSpec(): Spec {
  if (cached) return cached;
  const started = Date.now();
  const spec = JSON.parse(fs.readFileSync(stripeV1SpecFile(), 'utf8'));
  const ajv = new Ajv({ strict: false, allErrors: true, inlineRefs: false, code: { optimize: false } });
  addFormats(ajv);
  // Stripe's spec marks Unix times as `format: unix-time`.
  ajv.addFormat('unix-time', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat('currency', /^[a-z]{3}$/);
  ajv.addFormat('decimal', /^-?\d+(\.\d+)?$/);
  ajv.addSchema(strict({ components: spec.components }), 'spec');
  const ref = (schema: Json): Json => strict(schema.$ref ? { $ref: `spec${schema.$ref}` } : schema);
  const operations = Object.entries(SERVED).map(([type, template]) => {
    const op = spec.paths[template].get;
    const query = new Map<string, ValidateFunction>(
      (op.parameters ?? []).filter((p: Json) => p.in === 'query').map((p: Json) => [p.name, ajv.compile(ref(p.schema))]),
    );
    return { type, pattern: new RegExp(`^${template.replace(/\{[a-z_]+\}/, '([^/]+)')}$`), ok: ajv.compile(ref(op.responses['200'].content['application/json'].schema)), query };
  });
  cached = { apiVersion: spec.info.version, operations, compileMs: Date.now() - started };
  return cached;
}

/** A planned fault for one request. */
export interface ObjectsApiFault {
  /** Answer this long after the state was read (a slow fetch, which answers with the state of its start). */
  readonly delayMs?: number;
  /** Answer with this error status instead (429: rate limited; 500: Stripe failing). */
  readonly status?: 429 | 500;
}

export interface RecordedObjectRequest {
  readonly path: string;
  readonly status: number;
  /** The state's index in the object's history (-1: none yet). */
  readonly state: number;
  readonly stripeVersion?: string;
  readonly stripeContext?: string;
  readonly trigger?: string;
}

export interface StripeObjectsApiOptions {
  /** The only key accepted (`Authorization: Bearer …`). */
  readonly apiKey: string;
  /** The clock, in epoch milliseconds. @default Date.now */
  readonly now?: () => number;
  /** `Stripe-Version`s accepted besides the spec's own (a thin fetch sends the SDK's). @default none */
  readonly extraApiVersions?: readonly string[];
  /** The fault of each request, if any. */
  readonly fault?: (path: string) => ObjectsApiFault | undefined;
}

/** An object's states: each from `at` (epoch ms) on; a `null` object is a deletion (404 from then on). */
export interface ObjectHistory {
  readonly states: ReadonlyArray<{ readonly at: number; readonly object: Json | null }>;
}

export class StripeObjectsApi {
  public static async start(options: StripeObjectsApiOptions): Promise<StripeObjectsApi> {
    const api = new StripeObjectsApi(options, objectsApiSpec());
    await new Promise<void>((resolve) => api.server.listen(0, '127.0.0.1', resolve));
    return api;
  }

  public readonly requests: RecordedObjectRequest[] = [];
  public readonly violations: string[] = [];
  private readonly histories = new Map<string, ObjectHistory>();
  private readonly server: http.Server;
  private readonly now: () => number;

  private constructor(private readonly options: StripeObjectsApiOptions, private readonly spec: Spec) {
    this.now = options.now ?? Date.now;
    this.server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => void this.handle(req, res));
    });
  }

  /** `http://127.0.0.1:<port>`, for STRIPE_EB_STRIPE_API_BASE. */
  public get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The API version whose spec validates the objects (`info.version`). */
  public get apiVersion(): string {
    return this.spec.apiVersion;
  }

  /** Sets an object's history (its states, oldest first); each state is validated against the spec now. */
  public define(history: ObjectHistory): void {
    const first = history.states[0]?.object;
    if (!first) throw new Error('an object history needs at least one state');
    const op = this.operation(first.object);
    history.states.forEach((s, i) => {
      if (s.object !== null && !op.ok(s.object)) this.violations.push(`state ${i} of ${first.object} ${first.id} does not match the spec: ${errorsOf(op.ok)}`);
    });
    this.histories.set(this.pathOf(first.object, first.id), { states: [...history.states].sort((a, b) => a.at - b.at) });
  }

  /** The path that retrieves an object. */
  public pathOf(type: string, id: string): string {
    return `/v1/${type}s/${id}`;
  }

  /** Successful GETs (of any object, or of one path). */
  public fetches(path?: string): number {
    return this.requests.filter((r) => r.status === 200 && (path === undefined || r.path === path)).length;
  }

  public async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private operation(type: string): Operation {
    const op = this.spec.operations.find((o) => o.type === type);
    if (!op) throw new Error(`this stand-in serves ${this.spec.operations.map((o) => o.type).join(', ')} objects, not ${type}`);
    return op;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const head = (name: string) => [req.headers[name]].flat()[0];
    // The state and its Date are read as the request arrives; a delay only holds the answer back.
    const at = this.now();
    const record = (status: number, state: number) =>
      this.requests.push({ path: url.pathname, status, state, stripeVersion: head('stripe-version'), stripeContext: head('stripe-context'), trigger: head('stripe-request-trigger') });
    const reply = async (status: number, body: Json, state: number, delayMs = 0) => {
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      record(status, state);
      res.writeHead(status, { 'content-type': 'application/json', 'date': new Date(at).toUTCString(), 'request-id': `req_${this.requests.length}`, 'stripe-version': this.spec.apiVersion });
      res.end(JSON.stringify(body));
    };
    const error = (status: number, type: string, message: string, code?: string) =>
      reply(status, { error: { type, message, ...(code ? { code } : {}) } }, -1);

    if (head('authorization') !== `Bearer ${this.options.apiKey}`) return error(401, 'invalid_request_error', 'Invalid API Key provided', 'api_key_invalid');
    const version = head('stripe-version');
    if (version !== this.spec.apiVersion && !(this.options.extraApiVersions ?? []).includes(version ?? '')) {
      this.violations.push(`GET ${url.pathname} sent Stripe-Version ${version}, expected ${this.spec.apiVersion}`);
    }
    const op = req.method === 'GET' ? this.spec.operations.find((o) => o.pattern.test(url.pathname)) : undefined;
    if (!op) {
      this.violations.push(`${req.method} ${url.pathname} is not an operation this stand-in serves`);
      return error(404, 'invalid_request_error', `Unrecognized request URL (${req.method}: ${url.pathname})`);
    }
    for (const [name, value] of url.searchParams) {
      const validate = op.query.get(name.replace(/\[\d*\]$/, ''));
      if (!validate || !validate(name.endsWith(']') ? [value] : value)) this.violations.push(`GET ${url.pathname}: query parameter ${name}=${value} is not in the spec`);
    }
    const fault = this.options.fault?.(url.pathname);
    if (fault?.status === 429) return error(429, 'invalid_request_error', 'Too many requests hit the API too quickly (injected).', 'rate_limit');
    if (fault?.status === 500) return error(500, 'api_error', 'An unknown error occurred (injected).');
    const states = this.histories.get(url.pathname)?.states ?? [];
    let index = -1;
    while (index + 1 < states.length && states[index + 1].at <= at) index++;
    if (index < 0 || states[index].object === null) return error(404, 'invalid_request_error', `No such ${op.type}: '${decodeURIComponent(url.pathname.split('/').pop()!)}'`, 'resource_missing');
    const object = states[index].object;
    if (!op.ok(object)) this.violations.push(`response to GET ${url.pathname} does not match the spec: ${errorsOf(op.ok)}`);
    return reply(200, object, index, fault?.delayMs);
  }
}

function errorsOf(v: ValidateFunction): string {
  return (v.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`).join('; ');
}
