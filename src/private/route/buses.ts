/**
 * Which bus each of a route's event-type keys is matched on. A Stripe event destination, and so its partner
 * bus, carries one payload style: snapshot types arrive on the snapshot bus, thin types (`v1.*`, `v2.*`) on the
 * thin bus, and `*` on every bus the route has. A route gets one rule per bus its keys need, all targeting its
 * one function.
 */
import type * as events from 'aws-cdk-lib/aws-events';
import type { IConstruct } from 'constructs';
import { StripeEventPayload } from '../../event-payload';
import { invalid } from '../errors';
import { EventTypeKey, payloadOfKey } from '../event-type-keys';

/** The buses a route may put rules on. */
export interface RouteBuses {
  readonly eventBus: events.IEventBus;
  /** The payload style of `eventBus`. */
  readonly eventBusPayload: StripeEventPayload;
  /** A second bus, of thin events, beside a snapshot `eventBus`. */
  readonly thinEventBus?: events.IEventBus;
}

/** One rule of a route: the bus it is on, the payload styles of the events it matches there, and its keys. */
export interface RulePlan {
  readonly eventBus: events.IEventBus;
  readonly payloads: readonly StripeEventPayload[];
  readonly keys: readonly EventTypeKey[];
}

/** The route's rules, `eventBus`'s first, each with the keys it matches, in the order given. */
export function planRules(scope: IConstruct, keys: readonly EventTypeKey[], buses: RouteBuses, prop: string): RulePlan[] {
  const available = new Map<StripeEventPayload, events.IEventBus>([[buses.eventBusPayload, buses.eventBus]]);
  if (buses.thinEventBus) {
    if (buses.eventBusPayload === StripeEventPayload.THIN) {
      invalid(scope, 'thinEventBus: eventBus already carries thin events (eventBusPayload is THIN); a second bus must carry the other style. Remove thinEventBus.');
    }
    available.set(StripeEventPayload.THIN, buses.thinEventBus);
  }
  const plans: Array<{ eventBus: events.IEventBus; payloads: StripeEventPayload[]; keys: EventTypeKey[] }> = [];
  const planFor = (payload: StripeEventPayload, bus: events.IEventBus) => {
    // Two payloads on one bus object (a custom bus that carries both) share one rule.
    let plan = plans.find((p) => p.eventBus === bus);
    if (!plan) {
      plan = { eventBus: bus, payloads: [], keys: [] };
      plans.push(plan);
    }
    if (!plan.payloads.includes(payload)) plan.payloads.push(payload);
    return plan;
  };
  for (const key of keys) {
    const payload = payloadOfKey(key);
    if (payload === undefined) {
      for (const [p, bus] of available) planFor(p, bus).keys.push(key);
      continue;
    }
    const bus = available.get(payload);
    if (!bus) {
      invalid(scope, payload === StripeEventPayload.THIN
        ? `${prop}: '${key.key}' is a thin event type (thin types start with a version: 'v1.…', 'v2.…'), and eventBus carries snapshot events. ` +
          'Set thinEventBus to the bus of a thin event destination, or eventBusPayload: StripeEventPayload.THIN if eventBus carries thin events.'
        : `${prop}: '${key.key}' is a snapshot event type, and eventBus carries thin events (eventBusPayload is THIN). ` +
          'Put the route on the snapshot bus, or use its thin type if Stripe has one (e.g. \'v1.checkout.session.completed\').');
    }
    planFor(payload, bus).keys.push(key);
  }
  // `eventBus` first, so that `rule` stays the rule it always was.
  return plans.sort((a, b) => Number(b.eventBus === buses.eventBus) - Number(a.eventBus === buses.eventBus));
}
