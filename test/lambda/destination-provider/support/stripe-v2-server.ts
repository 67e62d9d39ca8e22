/**
 * A local stand-in for Stripe's `/v2/core/event_destinations` endpoints, for driving the real `stripe`
 * SDK (pointed at it with `host`, `port`, `protocol`) through the provider's logic.
 *
 * Every request (path, query, body, headers that Stripe requires) and every response is validated
 * against Stripe's published v2 OpenAPI schemas (test/fixtures/data/stripe-openapi/
 * v2-event-destinations.subset.json, from stripe/stripe-cli). Validation is strict: object schemas
 * reject properties the spec does not define. A mismatch is recorded in `violations` (tests assert it
 * stays empty) and answered with a 400, so a test can never pass on a request Stripe would not accept.
 *
 * Beyond the schema, the stand-in refuses what Stripe documents as wrong for each payload style: a
 * `snapshot_api_version` is only for `event_payload: snapshot` ("If using the snapshot event payload, the API
 * version events are rendered as", docs.stripe.com/api/v2/core/event-destinations/create), and a destination
 * receives the event types of its style only (thin types start with a version: `v1.…`, `v2.…`).
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { strictSchema as strict } from '../../../support/openapi-strict';

const SPEC_FILE = path.join(__dirname, '..', '..', '..', 'fixtures', 'data', 'stripe-openapi', 'v2-event-destinations.subset.json');

type Json = any;

interface Operation {
  readonly method: string;
  readonly template: string;
  readonly pattern: RegExp;
  readonly query: Map<string, { schema: Json; required: boolean; style?: string }>;
  readonly body?: ValidateFunction;
  readonly ok: ValidateFunction;
  readonly error: ValidateFunction;
}

function loadOperations(): Operation[] {
  const spec = strict(JSON.parse(fs.readFileSync(SPEC_FILE, 'utf8')));
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(spec, 'spec');
  const ops: Operation[] = [];
  const pointer = (...parts: string[]) => ({ $ref: `spec#/${parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}` });
  for (const [template, item] of Object.entries<Json>(spec.paths)) {
    for (const [method, op] of Object.entries<Json>(item)) {
      const query = new Map<string, { schema: Json; required: boolean; style?: string }>();
      for (const p of op.parameters ?? []) if (p.in === 'query') query.set(p.name, { schema: p.schema, required: !!p.required, style: p.style });
      ops.push({
        method: method.toUpperCase(),
        template,
        pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '([^/]+)')}$`),
        query,
        body: op.requestBody ? ajv.compile(pointer('paths', template, method, 'requestBody', 'content', 'application/json', 'schema')) : undefined,
        ok: ajv.compile(pointer('paths', template, method, 'responses', '200', 'content', 'application/json', 'schema')),
        error: ajv.compile(pointer('paths', template, method, 'responses', 'default', 'content', 'application/json', 'schema')),
      });
    }
  }
  return ops;
}

const OPERATIONS = loadOperations();
const QUERY_AJV = new Ajv({ strict: false, coerceTypes: 'array' });

/** A canned failure for the next matching request(s). */
export interface Fault {
  readonly method: string;
  readonly path: RegExp;
  /** Answer with this status and v2 error instead of handling the request. */
  readonly status?: number;
  readonly error?: { type?: string; code: string; message: string };
  readonly headers?: Record<string, string>;
  /** Handle the request, then drop the connection before answering (a response lost on the way back). */
  readonly dropResponse?: boolean;
  /** How many matching requests it applies to. */
  times?: number;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string | string[]>;
  readonly body: Json;
  readonly idempotencyKey?: string;
  readonly status: number;
  readonly requestId: string;
}

export interface StripeV2ServerOptions {
  /** The only key the server accepts (Authorization: Bearer …). */
  readonly apiKey: string;
  /** The Stripe-Version every request must carry. */
  readonly apiVersion: string;
  /** Page size of list responses when the request gives no `limit`. */
  readonly pageSize?: number;
  /**
   * The partner event source name Stripe reports for a new destination (in `aws_event_source_arn`).
   * @default - `aws.partner/stripe.com/<destination id>`, the form Stripe documents
   */
  readonly eventSourceName?: (destinationId: string) => string;
}

export class StripeV2Server {
  public static async start(options: StripeV2ServerOptions): Promise<StripeV2Server> {
    const server = new StripeV2Server(options);
    await new Promise<void>((resolve) => server.http.listen(0, '127.0.0.1', resolve));
    return server;
  }

  /** Destinations by id, in creation order. */
  public readonly destinations = new Map<string, Json>();
  public readonly requests: RecordedRequest[] = [];
  /** Every schema or protocol mismatch seen; a test fails when this is not empty. */
  public readonly violations: string[] = [];
  private readonly faults: Fault[] = [];
  private readonly idempotent = new Map<string, { status: number; body: Json }>();
  private readonly http: http.Server;
  private clock = Date.parse('2026-11-26T12:00:00.000Z');

  private constructor(private readonly options: StripeV2ServerOptions) {
    this.http = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.handle(req, res, Buffer.concat(chunks).toString('utf8')));
    });
  }

  public get endpoint(): { host: string; port: number; protocol: 'http' } {
    return { host: '127.0.0.1', port: (this.http.address() as AddressInfo).port, protocol: 'http' };
  }

  public fail(fault: Fault): void {
    this.faults.push({ times: 1, ...fault });
  }

  /** Puts a destination in place as if created earlier (e.g. by an attempt whose response was lost). */
  public seed(fields: Partial<Json> & { metadata?: Record<string, string> }): Json {
    const d = this.newDestination({
      name: 'seeded',
      enabled_events: ['charge.succeeded'],
      event_payload: 'snapshot',
      snapshot_api_version: this.options.apiVersion,
      amazon_eventbridge: { aws_account_id: '123456789012', aws_region: 'us-east-1' },
      type: 'amazon_eventbridge',
    });
    Object.assign(d, fields);
    return d;
  }

  public async close(): Promise<void> {
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const requestId = `req_${randomBytes(7).toString('hex')}`;
    const op = OPERATIONS.find((o) => o.method === method && o.pattern.test(url.pathname));
    const query = this.queryOf(url);
    const idempotencyKey = header(req, 'idempotency-key');
    let body: Json = undefined;
    const reply = (status: number, payload: Json, extra: Record<string, string> = {}, drop = false) => {
      if (op) {
        const validate = status === 200 ? op.ok : op.error;
        if (!validate(payload)) this.violate(`response to ${method} ${url.pathname} (${status}) does not match the spec: ${ajvErrors(validate)}`);
      }
      this.requests.push({ method, path: url.pathname, query, body, idempotencyKey, status, requestId });
      if (drop) {
        req.socket.destroy();
        return;
      }
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': requestId, 'stripe-version': this.options.apiVersion, ...extra });
      res.end(JSON.stringify(payload));
    };
    const clientError = (status: number, code: string, message: string, type = 'invalid_request_error') => reply(status, { error: { type, code, message } });

    // The protocol Stripe's v2 API requires, checked before anything else.
    if (!op) {
      this.violate(`${method} ${url.pathname} is not an operation of the event destinations API`);
      return clientError(404, 'not_found', `Unrecognized request URL (${method}: ${url.pathname}).`);
    }
    if (raw !== '') {
      try {
        body = JSON.parse(raw);
      } catch {
        this.violate(`${method} ${url.pathname} has a body that is not JSON`);
        return clientError(400, 'invalid_json', 'Request body is not valid JSON.');
      }
    }
    if (header(req, 'authorization') !== `Bearer ${this.options.apiKey}`) {
      const presented = (header(req, 'authorization') ?? '').replace(/^Bearer /, '');
      // Stripe echoes a masked key: prefix and last four characters.
      const masked = presented.length > 12 ? `${presented.slice(0, 8)}${'*'.repeat(presented.length - 12)}${presented.slice(-4)}` : '***';
      return clientError(401, 'invalid_api_key', `Invalid API Key provided: ${masked}`);
    }
    const version = header(req, 'stripe-version');
    if (version !== this.options.apiVersion) {
      this.violate(`${method} ${url.pathname} sent Stripe-Version '${version}', expected '${this.options.apiVersion}'`);
    }
    if (method === 'POST' && !/^application\/json/.test(header(req, 'content-type') ?? '')) {
      this.violate(`${method} ${url.pathname} is not sent as application/json (v2 API)`);
    }
    if ((method === 'POST' || method === 'DELETE') && !idempotencyKey) {
      this.violate(`${method} ${url.pathname} has no Idempotency-Key`);
    }
    for (const [name, value] of Object.entries(query)) {
      const param = op.query.get(name);
      if (!param) {
        this.violate(`${method} ${url.pathname}: query parameter '${name}' is not in the spec`);
        continue;
      }
      // Query strings carry text: coerce it the way Stripe parses it (integers, deepObject arrays).
      const check = QUERY_AJV.compile({ type: 'object', properties: { value: param.schema } });
      const holder = { value };
      if (!check(holder)) {
        this.violate(`${method} ${url.pathname}: query parameter ${name}=${JSON.stringify(value)} does not match ${JSON.stringify(param.schema)}`);
      }
    }
    if (op.body) {
      if (!op.body(body ?? {})) {
        this.violate(`request body of ${method} ${url.pathname} does not match the spec: ${ajvErrors(op.body)}: ${raw}`);
        return clientError(400, 'invalid_fields', `Invalid request: ${ajvErrors(op.body)}`);
      }
    } else if (body !== undefined && !(typeof body === 'object' && Object.keys(body).length === 0)) {
      this.violate(`${method} ${url.pathname} takes no body, got ${raw}`);
    }

    // Replays: the same idempotency key gets the same answer, as Stripe does.
    const replayKey = idempotencyKey ? `${method} ${url.pathname} ${idempotencyKey}` : undefined;
    if (replayKey && this.idempotent.has(replayKey)) {
      const stored = this.idempotent.get(replayKey)!;
      return reply(stored.status, stored.body, { 'idempotent-replayed': 'true' });
    }

    const fault = this.takeFault(method, url.pathname);
    if (fault && fault.status) {
      return reply(fault.status, { error: { type: fault.error?.type ?? 'api_error', ...(fault.error ?? { code: 'error', message: 'error' }) } }, fault.headers);
    }

    const [status, payload] = this.operate(op, url, body ?? {}, query);
    if (replayKey && status < 500) this.idempotent.set(replayKey, { status, body: payload });
    reply(status, payload, {}, fault?.dropResponse === true);
  }

  private operate(op: Operation, url: URL, body: Json, query: Record<string, string | string[]>): [number, Json] {
    const id = decodeURIComponent(op.pattern.exec(url.pathname)?.[1] ?? '');
    const notFound = (): [number, Json] => [404, { error: { type: 'invalid_request_error', code: 'not_found', message: `No such event_destination: '${id}'` } }];
    const existing = id ? this.destinations.get(id) : undefined;
    switch (`${op.method} ${op.template}`) {
      case 'GET /v2/core/event_destinations': {
        const all = [...this.destinations.values()];
        const limit = query.limit ? Number(query.limit) : this.options.pageSize ?? 20;
        const offset = query.page ? Number(String(query.page).replace(/^page_/, '')) : 0;
        const data = all.slice(offset, offset + limit);
        const next = offset + limit < all.length ? `/v2/core/event_destinations?limit=${limit}&page=page_${offset + limit}` : null;
        const previous = offset > 0 ? `/v2/core/event_destinations?limit=${limit}&page=page_${Math.max(0, offset - limit)}` : null;
        return [200, { data, next_page_url: next, previous_page_url: previous }];
      }
      case 'POST /v2/core/event_destinations': {
        if (body.type !== 'amazon_eventbridge' || !body.amazon_eventbridge) {
          return [400, { error: { type: 'invalid_request_error', code: 'invalid_fields', message: 'This stand-in only creates amazon_eventbridge destinations.' } }];
        }
        const payloadProblem = this.payloadProblem(body.event_payload, body.snapshot_api_version, body.enabled_events);
        if (payloadProblem) {
          this.violate(`POST /v2/core/event_destinations: ${payloadProblem}`);
          return [400, { error: { type: 'invalid_request_error', code: 'invalid_fields', message: payloadProblem } }];
        }
        return [200, this.newDestination(body)];
      }
      case 'GET /v2/core/event_destinations/{id}':
        return existing ? [200, existing] : notFound();
      case 'POST /v2/core/event_destinations/{id}': {
        if (!existing) return notFound();
        const updateProblem = body.enabled_events
          ? this.payloadProblem(existing.event_payload, existing.snapshot_api_version, body.enabled_events)
          : undefined;
        if (updateProblem) {
          this.violate(`POST ${url.pathname}: ${updateProblem}`);
          return [400, { error: { type: 'invalid_request_error', code: 'invalid_fields', message: updateProblem } }];
        }
        for (const field of ['name', 'description', 'enabled_events'] as const) if (body[field] !== undefined) existing[field] = body[field];
        if (body.metadata) {
          for (const [k, v] of Object.entries(body.metadata)) {
            if (v === null) delete existing.metadata[k];
            else existing.metadata[k] = v;
          }
        }
        existing.updated = this.tick();
        return [200, existing];
      }
      case 'DELETE /v2/core/event_destinations/{id}':
        if (!existing) return notFound();
        this.destinations.delete(id);
        return [200, { id, object: 'v2.core.event_destination' }];
      case 'POST /v2/core/event_destinations/{id}/disable':
        if (!existing) return notFound();
        existing.status = 'disabled';
        existing.status_details = { disabled: { reason: 'user' } };
        existing.updated = this.tick();
        return [200, existing];
      case 'POST /v2/core/event_destinations/{id}/enable':
        if (!existing) return notFound();
        existing.status = 'enabled';
        delete existing.status_details;
        existing.updated = this.tick();
        return [200, existing];
      default:
        this.violate(`${op.method} ${op.template} is in the spec but not implemented by the stand-in`);
        return [400, { error: { type: 'invalid_request_error', code: 'unsupported', message: 'not implemented' } }];
    }
  }

  private newDestination(body: Json): Json {
    const id = `ed_test_${randomBytes(20).toString('hex').slice(0, 40)}`;
    const now = this.tick();
    const d: Json = {
      id,
      object: 'v2.core.event_destination',
      created: now,
      updated: now,
      name: body.name,
      description: body.description ?? '',
      enabled_events: body.enabled_events,
      event_payload: body.event_payload,
      snapshot_api_version: body.snapshot_api_version,
      events_from: ['self'],
      livemode: this.options.apiKey.includes('_live_'),
      metadata: { ...(body.metadata ?? {}) },
      status: 'enabled',
      type: body.type,
      amazon_eventbridge: {
        aws_account_id: body.amazon_eventbridge.aws_account_id,
        aws_event_source_arn: `arn:aws:events:${body.amazon_eventbridge.aws_region}::event-source/${this.options.eventSourceName?.(id) ?? `aws.partner/stripe.com/${id}`}`,
        aws_event_source_status: 'pending',
      },
    };
    this.destinations.set(id, d);
    return d;
  }

  /** What Stripe documents as wrong for the payload style: an API version on thin events, types of the other style. */
  private payloadProblem(payload: string, snapshotApiVersion: string | undefined, enabledEvents: string[]): string | undefined {
    const thin = (type: string) => /^v\d+\./.test(type);
    if (payload === 'thin') {
      if (snapshotApiVersion !== undefined) return 'snapshot_api_version is only for event_payload snapshot.';
      const wrong = enabledEvents.filter((t) => !thin(t));
      if (wrong.length > 0) return `enabled_events of a thin destination must be thin event types; got ${wrong.join(', ')}.`;
    } else {
      const wrong = enabledEvents.filter(thin);
      if (wrong.length > 0) return `enabled_events of a snapshot destination must be snapshot event types; got ${wrong.join(', ')}.`;
    }
    return undefined;
  }

  private tick(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString();
  }

  private takeFault(method: string, pathname: string): Fault | undefined {
    const i = this.faults.findIndex((f) => f.method === method && f.path.test(pathname));
    if (i < 0) return undefined;
    const f = this.faults[i];
    f.times = (f.times ?? 1) - 1;
    if (f.times <= 0) this.faults.splice(i, 1);
    return f;
  }

  private queryOf(url: URL): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of url.searchParams) {
      const name = k.replace(/\[\d*\]$/, '');
      const prev = out[name];
      out[name] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    return out;
  }

  private violate(message: string): void {
    this.violations.push(message);
  }
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function ajvErrors(v: ValidateFunction): string {
  return (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`).join('; ');
}
