/** How the integration reads its `handlers` and `detailFilter` props: one route per handler object. */
import type { IConstruct } from 'constructs';
import { invalid } from './errors';
import { handlerNameFor, parseEventTypeKey } from './event-type-keys';
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
  for (const [key, handler] of entries) {
    if (!(handler instanceof StripeEventHandler)) {
      invalid(scope, `handlers: '${key}' maps to ${typeof handler}; expected StripeEventHandler.fromCode(...) or StripeEventHandler.fromFunction(...).`);
    }
    parseEventTypeKey(key, allowUnknownEventTypes, 'handlers', scope);
    groups.set(handler, [...(groups.get(handler) ?? []), key]);
  }
  const firstKeyByName = new Map<string, string>();
  return [...groups].map(([handler, keys]) => {
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
