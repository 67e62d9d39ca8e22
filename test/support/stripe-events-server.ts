/**
 * A local stand-in for Stripe's Events API (`GET /v1/events`, `GET /v1/events/{id}`) holding seeded events: the
 * Stripe account's event log in scenarios where some events never reached AWS, or where a dead-lettered event
 * is checked against it. Filters (`types[]`, `type` with a `*` group, `created[gt|gte|lt|lte]`), order (newest
 * first), pagination (`limit`, `starting_after`, `ending_before`) and the 30 days of history behave as Stripe
 * documents them. An event of a connected account (its `account`) is seen only with that account's
 * `Stripe-Account` header, and an account's own events only without one; an unknown id is Stripe's 404
 * `resource_missing`.
 *
 * Every request's query and every response is validated against Stripe's v1 OpenAPI spec as stripe-mock
 * embeds it (its module in the Go module cache after scripts/install-stripe-mock.sh; info.version is the
 * API version). Object schemas reject undeclared properties. A mismatch is recorded in `violations` (tests
 * assert it stays empty) and a bad request is answered 400, so no test passes on a request Stripe would refuse.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { stripeV1SpecFile } from './stripe-mock';

type Json = any;
const PATH = '/v1/events';
const RETRIEVE_PATH = '/v1/events/{id}';
const RETENTION_SECONDS = 30 * 86400;

function refsOf(node: Json, out: Set<string>): void {
  if (Array.isArray(node)) {node.forEach((n) => refsOf(n, out));} else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.add(v.split('/').pop()!);
      else refsOf(v, out);
    }
  }
}

/**
 * Deep copy as JSON Schema: every object schema with `properties` rejects undeclared ones, and OpenAPI
 * 3.0's `nullable: true` (which Stripe also puts beside `anyOf`) becomes "or null".
 */
export function strict(node: Json): Json {
  if (Array.isArray(node)) return node.map(strict);
  if (node === null || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) if (k !== 'properties') out[k] = strict(v);
  if (node.properties) out.properties = Object.fromEntries(Object.entries<Json>(node.properties).map(([k, v]) => [k, strict(v)]));
  if (out.type === 'object' && out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  if (out.nullable === true) {
    delete out.nullable;
    return { anyOf: [out, { type: 'null' }] };
  }
  return out;
}

interface Validators {
  readonly apiVersion: string;
  readonly params: Map<string, { validate: ValidateFunction; schema: Json }>;
  readonly ok: ValidateFunction;
  /** The 200 response of GET /v1/events/{id}. */
  readonly retrieved: ValidateFunction;
  /** Compiled on first use: Stripe's error schema reaches most of the API (a card error carries a PaymentIntent). */
  readonly error: () => ValidateFunction;
}

let cached: Validators | undefined;
/** How long compiling the validators took, in milliseconds. */
export let compileMs = 0;

/** The operation GET /v1/events and the schemas it references, from the spec stripe-mock embeds. */
function validators(): Validators {
  if (cached) return cached;
  const started = Date.now();
  const spec = JSON.parse(fs.readFileSync(stripeV1SpecFile(), 'utf8'));
  const op = spec.paths[PATH].get;
  const retrieve = spec.paths[RETRIEVE_PATH].get;
  const names = new Set<string>();
  const todo = new Set<string>();
  refsOf(op, todo);
  refsOf(retrieve.responses['200'], todo);
  while (todo.size > 0) {
    const [name] = todo;
    todo.delete(name);
    if (names.has(name)) continue;
    names.add(name);
    refsOf(spec.components.schemas[name], todo);
  }
  const subset = strict({ components: { schemas: Object.fromEntries([...names].map((n) => [n, spec.components.schemas[n]])) }, op, retrieve: retrieve.responses['200'] });
  const ajv = new Ajv({ strict: false, allErrors: true });
  let errorValidator: ValidateFunction | undefined;
  addFormats(ajv);
  // Stripe's spec marks Unix times as `format: unix-time`.
  ajv.addFormat('unix-time', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat('currency', /^[a-z]{3}$/);
  ajv.addFormat('decimal', /^-?\d+(\.\d+)?$/);
  ajv.addSchema(subset, 'spec');
  const params = new Map<string, { validate: ValidateFunction; schema: Json }>();
  for (const p of op.parameters) {
    if (p.in === 'query') params.set(p.name, { validate: ajv.compile({ $ref: `spec#/op/parameters/${op.parameters.indexOf(p)}/schema` }), schema: p.schema });
  }
  cached = {
    apiVersion: spec.info.version,
    params,
    ok: ajv.compile({ $ref: 'spec#/op/responses/200/content/application~1json/schema' }),
    retrieved: ajv.compile({ $ref: 'spec#/retrieve/content/application~1json/schema' }),
    error: () => (errorValidator ??= ajv.compile({ $ref: 'spec#/op/responses/default/content/application~1json/schema' })),
  };
  compileMs = Date.now() - started;
  return cached;
}

function errorsOf(v: ValidateFunction): string {
  return (v.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`).join('; ');
}

/** Form-encoded query (`types[0]=a`, `types[]=a`, `created[gte]=1`) as Stripe parses it, numbers and booleans included. */
function parseQuery(url: URL): Record<string, Json> {
  const out: Record<string, Json> = {};
  const scalar = (v: string): Json => (/^-?\d+$/.test(v) ? Number(v) : v === 'true' ? true : v === 'false' ? false : v);
  for (const [rawKey, value] of url.searchParams) {
    const m = /^([a-z_]+)(?:\[([a-z_]*|\d+)\])?$/.exec(rawKey);
    if (!m) {
      out[rawKey] = value;
      continue;
    }
    const [, name, sub] = m;
    if (sub === undefined) out[name] = name === 'starting_after' || name === 'ending_before' || name === 'type' ? value : scalar(value);
    else if (sub === '' || /^\d+$/.test(sub)) (out[name] ??= []).push(value);
    else (out[name] ??= {})[sub] = scalar(value);
  }
  return out;
}

export interface RecordedRequest {
  readonly path: string;
  readonly query: Record<string, Json>;
  readonly status: number;
  readonly authorization?: string;
  readonly stripeVersion?: string;
  /** The `Stripe-Account` header: a request on behalf of a connected account. */
  readonly stripeAccount?: string;
}

export interface StripeEventsServerOptions {
  /** The only key the server accepts (Authorization: Bearer …). */
  readonly apiKey: string;
  /** A key Stripe knows but that lacks Read access to Events: answered 403. */
  readonly keyWithoutEventsAccess?: string;
  /** Now, in Unix seconds, for the 30 days of history. @default the clock */
  readonly now?: () => number;
  /**
   * Validate against the spec (it is in the Go module cache once stripe-mock is installed). Only the demo
   * turns it off, on a machine where stripe-mock was never installed. @default true
   */
  readonly validate?: boolean;
}

export class StripeEventsServer {
  public static async start(options: StripeEventsServerOptions): Promise<StripeEventsServer> {
    if (options.validate !== false) validators();
    const server = new StripeEventsServer(options);
    await new Promise<void>((resolve) => server.http.listen(0, '127.0.0.1', resolve));
    return server;
  }

  public readonly requests: RecordedRequest[] = [];
  public readonly violations: string[] = [];
  private readonly events = new Map<string, Json>();
  private readonly http: http.Server;

  private constructor(private readonly options: StripeEventsServerOptions) {
    this.http = http.createServer((req, res) => this.handle(req, res));
  }

  /** `http://127.0.0.1:<port>`: the API base for the client. */
  public get url(): string {
    return `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }

  /** The Stripe API version of the spec the server validates with. */
  public get apiVersion(): string {
    return validators().apiVersion;
  }

  /** Puts events in the account's event log (as Stripe created them). */
  public seed(...events: Json[]): void {
    for (const e of events) this.events.set(e.id, e);
  }

  public async close(): Promise<void> {
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const v = this.options.validate === false ? undefined : validators();
    const query = parseQuery(url);
    const retrieving = /^\/v1\/events\/(evt_\w+)$/.exec(url.pathname);
    const reply = (status: number, body: Json) => {
      const validate = v && (status === 200 ? (retrieving ? v.retrieved : v.ok) : v.error());
      if (validate && !validate(body)) this.violations.push(`response ${status} to GET ${url.pathname} does not match the spec: ${errorsOf(validate)}`);
      this.requests.push({
        path: url.pathname,
        query,
        status,
        authorization: req.headers.authorization,
        stripeVersion: req.headers['stripe-version'] as string | undefined,
        stripeAccount: req.headers['stripe-account'] as string | undefined,
      });
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${this.requests.length}` });
      res.end(JSON.stringify(body));
    };
    const invalid = (status: number, message: string, param?: string) =>
      reply(status, { error: { type: 'invalid_request_error', message, ...(param ? { param } : {}) } });

    if (req.method !== 'GET' || (url.pathname !== PATH && !retrieving)) {
      this.violations.push(`${req.method} ${url.pathname} is not GET ${PATH}`);
      return invalid(404, `Unrecognized request URL (${req.method}: ${url.pathname}).`);
    }
    const auth = req.headers.authorization ?? '';
    const key = auth.replace(/^Bearer /, '');
    if (this.options.keyWithoutEventsAccess && key === this.options.keyWithoutEventsAccess) {
      return reply(403, {
        error: {
          type: 'invalid_request_error',
          message: `The provided key '${key.slice(0, 8)}***${key.slice(-4)}' does not have the required permissions for this endpoint on account 'acct_1Local'. Having the 'rak_event_read' permission would allow this request to continue.`,
        },
      });
    }
    if (auth !== `Bearer ${this.options.apiKey}`) {
      return invalid(401, `Invalid API Key provided: ${key.length > 12 ? `${key.slice(0, 8)}${'*'.repeat(key.length - 12)}${key.slice(-4)}` : '***'}`);
    }
    if (retrieving) {
      // GET /v1/events/{id} takes only `expand`; the client sends none.
      if (Object.keys(query).length > 0) return invalid(400, `Received unknown parameter: ${Object.keys(query)[0]}`, Object.keys(query)[0]);
      return this.retrieve(retrieving[1], req.headers['stripe-account'] as string | undefined, reply);
    }
    for (const [name, value] of Object.entries(v ? query : {})) {
      const param = v!.params.get(name);
      if (!param) {
        this.violations.push(`query parameter '${name}' is not a parameter of GET ${PATH}`);
        return invalid(400, `Received unknown parameter: ${name}`, name);
      }
      if (!param.validate(value)) {
        this.violations.push(`query parameter ${name}=${JSON.stringify(value)} does not match ${JSON.stringify(param.schema)}: ${errorsOf(param.validate)}`);
        return invalid(400, `Invalid ${name}`, name);
      }
    }
    // What the spec says in words: `types` up to 20, `type` or `types`, limit 1 to 100.
    if (query.type !== undefined && query.types !== undefined) return invalid(400, 'You may pass either `type` or `types`, but not both.', 'types');
    if (Array.isArray(query.types) && query.types.length > 20) return invalid(400, 'Invalid array: types may hold at most 20 event names.', 'types');
    const limit = query.limit ?? 10;
    if (limit < 1 || limit > 100) return invalid(400, 'Invalid integer: limit must be between 1 and 100.', 'limit');
    reply(200, this.list(query, limit));
  }

  /** One event, as the account of the request (`Stripe-Account`, or the platform's own) sees it. */
  private retrieve(id: string, account: string | undefined, reply: (status: number, body: Json) => void): void {
    const now = this.options.now?.() ?? Math.floor(Date.now() / 1000);
    const event = this.events.get(id);
    if (!event || event.account !== account || event.created < now - RETENTION_SECONDS) {
      const message = `No such event: '${id}'`;
      return reply(404, { error: { code: 'resource_missing', doc_url: 'https://stripe.com/docs/error-codes/resource-missing', message, param: 'id', type: 'invalid_request_error' } });
    }
    reply(200, event);
  }

  private list(query: Record<string, Json>, limit: number): Json {
    const now = this.options.now?.() ?? Math.floor(Date.now() / 1000);
    const created = typeof query.created === 'number' ? { gte: query.created, lte: query.created } : query.created ?? {};
    const typeMatches = (type: string) => {
      if (Array.isArray(query.types)) return query.types.includes(type);
      if (typeof query.type === 'string') return query.type.endsWith('*') ? type.startsWith(query.type.slice(0, -1)) : type === query.type;
      return true;
    };
    const all = [...this.events.values()]
      .filter((e) => e.created >= now - RETENTION_SECONDS)
      .filter((e) => (created.gt === undefined || e.created > created.gt) && (created.gte === undefined || e.created >= created.gte))
      .filter((e) => (created.lt === undefined || e.created < created.lt) && (created.lte === undefined || e.created <= created.lte))
      .filter((e) => typeMatches(e.type))
      .sort((a, b) => b.created - a.created || b.id.localeCompare(a.id));
    let start = 0;
    let end = all.length;
    if (query.starting_after) start = all.findIndex((e) => e.id === query.starting_after) + 1;
    if (query.ending_before) end = Math.max(0, all.findIndex((e) => e.id === query.ending_before));
    const page = query.ending_before ? all.slice(Math.max(start, end - limit), end) : all.slice(start, start + limit);
    const more = query.ending_before ? end - limit > start : start + limit < end;
    return { object: 'list', url: PATH, has_more: more, data: page };
  }
}
