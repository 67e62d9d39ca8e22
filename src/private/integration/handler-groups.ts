/**
 * How the integration reads its `handlers` and `detailFilter` props: one route per handler object, with
 * the checks that span handlers: distinct names, and a warning when two handlers receive the same event types.
 * Each key is parsed here, once; the routes and the destination receive the parsed keys.
 */
import type { IConstruct } from 'constructs';
import { StripeEventPayload } from '../../event-payload';
import { invalid, warn } from '../errors';
import { EventTypeKey, handlerNameFor, keyMatches, parseEventTypeKey, sharedKey, twinOf, typesOf } from '../event-type-keys';
import { validateDetailFilter } from '../rule-pattern';

/** What grouping reads of a handler: the name it was given, if any. */
export interface NamedHandler {
  readonly _name?: string;
}

export interface HandlerGroup<H extends NamedHandler> {
  readonly name: string;
  readonly handler: H;
  /** The handler's keys, parsed, in the order of `handlers`. */
  readonly keys: readonly EventTypeKey[];
}

/** The `handlers` map grouped by handler object (one route per object), and every key parsed, in the order given. */
export interface HandlerGroups<H extends NamedHandler> {
  readonly groups: ReadonlyArray<HandlerGroup<H>>;
  readonly keys: readonly EventTypeKey[];
}

/**
 * Groups the `handlers` keys by handler object: one route per object.
 * @param isHandler tells a handler object from anything else a JavaScript caller may have put in the map
 */
export function groupHandlers<H extends NamedHandler>(
  scope: IConstruct,
  handlers: { [eventType: string]: H } | undefined,
  allowUnknownEventTypes: boolean,
  isHandler: (value: unknown) => value is H,
): HandlerGroups<H> {
  const entries = Object.entries(handlers ?? {});
  if (entries.length === 0) {
    invalid(scope, "handlers: no handlers given; map at least one Stripe event type to a StripeEventHandler, e.g. { 'checkout.session.completed': handler }.");
  }
  const parsed = new Map<H, EventTypeKey[]>();
  const keys: EventTypeKey[] = [];
  for (const [key, handler] of entries) {
    if (!isHandler(handler)) {
      invalid(scope, `handlers: '${key}' maps to ${typeof handler}; expected StripeEventHandler.fromCode(...) or StripeEventHandler.fromFunction(...).`);
    }
    const eventTypeKey = parseEventTypeKey(key, allowUnknownEventTypes, 'handlers', scope);
    keys.push(eventTypeKey);
    parsed.set(handler, [...(parsed.get(handler) ?? []), eventTypeKey]);
  }
  const firstKeyByName = new Map<string, string>();
  const groups = [...parsed].map(([handler, handlerKeys]) => {
    const name = handlerNameFor(handler._name, handlerKeys.map((k) => k.key));
    const clash = firstKeyByName.get(name);
    if (clash !== undefined) {
      invalid(
        scope,
        `handlers: two different handlers are named '${name}' (for '${clash}' and '${handlerKeys[0].key}'). ` +
          'Give them distinct names, or use the same StripeEventHandler object for both keys to share one function.',
      );
    }
    firstKeyByName.set(name, handlerKeys[0].key);
    return { name, handler, keys: handlerKeys };
  });
  warnAboutOverlaps(scope, groups);
  return { groups, keys };
}

/**
 * Two handlers whose keys share event types (a wildcard and an exact type under it, nested wildcards,
 * `*` and anything) both receive those events: EventBridge delivers an event to every rule it matches,
 * and each handler runs once for it (their idempotency keys differ). Allowed, but never silently.
 */
function warnAboutOverlaps(scope: IConstruct, groups: ReadonlyArray<{ readonly name: string; readonly keys: readonly EventTypeKey[] }>): void {
  const list = (keys: readonly EventTypeKey[]) => keys.map((k) => `'${k.key}'`).join(', ');
  for (let i = 0; i < groups.length; i++) {
    for (let j = i + 1; j < groups.length; j++) {
      const shared = new Set<string>();
      for (const a of groups[i].keys) {
        for (const b of groups[j].keys) {
          const key = sharedKey(a, b);
          if (key !== undefined) shared.add(key);
        }
      }
      if (shared.size === 0) continue;
      warn(
        scope,
        '@babes/stripe-eventbridge:overlappingHandlers',
        `Handlers '${groups[i].name}' (${list(groups[i].keys)}) and '${groups[j].name}' (${list(groups[j].keys)}) both receive ` +
          `${[...shared].sort().map((k) => `'${k}'`).join(', ')}: each such event goes to both rules, and both handlers run (once each). ` +
          'If only one should, narrow the keys (list the exact types a wildcard handler needs), or use the same StripeEventHandler ' +
          'object for both keys; if both should, acknowledge this warning.',
      );
    }
  }
}

/**
 * The rules' filter on `detail`: the user's `detailFilter` plus `livemode` (true: live only, false: test only,
 * undefined: both).
 */
export function buildDetailFilter(
  scope: IConstruct,
  detailFilter: { [key: string]: any } | undefined,
  livemode: boolean | undefined,
): Record<string, unknown> | undefined {
  const filter: Record<string, unknown> = { ...(detailFilter ?? {}) };
  if (detailFilter) validateDetailFilter(filter, 'detailFilter', scope);
  if (livemode !== undefined) {
    if ('livemode' in filter) {
      invalid(scope, 'detailFilter: has a livemode condition and livemode is also set; use only the livemode property.');
    }
    filter.livemode = [livemode];
  }
  return Object.keys(filter).length > 0 ? filter : undefined;
}

/**
 * While Stripe migrates v1 types to thin events, a thin event can carry its snapshot twin's id (`snapshot_event`),
 * and the wrapper keys such a thin event on that id: one handler subscribed to both twins applies the event once.
 * Two different handlers have two key prefixes, so each applies it. Allowed, never silently.
 */
type KeyedGroups = ReadonlyArray<{ readonly name: string; readonly keys: readonly EventTypeKey[] }>;

export function warnAboutSplitTwins(scope: IConstruct, groups: KeyedGroups): void {
  const receives = (keys: readonly EventTypeKey[], type: string) => keys.some((k) => keyMatches(k, type));
  // Known twins, plus those of exact keys newer than the package (given with allowUnknownEventTypes), whose twins may exist.
  const pairs = new Map<string, string>();
  for (const thin of typesOf(StripeEventPayload.THIN)) {
    const twin = twinOf(thin);
    if (twin !== undefined) pairs.set(twin, thin);
  }
  for (const group of groups) {
    for (const k of group.keys) {
      if (k.kind !== 'exact' || typesOf(k.payload).includes(k.type)) continue;
      if (k.payload === StripeEventPayload.SNAPSHOT) pairs.set(k.type, `v1.${k.type}`);
      else if (k.type.startsWith('v1.')) pairs.set(k.type.slice(3), k.type);
    }
  }
  // Each handler's share of the pairs, once: which snapshot twins and which thin twins it receives.
  const shares = groups.map((group) => {
    const snapshots = new Set<string>();
    const thins = new Set<string>();
    for (const [snapshot, thin] of pairs) {
      if (receives(group.keys, snapshot)) snapshots.add(snapshot);
      if (receives(group.keys, thin)) thins.add(snapshot);
    }
    return { group, snapshots, thins };
  }).filter((s) => s.snapshots.size > 0 || s.thins.size > 0);
  for (const a of shares) {
    for (const b of shares) {
      if (a === b) continue;
      const split = [...a.snapshots]
        .filter((snapshot) => b.thins.has(snapshot) && !a.thins.has(snapshot))
        .map((snapshot) => [snapshot, pairs.get(snapshot)!]);
      if (split.length === 0) continue;
      const shown = split.slice(0, 3).map(([snapshot, thin]) => `'${snapshot}' and '${thin}'`).join(', ');
      warn(
        scope,
        '@babes/stripe-eventbridge:snapshotTwinsOnDifferentHandlers',
        `Handler '${a.group.name}' receives snapshot events whose thin twins go to handler '${b.group.name}' (${shown}${split.length > 3 ? `, and ${split.length - 3} more` : ''}). ` +
          "While Stripe sends both for one change, each handler applies it: the wrapper keys a thin event on its snapshot twin's id " +
          "(snapshot_event) only within one handler. Put both keys on the same StripeEventHandler object (e.g. { 'checkout.session.completed': orders, " +
          "'v1.checkout.session.completed': orders }); if both handlers should act, acknowledge this warning.",
      );
    }
  }
}

/** The fields of a thin event's `detail` (stripe@23.1.0 `EventNotificationBase`: `EventBase` without `changes`). */
const THIN_DETAIL_FIELDS = new Set(['id', 'object', 'type', 'created', 'livemode', 'context', 'related_object', 'reason', 'snapshot_event']);

/** A detail filter written for snapshot events (on `data`, `account`, …) matches no thin event: warn, since the thin rules would never fire. */
export function warnAboutDetailFilterOnThinEvents(scope: IConstruct, detailFilter: { [key: string]: any } | undefined): void {
  const fields = Object.keys(detailFilter ?? {}).filter((f) => f !== '$or' && !THIN_DETAIL_FIELDS.has(f));
  if (fields.length === 0) return;
  warn(
    scope,
    '@babes/stripe-eventbridge:detailFilterOnThinEvents',
    `detailFilter filters on ${fields.map((f) => `'${f}'`).join(', ')}, which thin events do not have (their detail is ${[...THIN_DETAIL_FIELDS].join(', ')}): ` +
      "the rules on the thin bus match no event with it. Filter on the thin events' fields (e.g. context for a connected account), or put the snapshot " +
      'and thin handlers in two integrations with their own filters; if this is intended, acknowledge this warning.',
  );
}
