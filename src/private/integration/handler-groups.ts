/**
 * How the integration reads its `handlers` and `detailFilter` props: one route per handler object, with
 * the checks that span handlers: distinct names, and a warning when two handlers receive the same event types.
 * Each key is parsed here, once; the routes and the destination receive the parsed keys.
 */
import type { IConstruct } from 'constructs';
import { invalid, warn } from '../errors';
import { EventTypeKey, handlerNameFor, parseEventTypeKey, sharedKey } from '../event-type-keys';
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
