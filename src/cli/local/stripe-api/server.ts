/**
 * A local Stripe API for the reads of thin event handlers (`context.stripe`, `eventNotification.fetchRelatedObject()` /
 * `fetchEvent()`, stripe-python's `fetch_related_object()` / `fetch_event()`), started by `stripe-eventbridge replay`
 * and pointed at with `STRIPE_EB_STRIPE_API_BASE`. It serves the objects of objects.ts: `GET /v2/core/events/{id}`, the
 * v2 objects the spec describes (`GET /v2/core/accounts/{id}`, its persons, event destinations), and seeded v1 objects
 * by id.
 *
 * It answers as Stripe does, and checks both ways against Stripe's v2 OpenAPI spec (spec.ts):
 * - a request with another key than the replay's is refused (401); one that is not a read, on a path the spec does not
 *   have, or with a query parameter or value the spec does not allow is refused with Stripe's error shape (400, 404),
 *   so the handler fails here as it would against Stripe;
 * - `include` works as Stripe documents it (docs.stripe.com/api-includable-response-values): include-dependent
 *   properties (an account's `requirements`, `identity`, `configuration.*`, …) are only returned when included. Stripe
 *   returns them as null otherwise; the spec (and the SDK's types) declare them optional and not nullable, so they are
 *   left out here: a handler sees no value either way;
 * - every response is checked against the spec before it is sent; a mismatch (which the checks at seeding time should
 *   have prevented) is recorded in `problems`, and the replay reports it.
 *
 * The validation is here, in the product, not only in the tests: what it serves comes from the user (their seed file,
 * their stream), and a replay that served an object Stripe would never return, or accepted a request Stripe refuses,
 * would pass a handler that then fails in production.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { StripeObjects, StoredObject } from './objects';
import { ajvErrors, ServedOperation, StripeV2Spec } from './spec';

type Json = any;

/** Answers with Stripe's error shape: status, code, message, and the parameter at fault (v1 errors name it). */
type ErrorReply = (status: number, code: string, message: string, param?: string) => void;

export interface StripeApiRequest {
  readonly method: string;
  /** The path and query as requested. */
  readonly path: string;
  /** `Stripe-Context`, `Stripe-Account` and `Stripe-Request-Trigger` (the SDK's fetches send `event=<id>`), when sent. */
  readonly stripeContext?: string;
  readonly stripeAccount?: string;
  readonly trigger?: string;
  readonly status: number;
}

export interface LocalStripeApiOptions {
  /** The only key accepted (`Authorization: Bearer …`): what the local Secrets Manager gives the functions. */
  readonly apiKey: string;
  readonly objects: StripeObjects;
}

/** The key the replay's functions read from the local Secrets Manager: a test-mode restricted key, of no account. */
export const LOCAL_STRIPE_API_KEY = 'rk_test_51LocalReplayKeyOfNoStripeAccount000000000000000';

export class LocalStripeApi {
  /** Starts the server on a free loopback port. */
  public static async start(options: LocalStripeApiOptions): Promise<LocalStripeApi> {
    const api = new LocalStripeApi(options);
    await new Promise<void>((resolve, reject) => {
      api.server.once('error', reject);
      api.server.listen(0, '127.0.0.1', resolve);
    });
    return api;
  }

  public readonly requests: StripeApiRequest[] = [];
  /** Responses that did not match the spec, and requests the local API cannot serve as Stripe would (writes). */
  public readonly problems: string[] = [];
  private readonly server: http.Server;
  private readonly spec = StripeV2Spec.shared();

  private constructor(private readonly options: LocalStripeApiOptions) {
    this.server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => this.handle(req, res));
    });
  }

  /** `http://127.0.0.1:<port>`, for STRIPE_EB_STRIPE_API_BASE. */
  public get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  public async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const v2 = url.pathname.startsWith('/v2/');
    const header = (name: string) => [req.headers[name]].flat()[0];
    const reply = (status: number, payload: Json, check?: StoredObject['check']) => {
      const validate = status === 200 ? check : v2 ? this.spec.error : undefined;
      if (validate && !validate(payload)) {
        this.problems.push(`the response to ${method} ${url.pathname} (${status}) does not match Stripe's v2 spec (${this.spec.version}): ${ajvErrors(validate)}`);
      }
      this.requests.push({
        method,
        path: `${url.pathname}${url.search}`,
        stripeContext: header('stripe-context'),
        stripeAccount: header('stripe-account'),
        trigger: header('stripe-request-trigger'),
        status,
      });
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_local_${this.requests.length}` });
      res.end(JSON.stringify(payload));
    };
    const error: ErrorReply = (status, code, message, param) =>
      // v1 errors name the parameter; v2 errors (v2.error) have no such field.
      reply(status, { error: { type: 'invalid_request_error', code, message, ...(!v2 && param ? { param } : {}) } });

    if (header('authorization') !== `Bearer ${this.options.apiKey}`) {
      return error(401, 'api_key_invalid', 'Invalid API Key provided: the local Stripe API of stripe-eventbridge replay takes the key its local Secrets Manager gives the functions');
    }
    if (method !== 'GET') {
      this.problems.push(`${method} ${url.pathname}: a handler wrote to Stripe; the local Stripe API of stripe-eventbridge replay serves reads (GET) only`);
      return error(400, 'local_api_reads_only', `${method} ${url.pathname}: the local Stripe API of stripe-eventbridge replay serves reads (GET) only`);
    }
    if (!v2) return this.serveV1(url, reply, error);

    const found = this.spec.operationFor(url.pathname);
    if (!found) {
      const served = this.spec.operations.map((o) => `GET ${o.template}`).join(', ');
      return error(404, 'not_found', `Unrecognized request URL (GET: ${url.pathname}): the local Stripe API of stripe-eventbridge replay serves ${served}`);
    }
    const query = queryValues(url);
    for (const [name, values] of Object.entries(query)) {
      const schema = found.operation.query.get(name);
      if (!schema) return error(400, 'parameter_unknown', `Received unknown parameter: ${name} (GET ${found.operation.template} takes ${[...found.operation.query.keys()].join(', ') || 'none'})`, name);
      if (!this.spec.queryValueValid(schema, values)) return error(400, 'parameter_invalid', `Invalid ${name}: ${values.join(', ')} (allowed: ${JSON.stringify(schema.items?.enum ?? schema.enum ?? schema.type)})`, name);
    }
    const stored = found.operation.objectName === 'v2.core.event'
      ? this.options.objects.event(found.params.id)
      : this.options.objects.object(found.params.id, found.operation.objectName);
    if ('missing' in stored) return error(404, 'not_found', stored.missing);
    if (found.params.account_id !== undefined && stored.value.account !== found.params.account_id) {
      return error(404, 'not_found', `No such person: '${found.params.id}' on account '${found.params.account_id}'`);
    }
    return reply(200, withIncludes(stored.value, found.operation, new Set(query.include ?? [])), stored.check);
  }

  /** A v1 object by the id at the end of its path (`/v1/billing/meters/mtr_123`), as seeded. */
  private serveV1(url: URL, reply: (status: number, payload: Json) => void, error: ErrorReply): void {
    const id = decodeURIComponent(url.pathname.split('/').pop() ?? '');
    const stored = this.options.objects.object(id, undefined);
    if ('missing' in stored) return error(404, 'resource_missing', stored.missing, 'id');
    return reply(200, stored.value);
  }
}

/** The query's values by parameter name, `include[0]=a&include[1]=b` and `include=a` alike. */
function queryValues(url: URL): Record<string, string[]> {
  const query: Record<string, string[]> = {};
  for (const [key, value] of url.searchParams) (query[key.replace(/\[\d*\]$/, '')] ??= []).push(value);
  return query;
}

/**
 * The object as an operation with `include` returns it: each include-dependent property only when included. A
 * property with dotted values (`configuration.customer`, …) is left out when none of them is included, and each one
 * not included is left out of it otherwise (docs.stripe.com/api-includable-response-values).
 */
export function withIncludes(object: Json, operation: ServedOperation, included: ReadonlySet<string>): Json {
  if (operation.includable.length === 0) return object;
  const out = structuredClone(object);
  const groups = new Map<string, string[]>();
  for (const value of operation.includable) {
    const [head, ...rest] = value.split('.');
    groups.set(head, [...(groups.get(head) ?? []), rest.join('.')]);
  }
  for (const [head, members] of groups) {
    if (members.includes('')) {
      if (!included.has(head)) delete out[head];
    } else if (!members.some((m) => included.has(`${head}.${m}`))) {
      delete out[head];
    } else if (out[head] && typeof out[head] === 'object') {
      for (const m of members) if (!included.has(`${head}.${m}`)) delete out[head][m];
    }
  }
  return out;
}
