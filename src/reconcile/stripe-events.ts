/**
 * Reads Stripe's event log of snapshot events: GET /v1/events through the `stripe` package, filtered by type
 * (`types[]`, up to 20 exact names, or `type` with a `*` wildcard group: one or the other per request) and by
 * creation time (`created[gte]`, `created[lte]`), newest first, page by page with `starting_after` (the SDK's
 * auto-pagination). Parameters as Stripe's OpenAPI spec for GET /v1/events defines them (the spec
 * stripe-mock embeds; docs.stripe.com/api/events/list). The list goes back 30 days at most. Thin events are
 * listed by GET /v2/core/events (thin-events.ts); both become ListedEvents.
 */
import Stripe from 'stripe';
import { patternObject, type StripePayloadStyle } from '../cloud-assembly/rules';
import { StripeEventBridgeError } from '../contract/errors';
import { STRIPE_EVENTS_RETENTION_SECONDS, STRIPE_MAX_TYPES_PER_LIST } from '../contract/reconcile';

/** A Stripe event of the window, of either payload style, as the reconciliation works with it. */
export interface ListedEvent {
  readonly id: string;
  readonly type: string;
  /** Unix seconds (a thin event's ISO 8601 `created`, to the second). */
  readonly created: number;
  readonly livemode: boolean;
  readonly payload: StripePayloadStyle;
  /**
   * The Stripe event id its idempotency record is keyed on, as the wrappers key it (src/contract/idempotency.ts): a
   * thin event's snapshot twin (`snapshot_event`) when it has one, else its own id.
   */
  readonly recordId: string;
  /** A thin event's `snapshot_event`, the id of its snapshot twin. */
  readonly snapshotEvent?: string;
  /** The event as listed: a snapshot event whole, a thin event with the fetched attributes its notification lacks. */
  readonly event: { readonly id: string; readonly type: string; readonly object: string; readonly created: number | string };
}

/** A snapshot event as listed. */
export function listedSnapshotEvent(e: Stripe.Event): ListedEvent {
  return { id: e.id, type: e.type, created: e.created, livemode: e.livemode, payload: 'snapshot', recordId: e.id, event: e };
}

/** The filter of one list request: exact types, one wildcard group (GET /v1/events only), or every event. */
export type StripeEventQuery = { readonly types: string[] } | { readonly type: string } | { readonly all: true };

/**
 * The `detail-type` alternatives of a pattern, or undefined when the pattern takes every type (or filters it in a way
 * the list cannot: a wildcard group where `groups` is false).
 */
function detailTypes(pattern: unknown, groups: boolean): Array<{ exact: string } | { group: string }> | undefined {
  const p = patternObject(pattern);
  const values = p?.['detail-type'];
  if (!Array.isArray(values) || '$or' in p!) return undefined;
  const out: Array<{ exact: string } | { group: string }> = [];
  for (const v of values) {
    const wildcard = (v as { wildcard?: unknown } | null)?.wildcard;
    if (typeof v === 'string') out.push({ exact: v });
    // `customer.subscription.*`: Stripe's `type` takes "a group of events using * as a wildcard".
    else if (groups && typeof wildcard === 'string' && /^[a-z0-9_.]+\.\*$/.test(wildcard)) out.push({ group: wildcard });
    else return undefined;
  }
  return out;
}

export interface QueryOptions {
  /**
   * Whether the list takes a wildcard group (`type: 'customer.subscription.*'`): GET /v1/events does, GET
   * /v2/core/events does not (it filters by exact `types` only). @default true
   */
  readonly groups?: boolean;
}

/**
 * The fewest list requests that return every event the patterns could take: exact types in groups of
 * 20 (`types[]`), each wildcard group on its own (`type`), or one unfiltered request when a pattern takes
 * every type (or a wildcard, where the list has no groups). Events are matched against the patterns afterwards,
 * so a wider list is only slower.
 */
export function eventQueries(patterns: readonly unknown[], options: QueryOptions = {}): StripeEventQuery[] {
  const exact = new Set<string>();
  const groups = new Set<string>();
  for (const pattern of patterns) {
    const types = detailTypes(pattern, options.groups ?? true);
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

/** What Stripe answered to `request` (`GET /v1/events`), as a StripeEventsError with what to do. */
export function explain(err: unknown, request = 'GET /v1/events'): StripeEventsError {
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
  return new StripeEventsError(`listing events (${request}): ${where}: ${said}${hint}`, status);
}

export interface ListOptions {
  /** Events per page, 1 to 100. @default 100 */
  readonly pageSize?: number;
}

/** Events listed by several requests, each once, oldest first. */
export function oldestFirst<E extends { readonly id: string; readonly created: number }>(events: Iterable<E>): E[] {
  return [...new Map([...events].map((e) => [e.id, e])).values()].sort((a, b) => a.created - b.created || a.id.localeCompare(b.id));
}

/**
 * Every snapshot event of the queries created within the window, each once, oldest first. Fails with a
 * StripeEventsError that says what Stripe answered and what to do.
 */
export async function listStripeEvents(
  stripe: Stripe,
  queries: readonly StripeEventQuery[],
  window: EventWindow,
  options: ListOptions = {},
): Promise<Stripe.Event[]> {
  const events: Stripe.Event[] = [];
  for (const query of queries) {
    const params: Stripe.EventListParams = { created: { gte: window.since, lte: window.until }, limit: options.pageSize ?? 100 };
    if ('types' in query) params.types = query.types;
    if ('type' in query) params.type = query.type;
    try {
      for await (const event of stripe.events.list(params)) events.push(event);
    } catch (err) {
      throw explain(err);
    }
  }
  return oldestFirst(events);
}
