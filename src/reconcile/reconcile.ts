/**
 * The reconciliation: every Stripe event of the handlers' types in a time window, from Stripe's own event
 * log, routed with the offline matcher exactly as the rules would route it (the bare Stripe event in the
 * envelope Stripe delivers it in), and looked up in the handler's idempotency records. Per handler: how
 * many were processed, which are in progress, which never arrived; and the events no rule would take.
 * Shared by `stripe-eventbridge reconcile` and the scheduled function of StripeEventReconciliation.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type Stripe from 'stripe';
import { readRecords, idempotencyKey, recordId, RecordRef, STATUS_COMPLETED } from './records';
import { ReconcileRoute } from './routes';
import { eventQueries, EventWindow, listStripeEvents } from './stripe-events';
import { StripeEventBridgeError } from '../contract/errors';
import { InvalidEventPatternError } from '../event-pattern/errors';
import { ParsedEvent, parseEvent } from '../event-pattern/event-fields';
import { EventPattern } from '../event-pattern/event-pattern';
import { toEventBridgeEvent } from '../event-pattern/stripe-envelope';

/** A Stripe event as reports name it: never its payload. */
export interface StripeEventRef {
  readonly id: string;
  readonly type: string;
  readonly created: number;
  readonly livemode: boolean;
}

export interface HandlerReconciliation {
  readonly handler: string;
  readonly functionName: string;
  /** The event types its rules take (`detail-type` values; `*` for every type). */
  readonly eventTypes: string[];
  /** False when its records cannot be read (see `uncheckedReason`): its events are counted, never judged. */
  readonly checked: boolean;
  readonly uncheckedReason?: string;
  /** Events of the window its rules take. */
  readonly routed: number;
  /** Events with a completed record. */
  readonly processed: number;
  /** Events whose record is in progress: being processed right now. */
  readonly inProgress: StripeEventRef[];
  /**
   * Events without a record (or with an in-progress record whose invocation ended): they never reached the
   * handler, or failed and wait for a retry or in the dead-letter queue.
   */
  readonly missing: StripeEventRef[];
  /** Events without a record that are older than the record lifetime: processed or not, the record would be gone. */
  readonly expired: StripeEventRef[];
}

export interface ReconcileReport {
  /** The window, in Unix seconds, both ends included. */
  readonly since: number;
  readonly until: number;
  /** Stripe events of the handlers' types in the window. */
  readonly listed: number;
  readonly handlers: HandlerReconciliation[];
  /** Events of the handlers' types that no rule would take (a content filter such as livemode excludes them). */
  readonly unrouted: StripeEventRef[];
  /** Missing events over all handlers. */
  readonly missing: number;
}

export interface ReconcileResult {
  readonly report: ReconcileReport;
  /** The listed events by id, for a backfill. */
  readonly events: ReadonlyMap<string, Stripe.Event>;
  readonly routes: readonly ReconcileRoute[];
}

export interface ReconcileOptions {
  readonly routes: readonly ReconcileRoute[];
  readonly stripe: Stripe;
  readonly ddb: DynamoDBClient;
  readonly window: EventWindow;
  /** Now, in Unix seconds. @default the clock */
  readonly now?: number;
  /** Events per page of Stripe's list. @default 100 */
  readonly pageSize?: number;
}

/** A rule's pattern is not a valid event pattern. */
export class RoutePatternError extends StripeEventBridgeError {
  public readonly name = 'RoutePatternError';
}

function typesOf(patterns: readonly unknown[]): string[] {
  const types = new Set<string>();
  for (const pattern of patterns) {
    const p = (typeof pattern === 'string' ? JSON.parse(pattern) : pattern) as Record<string, unknown>;
    const values = p?.['detail-type'];
    if (!Array.isArray(values)) return ['*'];
    for (const v of values) types.add(typeof v === 'string' ? v : JSON.stringify(v).replace(/^\{"wildcard":"(.*)"\}$/, '$1'));
  }
  return [...types];
}

const ref = (e: Stripe.Event): StripeEventRef => ({ id: e.id, type: e.type, created: e.created, livemode: e.livemode });

export async function reconcile(options: ReconcileOptions): Promise<ReconcileResult> {
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const routes = options.routes.map((route) => {
    try {
      return { route, compiled: route.patterns.map((p) => EventPattern.compile(p as string | object)) };
    } catch (err) {
      if (!(err instanceof InvalidEventPatternError)) throw err;
      throw new RoutePatternError(`the rule of handler ${route.handler} has a pattern the matcher rejects: ${err.message}`);
    }
  });
  const queries = eventQueries(options.routes.flatMap((r) => r.patterns));
  const events = await listStripeEvents(options.stripe, queries, options.window, { pageSize: options.pageSize });

  // Which handlers each event goes to, as EventBridge would decide on the bus.
  const routedTo = new Map<ReconcileRoute, Stripe.Event[]>(routes.map(({ route }) => [route, []]));
  const unrouted: StripeEventRef[] = [];
  for (const event of events) {
    let taken = false;
    // The event as delivered, parsed once per envelope (routes on one bus share it).
    const delivered = new Map<string, ParsedEvent>();
    for (const { route, compiled } of routes) {
      const key = JSON.stringify(route.envelope);
      let envelope = delivered.get(key);
      if (!envelope) {
        envelope = parseEvent(JSON.stringify(toEventBridgeEvent(event as unknown as { id: string; type: string; created: number }, route.envelope)));
        delivered.set(key, envelope);
      }
      if (compiled.some((c) => c.matches(envelope))) {
        routedTo.get(route)!.push(event);
        taken = true;
      }
    }
    if (!taken) unrouted.push(ref(event));
  }

  const refs: RecordRef[] = [];
  for (const [route, routed] of routedTo) {
    const scope = route.idempotency;
    if (scope) for (const e of routed) refs.push({ table: scope.table, key: idempotencyKey(scope.keyPrefix, e.id) });
  }
  const records = await readRecords(options.ddb, refs);

  const handlers = routes.map(({ route }): HandlerReconciliation => {
    const routed = routedTo.get(route)!;
    const base = { handler: route.handler, functionName: route.functionName, eventTypes: typesOf(route.patterns), routed: routed.length };
    const scope = route.idempotency;
    if (!scope) return { ...base, checked: false, uncheckedReason: route.uncheckedReason, processed: 0, inProgress: [], missing: [], expired: [] };
    const result = { processed: 0, inProgress: [] as StripeEventRef[], missing: [] as StripeEventRef[], expired: [] as StripeEventRef[] };
    for (const e of routed) {
      const record = records.get(recordId({ table: scope.table, key: idempotencyKey(scope.keyPrefix, e.id) }));
      // An in-progress record whose invocation ended (timed out, crashed) no longer blocks a delivery, as Powertools
      // reads it: the event waits for a retry that may never come, so it counts as missing.
      const ended = record?.inProgressExpiration !== undefined && record.inProgressExpiration < now * 1000;
      if (record?.status === STATUS_COMPLETED) result.processed++;
      else if (record && !ended) result.inProgress.push(ref(e));
      // A record is kept for the record lifetime after processing, so an older event may have lost it.
      else if (!record && e.created < now - scope.recordLifetimeSeconds) result.expired.push(ref(e));
      else result.missing.push(ref(e));
    }
    return { ...base, checked: true, ...result };
  });

  return {
    report: {
      since: options.window.since,
      until: options.window.until,
      listed: events.length,
      handlers,
      unrouted,
      missing: handlers.reduce((n, h) => n + h.missing.length, 0),
    },
    events: new Map(events.map((e) => [e.id, e])),
    routes: options.routes,
  };
}
