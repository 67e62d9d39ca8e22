/**
 * The reconciliation: every Stripe event of the handlers' types in a time window, from Stripe's own event
 * logs (GET /v1/events for the rules on a snapshot destination's bus, GET /v2/core/events for those on a thin one's),
 * routed with the offline matcher exactly as the rules would route it (the bare Stripe event in the envelope its
 * bus delivers it in), and looked up in the handler's idempotency records (a thin event under its snapshot twin's id
 * when it has one, as the wrappers key it). Per handler: how many were processed, which are in progress, which never
 * arrived; and the events no rule would take. Shared by `stripe-eventbridge reconcile` and the scheduled function of
 * StripeEventReconciliation.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type Stripe from 'stripe';
import { readRecords, idempotencyKey, recordId, RecordRef, RecordState, STATUS_COMPLETED } from './records';
import { ReconcileRoute } from './routes';
import { eventQueries, EventWindow, listedSnapshotEvent, ListedEvent, listStripeEvents } from './stripe-events';
import { listThinEvents } from './thin-events';
import { patternObject, type StripePayloadStyle } from '../cloud-assembly/rules';
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
  /** A thin event's snapshot twin, whose id its record is kept under. */
  readonly snapshotEvent?: string;
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
  /** Events with a completed record (under the key prefix or a previous one). */
  readonly processed: number;
  /** Of `processed`, those whose completed record is under a previous key prefix (an earlier key scope) only. */
  readonly processedUnderPreviousScopes: number;
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

/** Why no rule takes an event: its type is none of the handlers', or a rule's content filter leaves it out. */
export type UnroutedReason = 'type' | 'filter';

/** An event no rule would take, and why. */
export interface UnroutedEventRef extends StripeEventRef {
  readonly reason: UnroutedReason;
  /** What does not match, in the matcher's words (for `filter`: the first field of the rule that takes its type). */
  readonly detail: string;
}

export interface ReconcileReport {
  /** The window, in Unix seconds, both ends included. */
  readonly since: number;
  readonly until: number;
  /** Stripe events of the handlers' types in the window. */
  readonly listed: number;
  readonly handlers: HandlerReconciliation[];
  /**
   * Listed events that no rule would take: of a type no handler takes (Stripe's list can return more types
   * than the rules take, e.g. for a pattern it cannot filter by type), or left out by a rule's content filter
   * (such as livemode, or `account` for Connect events).
   */
  readonly unrouted: UnroutedEventRef[];
  /** Missing events over all handlers. */
  readonly missing: number;
}

export interface ReconcileResult {
  readonly report: ReconcileReport;
  /** The listed events by id, for a backfill. */
  readonly events: ReadonlyMap<string, ListedEvent>;
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
    const values = patternObject(pattern)?.['detail-type'];
    if (!Array.isArray(values)) return ['*'];
    for (const v of values) types.add(typeof v === 'string' ? v : JSON.stringify(v).replace(/^\{"wildcard":"(.*)"\}$/, '$1'));
  }
  return [...types];
}

const ref = (e: ListedEvent): StripeEventRef => ({
  id: e.id,
  type: e.type,
  created: e.created,
  livemode: e.livemode,
  ...(e.snapshotEvent ? { snapshotEvent: e.snapshotEvent } : {}),
});

const STYLES: readonly StripePayloadStyle[] = ['snapshot', 'thin'];

/** A route with its patterns compiled, by payload style. */
interface CompiledRoute {
  readonly route: ReconcileRoute;
  readonly compiled: Readonly<Record<StripePayloadStyle, EventPattern[]>>;
}

/**
 * Why no rule takes an event, from the matcher's explanation of each pattern: the matcher checks a
 * pattern's fields in EventBridge's key order, where `detail-type` comes before any `detail.…` field, so a
 * pattern that fails on `detail-type` does not take the event's type at all. When every pattern fails there,
 * no handler takes the type; otherwise the first pattern that takes the type says which filter leaves it out.
 */
function whyUnrouted(
  routes: readonly CompiledRoute[],
  style: StripePayloadStyle,
  deliveredTo: (route: ReconcileRoute) => ParsedEvent,
): Pick<UnroutedEventRef, 'reason' | 'detail'> {
  const reasons = routes.flatMap(({ route, compiled }) => compiled[style].map((c) => c.test(deliveredTo(route)).reason ?? ''));
  const filter = reasons.find((r) => !r.startsWith('detail-type '));
  if (filter !== undefined) return { reason: 'filter', detail: filter };
  return { reason: 'type', detail: reasons[0] ?? 'no rule' };
}

/** The listed events of both logs: GET /v1/events for the snapshot rules' types, GET /v2/core/events for the thin rules'. */
async function listEvents(options: ReconcileOptions): Promise<ListedEvent[]> {
  const patterns = (style: StripePayloadStyle) => options.routes.flatMap((r) => r.patterns[style]);
  const listOptions = { pageSize: options.pageSize };
  const snapshot = patterns('snapshot');
  const thin = patterns('thin');
  const snapshots = snapshot.length === 0 ? [] : await listStripeEvents(options.stripe, eventQueries(snapshot), options.window, listOptions);
  // The v2 list filters by exact types only: a wildcard lists every thin event of the window.
  const thins = thin.length === 0 ? [] : await listThinEvents(options.stripe, eventQueries(thin, { groups: false }), options.window, listOptions);
  return [...snapshots.map(listedSnapshotEvent), ...thins];
}

export async function reconcile(options: ReconcileOptions): Promise<ReconcileResult> {
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const routes: CompiledRoute[] = options.routes.map((route) => {
    try {
      const compile = (style: StripePayloadStyle) => route.patterns[style].map((p) => EventPattern.compile(p as string | object));
      return { route, compiled: { snapshot: compile('snapshot'), thin: compile('thin') } };
    } catch (err) {
      if (!(err instanceof InvalidEventPatternError)) throw err;
      throw new RoutePatternError(`the rule of handler ${route.handler} has a pattern the matcher rejects: ${err.message}`);
    }
  });
  const events = await listEvents(options);

  // Which handlers each event goes to, as EventBridge would decide on the bus of its payload style.
  const routedTo = new Map<ReconcileRoute, ListedEvent[]>(routes.map(({ route }) => [route, []]));
  const unrouted: UnroutedEventRef[] = [];
  for (const event of events) {
    let taken = false;
    // The event as delivered, parsed once per envelope (routes on one bus share it).
    const delivered = new Map<string, ParsedEvent>();
    const deliveredTo = (route: ReconcileRoute): ParsedEvent => {
      const fields = route.envelopes[event.payload];
      const key = JSON.stringify(fields);
      let envelope = delivered.get(key);
      if (!envelope) {
        envelope = parseEvent(JSON.stringify(toEventBridgeEvent(event.event, fields)));
        delivered.set(key, envelope);
      }
      return envelope;
    };
    for (const { route, compiled } of routes) {
      if (compiled[event.payload].some((c) => c.matches(deliveredTo(route)))) {
        routedTo.get(route)!.push(event);
        taken = true;
      }
    }
    if (!taken) unrouted.push({ ...ref(event), ...whyUnrouted(routes, event.payload, deliveredTo) });
  }

  // Each event's record under the key prefix and under every previous one (an earlier key scope).
  const refs: RecordRef[] = [];
  for (const [route, routed] of routedTo) {
    const scope = route.idempotency;
    if (!scope) continue;
    const prefixes = [scope.keyPrefix, ...scope.previousKeyPrefixes];
    for (const e of routed) for (const prefix of prefixes) refs.push({ table: scope.table, key: idempotencyKey(prefix, e.recordId) });
  }
  const records = await readRecords(options.ddb, refs);

  const handlers = routes.map(({ route }): HandlerReconciliation => {
    const routed = routedTo.get(route)!;
    const eventTypes = [...new Set(STYLES.flatMap((style) => typesOf(route.patterns[style])))];
    const base = { handler: route.handler, functionName: route.functionName, eventTypes, routed: routed.length };
    const scope = route.idempotency;
    const none = (): StripeEventRef[] => [];
    const result = { processed: 0, processedUnderPreviousScopes: 0, inProgress: none(), missing: none(), expired: none() };
    if (!scope) return { ...base, checked: false, uncheckedReason: route.uncheckedReason, ...result };
    for (const e of routed) {
      const [current, ...previous] = [scope.keyPrefix, ...scope.previousKeyPrefixes]
        .map((prefix) => records.get(recordId({ table: scope.table, key: idempotencyKey(prefix, e.recordId) })));
      const found = [current, ...previous].filter((r): r is RecordState => r !== undefined);
      // An in-progress record whose invocation ended (timed out, crashed) no longer blocks a delivery, as Powertools
      // reads it: the event waits for a retry that may never come, so it counts as missing.
      const ended = (r: RecordState) => r.inProgressExpiration !== undefined && r.inProgressExpiration < now * 1000;
      const live = (r: RecordState) => r.status !== STATUS_COMPLETED && !ended(r);
      if (current?.status === STATUS_COMPLETED) {
        result.processed++;
      } else if (previous.some((r) => r?.status === STATUS_COMPLETED)) {
        // Processed under an earlier key scope: the wrapper answers a delivery of it as a duplicate.
        result.processed++;
        result.processedUnderPreviousScopes++;
      } else if (found.some(live)) {
        result.inProgress.push(ref(e));
      } else if (found.length === 0 && e.created < now - scope.recordLifetimeSeconds) {
        // A record is kept for the record lifetime after processing, so an older event may have lost it.
        result.expired.push(ref(e));
      } else {
        result.missing.push(ref(e));
      }
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
