/**
 * Reads Stripe's event log: GET /v1/events through the `stripe` package, filtered by type (`types[]`, up to
 * 20 exact names, or `type` with a `*` wildcard group: one or the other per request) and by creation time
 * (`created[gte]`, `created[lte]`), newest first, page by page with `starting_after` (the SDK's
 * auto-pagination). Parameters as Stripe's OpenAPI spec for GET /v1/events defines them (the spec
 * stripe-mock embeds; docs.stripe.com/api/events/list). The list goes back 30 days at most.
 */
import Stripe from 'stripe';
import { StripeEventBridgeError } from '../contract/errors';
import { STRIPE_EVENTS_RETENTION_SECONDS, STRIPE_MAX_TYPES_PER_LIST } from '../contract/reconcile';

/** The filter of one list request: exact types, one wildcard group, or every event. */
export type StripeEventQuery = { readonly types: string[] } | { readonly type: string } | { readonly all: true };

/** The `detail-type` alternatives of a pattern, or undefined when the pattern takes every type (or filters it in a way Stripe's list cannot). */
function detailTypes(pattern: unknown): Array<{ exact: string } | { group: string }> | undefined {
  let p = pattern;
  if (typeof p === 'string') {
    try {
      p = JSON.parse(p);
    } catch {
      return undefined;
    }
  }
  const values = (p as Record<string, unknown> | null)?.['detail-type'];
  if (!Array.isArray(values) || '$or' in (p as object)) return undefined;
  const out: Array<{ exact: string } | { group: string }> = [];
  for (const v of values) {
    const wildcard = (v as { wildcard?: unknown } | null)?.wildcard;
    if (typeof v === 'string') out.push({ exact: v });
    // `customer.subscription.*`: Stripe's `type` takes "a group of events using * as a wildcard".
    else if (typeof wildcard === 'string' && /^[a-z0-9_.]+\.\*$/.test(wildcard)) out.push({ group: wildcard });
    else return undefined;
  }
  return out;
}

/**
 * The fewest list requests that return every event the patterns could take: exact types in groups of
 * 20 (`types[]`), each wildcard group on its own (`type`), or one unfiltered request when a pattern takes
 * every type. Events are matched against the patterns afterwards, so a wider list is only slower.
 */
export function eventQueries(patterns: readonly unknown[]): StripeEventQuery[] {
  const exact = new Set<string>();
  const groups = new Set<string>();
  for (const pattern of patterns) {
    const types = detailTypes(pattern);
    if (types === undefined) return [{ all: true }];
    for (const t of types) {
      if ('exact' in t) exact.add(t.exact);
      else groups.add(t.group);
    }
  }
  const covered = (type: string) => [...groups].some((g) => type.startsWith(g.slice(0, -1)));
  const listed = [...exact].filter((t) => !covered(t)).sort();
  const queries: StripeEventQuery[] = [];
  for (let i = 0; i < listed.length; i += STRIPE_MAX_TYPES_PER_LIST) queries.push({ types: listed.slice(i, i + STRIPE_MAX_TYPES_PER_LIST) });
  for (const group of [...groups].sort()) queries.push({ type: group });
  return queries;
}

/** Creation times, in Unix seconds, both ends included. */
export interface EventWindow {
  readonly since: number;
  readonly until: number;
}

/** A window Stripe's list cannot serve, or an empty one. */
export class EventWindowError extends StripeEventBridgeError {
  public readonly name = 'EventWindowError';
}

/**
 * The events created from `sinceSeconds` ago up to `graceSeconds` ago: the youngest events are left out,
 * as they may still be on their way (EventBridge and Lambda retry for hours).
 */
export function eventWindow(now: number, sinceSeconds: number, graceSeconds: number): EventWindow {
  if (sinceSeconds > STRIPE_EVENTS_RETENTION_SECONDS) {
    throw new EventWindowError(`the window reaches back ${Math.round(sinceSeconds / 86400)} days; Stripe's Events API keeps 30 days of events, so look back 30 days (30d) at most`);
  }
  if (graceSeconds >= sinceSeconds) {
    throw new EventWindowError(`the grace period (${graceSeconds} s) leaves nothing of the window (${sinceSeconds} s); make the window longer or the grace period shorter`);
  }
  return { since: now - sinceSeconds, until: now - graceSeconds };
}

/**
 * Where requests go: Stripe, or stripe-mock / a local stand-in (`http://127.0.0.1:12111`). `command` names
 * the caller in the SDK's app info (the User-Agent Stripe logs).
 */
export function createStripeClient(key: string, apiBase?: string, command = 'reconcile'): Stripe {
  const base = apiBase ? new URL(apiBase) : undefined;
  return new Stripe(key, {
    maxNetworkRetries: 2,
    timeout: 20_000,
    telemetry: false,
    appInfo: { name: `@babes/stripe-eventbridge ${command}` },
    ...(base
      ? { host: base.hostname, port: Number(base.port || (base.protocol === 'https:' ? 443 : 80)), protocol: base.protocol === 'https:' ? 'https' : 'http' }
      : {}),
  });
}

/** Stripe refused a request, or could not be reached. The message never carries the key. */
export class StripeEventsError extends StripeEventBridgeError {
  public readonly name = 'StripeEventsError';
  constructor(
    message: string,
    public readonly statusCode?: number,
  ) {
    super(message);
  }
}

const STRIPE_KEY = /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9*]+/g;

function explain(err: unknown): StripeEventsError {
  const e = err as { statusCode?: number; message?: string; requestId?: string; type?: string };
  const status = e.statusCode;
  const hint =
    status === 401
      ? ' The key was rejected: use a valid restricted key (rk_live_… or rk_test_…).'
      : status === 403
        ? ' The key lacks a permission: give the restricted key Read access to Events (Developers → API keys → Edit).'
        : status === 429
          ? ' Stripe is rate limiting this account: try again in a minute.'
          : '';
  const where = status !== undefined ? `Stripe answered ${status}${e.requestId ? ` (request ${e.requestId})` : ''}` : `Stripe could not be reached (${e.type ?? 'error'})`;
  const said = (e.message ?? String(err)).replace(STRIPE_KEY, '[redacted key]').replace(/\.?\s*$/, '.');
  return new StripeEventsError(`listing events (GET /v1/events): ${where}: ${said}${hint}`, status);
}

export interface ListOptions {
  /** Events per page, 1 to 100. @default 100 */
  readonly pageSize?: number;
}

/**
 * Every event of the queries created within the window, each once, oldest first. Fails with a
 * StripeEventsError that says what Stripe answered and what to do.
 */
export async function listStripeEvents(
  stripe: Stripe,
  queries: readonly StripeEventQuery[],
  window: EventWindow,
  options: ListOptions = {},
): Promise<Stripe.Event[]> {
  const byId = new Map<string, Stripe.Event>();
  for (const query of queries) {
    const params: Stripe.EventListParams = { created: { gte: window.since, lte: window.until }, limit: options.pageSize ?? 100 };
    if ('types' in query) params.types = query.types;
    if ('type' in query) params.type = query.type;
    try {
      for await (const event of stripe.events.list(params)) byId.set(event.id, event);
    } catch (err) {
      throw explain(err);
    }
  }
  return [...byId.values()].sort((a, b) => a.created - b.created || a.id.localeCompare(b.id));
}
