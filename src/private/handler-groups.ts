/**
 * How the integration reads its `handlers` and `detailFilter` props: one route per handler object, with
 * the checks that span handlers: distinct names, and a warning when two handlers receive the same event types.
 */
import type { IConstruct } from 'constructs';
import { invalid, warn } from './errors';
import { EventTypeKey, handlerNameFor, parseEventTypeKey, sharedKey } from './event-type-keys';
import { validateDetailFilter } from './rule-pattern';
import { StripeEventHandler } from '../stripe-event-handler';

export interface HandlerGroup {
  readonly name: string;
  readonly handler: StripeEventHandler;
  readonly keys: string[];
}

/** Groups the `handlers` keys by handler object: one route per object. */
export function groupHandlers(
  scope: IConstruct,
  handlers: { [eventType: string]: StripeEventHandler } | undefined,
  allowUnknownEventTypes: boolean,
): HandlerGroup[] {
  const entries = Object.entries(handlers ?? {});
  if (entries.length === 0) {
    invalid(scope, "handlers: no handlers given; map at least one Stripe event type to a StripeEventHandler, e.g. { 'checkout.session.completed': handler }.");
  }
  const groups = new Map<StripeEventHandler, string[]>();
  const parsed = new Map<StripeEventHandler, EventTypeKey[]>();
  for (const [key, handler] of entries) {
    if (!(handler instanceof StripeEventHandler)) {
      invalid(scope, `handlers: '${key}' maps to ${typeof handler}; expected StripeEventHandler.fromCode(...) or StripeEventHandler.fromFunction(...).`);
    }
    const eventTypeKey = parseEventTypeKey(key, allowUnknownEventTypes, 'handlers', scope);
    groups.set(handler, [...(groups.get(handler) ?? []), key]);
    parsed.set(handler, [...(parsed.get(handler) ?? []), eventTypeKey]);
  }
  const firstKeyByName = new Map<string, string>();
  const result = [...groups].map(([handler, keys]) => {
    const name = handlerNameFor(handler._name, keys);
    const clash = firstKeyByName.get(name);
    if (clash !== undefined) {
      invalid(
        scope,
        `handlers: two different handlers are named '${name}' (for '${clash}' and '${keys[0]}'). ` +
          'Give them distinct names, or use the same StripeEventHandler object for both keys to share one function.',
      );
    }
    firstKeyByName.set(name, keys[0]);
    return { name, handler, keys };
  });
  warnAboutOverlaps(scope, result.map((g) => ({ name: g.name, keys: parsed.get(g.handler)! })));
  return result;
}

/**
 * Two handlers whose keys share event types (a wildcard and an exact type under it, nested wildcards,
 * `*` and anything) both receive those events: EventBridge delivers an event to every rule it matches,
 * and each handler runs once for it (their idempotency keys differ). Allowed, but never silently.
 */
function warnAboutOverlaps(scope: IConstruct, groups: ReadonlyArray<{ name: string; keys: EventTypeKey[] }>): void {
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
