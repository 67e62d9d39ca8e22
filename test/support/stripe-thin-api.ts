/**
 * A local stand-in for the part of Stripe's API a thin event handler reads: `GET /v2/core/events/{id}` (the full
 * event), `GET /v2/core/events` (the list the reconciliation reads: `types`, `created[gt|gte|lt|lte]`, `object_id`,
 * `limit`, newest first, page by page with `next_page_url`, whose `page` token carries the request's filters) and its
 * related objects (`GET /v2/core/accounts/{id}`, `GET /v2/core/event_destinations/{id}`), served from
 * seeded objects; `/v1/…` related objects (a billing meter, a checkout session) are forwarded to stripe-mock when one
 * is given. Pointed at with `STRIPE_EB_STRIPE_API_BASE`, as the wrapper's `context.stripe` and the reconciliation are.
 *
 * Every v2 request (path, query, the key, Stripe-Version) and response is validated against Stripe's v2 OpenAPI spec
 * (test/fixtures/data/stripe-openapi/spec3.v2.sdk.json, 2025-12-15.clover), strictly: object schemas reject
 * properties the spec does not define. Two documented widenings, both from the pinned SDK's types (stripe@23.1.0,
 * resources/V2/Core/Events.d.ts `EventBase`, `V2.Core.Events.RelatedObject`), newer than the spec: an event may carry
 * `snapshot_event` (a string) and `related_object` `{ id, type, url }` (the spec's per-type event schemas declare only
 * its `type`; their `data` is used as declared). A mismatch is recorded in `violations` (tests assert it stays empty).
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { strictSchema as strict } from './openapi-strict';

const SPEC_FILE = path.join(__dirname, '..', 'fixtures', 'data', 'stripe-openapi', 'spec3.v2.sdk.json');

type Json = any;

const RELATED_OBJECT = {
  type: 'object',
  required: ['id', 'type', 'url'],
  additionalProperties: false,
  properties: { id: { type: 'string' }, type: { type: 'string' }, url: { type: 'string' } },
};

interface Served {
  readonly template: string;
  readonly pattern: RegExp;
  readonly query: Map<string, Json>;
  readonly ok: ValidateFunction;
}

class SpecValidators {
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly spec: Json;
  private readonly events = new Map<string, ValidateFunction>();
  public readonly served: Served[];
  public readonly error: ValidateFunction;
  public readonly queryAjv = new Ajv({ strict: false, coerceTypes: 'array' });
  /** The query parameters of GET /v2/core/events, by name. */
  public readonly listQuery: Map<string, Json>;
  /** A page of GET /v2/core/events, its events left to `event(type)`. */
  public readonly listPage: ValidateFunction;

  constructor() {
    this.spec = strict(JSON.parse(fs.readFileSync(SPEC_FILE, 'utf8')));
    addFormats(this.ajv);
    addFormats(this.queryAjv);
    // Stripe's v2 `decimal` format: a decimal number as a string (`percent_ownership: "25.5"`).
    this.ajv.addFormat('decimal', /^-?\d+(\.\d+)?$/);
    this.ajv.addSchema(this.spec, 'spec');
    const ref = (...parts: string[]) => ({ $ref: `spec#/${parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}` });
    this.served = ['/v2/core/accounts/{id}', '/v2/core/event_destinations/{id}'].map((template) => {
      const op = this.spec.paths[template].get;
      return {
        template,
        pattern: new RegExp(`^${template.replace('{id}', '([^/]+)')}$`),
        query: new Map<string, Json>((op.parameters ?? []).filter((p: Json) => p.in === 'query').map((p: Json) => [p.name, p.schema])),
        ok: this.ajv.compile(ref('paths', template, 'get', 'responses', '200', 'content', 'application/json', 'schema')),
      };
    });
    this.error = this.ajv.compile(ref('paths', '/v2/core/events/{id}', 'get', 'responses', 'default', 'content', 'application/json', 'schema'));
    const list = this.spec.paths['/v2/core/events'].get;
    this.listQuery = new Map<string, Json>(list.parameters.filter((p: Json) => p.in === 'query').map((p: Json) => [p.name, p.schema]));
    // The page as the spec defines it, each event then checked as `event(type)` checks it (widened as the file's doc says).
    const page = list.responses['200'].content['application/json'].schema;
    this.listPage = this.ajv.compile({ ...page, properties: { ...page.properties, data: { type: 'array' } } });
  }

  /** `v2.core.event` merged with the spec's schema of the event's type (its `data`), widened as the file's doc says. */
  public event(type: string): ValidateFunction {
    let validate = this.events.get(type);
    if (!validate) {
      const base = this.spec.components.schemas['v2.core.event'];
      const typed = Object.values<Json>(this.spec.components.schemas).find((s) => s['x-stripeEvent']?.type === type);
      validate = this.ajv.compile({
        ...base,
        required: [...new Set([...base.required, ...(typed?.required ?? []).filter((r: string) => r !== 'related_object')])],
        properties: {
          ...base.properties,
          ...(typed?.properties.data ? { data: typed.properties.data } : {}),
          related_object: RELATED_OBJECT,
          snapshot_event: { type: 'string' },
        },
        additionalProperties: false,
      });
      this.events.set(type, validate);
    }
    return validate;
  }
}

let validators: SpecValidators | undefined;

export interface RecordedStripeRequest {
  readonly method: string;
  readonly path: string;
  readonly stripeContext?: string;
  readonly stripeAccount?: string;
  /** Stripe's `Stripe-Request-Trigger` (the SDK's fetches send `event=<id>`). */
  readonly trigger?: string;
  readonly status: number;
}

export interface StripeThinApiOptions {
  /** The only key accepted (`Authorization: Bearer …`). */
  readonly apiKey: string;
  /** The Stripe-Version every request must carry (the pinned SDK's). */
  readonly apiVersion: string;
  /** stripe-mock's URL, for `/v1/…` related objects. @default - none: v1 requests are violations */
  readonly v1Upstream?: string;
}

export class StripeThinApi {
  public static async start(options: StripeThinApiOptions): Promise<StripeThinApi> {
    validators ??= new SpecValidators();
    const api = new StripeThinApi(options);
    await new Promise<void>((resolve) => api.server.listen(0, '127.0.0.1', resolve));
    return api;
  }

  public readonly requests: RecordedStripeRequest[] = [];
  public readonly violations: string[] = [];
  /** Full v2 events by id. */
  public readonly events = new Map<string, Json>();
  /** v2 objects by path (`/v2/core/accounts/acct_1`). */
  public readonly objects = new Map<string, Json>();
  /** The query of each GET /v2/core/events request, as sent (`types[0]`, `created[gte]`, `page`, …). */
  public readonly listQueries: Array<Record<string, string>> = [];
  /** The queries of GET /v2/core/events by page token, and where their next page starts. */
  private readonly pages = new Map<string, { query: Record<string, Json>; offset: number }>();
  private readonly server: http.Server;

  private constructor(private readonly options: StripeThinApiOptions) {
    this.server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => void this.handle(req, res));
    });
  }

  /** `http://127.0.0.1:<port>`, for STRIPE_EB_STRIPE_API_BASE. */
  public get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Puts an event (the full v2 event, as `GET /v2/core/events/{id}` returns it) and its related object in place. */
  public seed(event: Json, relatedObject?: Json): void {
    this.events.set(event.id, event);
    if (relatedObject && event.related_object?.url) this.objects.set(event.related_object.url.split('?')[0], relatedObject);
  }

  /** How many requests were made for a path. */
  public count(pathname: string): number {
    return this.requests.filter((r) => r.path === pathname).length;
  }

  public async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const head = (name: string) => [req.headers[name]].flat()[0];
    const reply = (status: number, payload: Json, validate?: ValidateFunction) => {
      const check = status === 200 ? validate : validators!.error;
      if (check && !check(payload)) this.violations.push(`response to ${method} ${url.pathname} (${status}) does not match the spec: ${ajvErrors(check)}`);
      this.requests.push({ method, path: url.pathname, stripeContext: head('stripe-context'), stripeAccount: head('stripe-account'), trigger: head('stripe-request-trigger'), status });
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${this.requests.length}`, 'stripe-version': this.options.apiVersion });
      res.end(JSON.stringify(payload));
    };
    const notFound = (what: string) => reply(404, { error: { type: 'invalid_request_error', code: 'not_found', message: `No such ${what}` } });

    if (head('authorization') !== `Bearer ${this.options.apiKey}`) {
      return reply(401, { error: { type: 'invalid_request_error', code: 'invalid_api_key', message: 'Invalid API Key provided' } });
    }
    if (method !== 'GET') {
      this.violations.push(`${method} ${url.pathname}: a thin event handler's reads are GETs`);
      return notFound('operation');
    }
    if (url.pathname.startsWith('/v1/')) return this.forward(req, res, url);
    if (head('stripe-version') !== this.options.apiVersion) {
      this.violations.push(`${method} ${url.pathname} sent Stripe-Version '${head('stripe-version')}', expected '${this.options.apiVersion}'`);
    }
    if (url.pathname === '/v2/core/events') return this.list(url, reply);
    const eventMatch = /^\/v2\/core\/events\/([^/]+)$/.exec(url.pathname);
    if (eventMatch) {
      if ([...url.searchParams].length > 0) this.violations.push(`GET ${url.pathname} takes no query, got ${url.search}`);
      const event = this.events.get(decodeURIComponent(eventMatch[1]));
      return event ? reply(200, event, validators!.event(event.type)) : notFound(`event: '${eventMatch[1]}'`);
    }
    const op = validators!.served.find((o) => o.pattern.test(url.pathname));
    if (!op) {
      this.violations.push(`GET ${url.pathname} is not served by this stand-in`);
      return notFound('path');
    }
    const query: Record<string, string[]> = {};
    for (const [k, v] of url.searchParams) (query[k.replace(/\[\d*\]$/, '')] ??= []).push(v);
    for (const [name, values] of Object.entries(query)) {
      const schema = op.query.get(name);
      const check = schema && validators!.queryAjv.compile({ type: 'object', properties: { value: schema } });
      if (!check || !check({ value: values })) this.violations.push(`GET ${url.pathname}: query parameter ${name}=${JSON.stringify(values)} is not in the spec`);
    }
    const object = this.objects.get(url.pathname);
    return object ? reply(200, object, op.ok) : notFound(`object: '${url.pathname}'`);
  }

  /**
   * GET /v2/core/events: the seeded events of the query, newest first (Stripe lists events in reverse chronological
   * order), `limit` per page (default 20). A `page` request is answered from its token alone.
   */
  private list(url: URL, reply: (status: number, payload: Json, validate?: ValidateFunction) => void): void {
    const bad = (message: string) => {
      this.violations.push(`GET /v2/core/events: ${message}`);
      reply(400, { error: { type: 'invalid_request_error', code: 'invalid_request', message } });
    };
    this.listQueries.push(Object.fromEntries(url.searchParams));
    // `created[gte]=…`, `types[0]=…` (the SDK's deepObject form) into `{ created: { gte } }`, `{ types: […] }`.
    const query: Record<string, Json> = {};
    for (const [k, v] of url.searchParams) {
      const m = /^([a-z_]+)(?:\[([a-z]*|\d+)\])?$/.exec(k);
      if (!m) return bad(`query parameter ${k} is not in the spec`);
      const [, name, sub] = m;
      if (sub === undefined) query[name] = v;
      else if (/^\d*$/.test(sub)) (query[name] ??= []).push(v);
      else (query[name] ??= {})[sub] = v;
    }
    for (const [name, value] of Object.entries(query)) {
      const schema = validators!.listQuery.get(name);
      const check = schema && validators!.queryAjv.compile({ type: 'object', properties: { value: schema } });
      const holder = { value };
      if (!check || !check(holder)) return bad(`query parameter ${name}=${JSON.stringify(value)} is not in the spec`);
      query[name] = holder.value;
    }
    if (Array.isArray(query.types) && query.types.length > 20) return bad('types holds more than 20 event names');
    let filters = query;
    let offset = 0;
    if (query.page !== undefined) {
      const page = this.pages.get(query.page);
      if (!page) return bad(`page ${query.page} is not a page token this API issued`);
      ({ query: filters, offset } = page);
    }
    const at = (e: Json) => Date.parse(e.created);
    const created = filters.created ?? {};
    const events = [...this.events.values()]
      .filter((e) => !filters.types || filters.types.includes(e.type))
      .filter((e) => !filters.object_id || e.related_object?.id === filters.object_id)
      .filter((e) => (created.gt === undefined || at(e) > Date.parse(created.gt)) && (created.gte === undefined || at(e) >= Date.parse(created.gte)))
      .filter((e) => (created.lt === undefined || at(e) < Date.parse(created.lt)) && (created.lte === undefined || at(e) <= Date.parse(created.lte)))
      .sort((a, b) => at(b) - at(a) || b.id.localeCompare(a.id));
    const limit = filters.limit ?? 20;
    const data = events.slice(offset, offset + limit);
    const pageUrl = (from: number) => {
      const token = `page_${this.pages.size + 1}`;
      this.pages.set(token, { query: filters, offset: from });
      return `/v2/core/events?page=${token}`;
    };
    const next = offset + limit < events.length ? pageUrl(offset + limit) : null;
    const previous = offset > 0 ? pageUrl(Math.max(0, offset - limit)) : null;
    for (const e of data) {
      const validate = validators!.event(e.type);
      if (!validate(e)) this.violations.push(`event ${e.id} in GET /v2/core/events does not match the spec: ${ajvErrors(validate)}`);
    }
    reply(200, { data, next_page_url: next, previous_page_url: previous }, validators!.listPage);
  }

  /** A `/v1/…` request, answered by stripe-mock (which validates it against Stripe's v1 spec). */
  private async forward(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const record = (status: number) =>
      this.requests.push({ method: 'GET', path: url.pathname, stripeContext: [req.headers['stripe-context']].flat()[0], stripeAccount: [req.headers['stripe-account']].flat()[0], status });
    if (!this.options.v1Upstream) {
      this.violations.push(`GET ${url.pathname}: no stripe-mock to answer v1 requests`);
      record(404);
      res.writeHead(404).end();
      return;
    }
    const upstream = await fetch(`${this.options.v1Upstream}${url.pathname}${url.search}`, { headers: { authorization: 'Bearer sk_test_123' } });
    const body = await upstream.text();
    record(upstream.status);
    res.writeHead(upstream.status, { 'content-type': 'application/json', 'request-id': 'req_v1' }).end(body);
  }
}

function ajvErrors(v: ValidateFunction): string {
  return (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`).join('; ');
}

/** A v2 account as `GET /v2/core/accounts/{id}` returns it (the spec's required fields and a few more). */
export function v2Account(id: string, fields: Record<string, unknown> = {}): Json {
  return { id, object: 'v2.core.account', applied_configurations: ['recipient'], created: '2026-11-20T10:00:00.000Z', livemode: false, display_name: `Shop ${id}`, contact_email: `${id}@example.com`, ...fields };
}

/** A full thin event as `GET /v2/core/events/{id}` returns it, from the notification in an EventBridge `detail`. */
export function v2EventFrom(detail: Json): Json {
  const { id, object, type, created, livemode, context, related_object: relatedObject, snapshot_event: snapshotEvent } = detail;
  return {
    id,
    object,
    type,
    created,
    livemode,
    ...(context ? { context } : {}),
    ...(relatedObject ? { related_object: relatedObject } : {}),
    ...(snapshotEvent ? { snapshot_event: snapshotEvent } : {}),
  };
}
