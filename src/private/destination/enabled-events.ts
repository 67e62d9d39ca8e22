/**
 * A destination's enabled events: each key of `enabledEvents` (or of the handlers that use the destination's bus)
 * checked against the destination's payload style and expanded to the exact types Stripe's `enabled_events` takes.
 */
import type { Construct } from 'constructs';
import { StripeEventPayload } from '../../event-payload';
import { invalid } from '../errors';
import { EventTypeKey, keyMatches, knownTypesFor, payloadOfKey } from '../event-type-keys';
import { STRIPE_PACKAGE_VERSION } from '../stripe-event-types.generated';

const PAYLOAD_NAME = { [StripeEventPayload.SNAPSHOT]: 'snapshot', [StripeEventPayload.THIN]: 'thin' } as const;

/** A key of the other payload style than the destination's would enable types Stripe refuses or never sends there. */
export function checkPayloadOf(scope: Construct, parsed: EventTypeKey, payload: StripeEventPayload, prop: 'enabledEvents' | 'handlers'): void {
  const own = payloadOfKey(parsed);
  if (own === undefined) {
    if (payload === StripeEventPayload.THIN) {
      invalid(
        scope,
        `${prop}: '*' cannot be enabled on a thin destination: Stripe has a thin destination list its event types, and '*' would enable all ` +
          `${knownTypesFor(parsed, payload).length} thin types stripe@${STRIPE_PACKAGE_VERSION} knows (thin events of v1 types are in private preview). ` +
          "List the types or narrower wildcards, e.g. enabledEvents: ['v2.core.account.*'].",
      );
    }
    return;
  }
  if (own === payload) return;
  const fix = payload === StripeEventPayload.THIN
    ? 'A thin destination takes thin types (v1.*, v2.*); create a second StripeEventDestination for snapshot events (the default payload).'
    : "A snapshot destination takes snapshot types; create a second StripeEventDestination with eventPayload: StripeEventPayload.THIN for thin types ('v1.*', 'v2.*').";
  invalid(scope, `${prop}: '${parsed.key}' is a ${PAYLOAD_NAME[own]} event type, and this is a ${PAYLOAD_NAME[payload]} destination. ${fix}`);
}

/** The known event types a key stands for; an unknown exact type stands for itself. */
export function expand(scope: Construct, parsed: EventTypeKey, payload: StripeEventPayload, prop: 'enabledEvents' | 'handlers'): string[] {
  const key = parsed.key;
  if (parsed.kind === 'exact') return [parsed.type];
  const types = knownTypesFor(parsed, payload);
  if (types.length === 0) {
    invalid(
      scope,
      `${prop}: '${key}' matches no event type that stripe@${STRIPE_PACKAGE_VERSION} knows, so it cannot be turned into the exact types ` +
        "a Stripe event destination's enabled_events takes. List the event types in the StripeEventDestination's enabledEvents.",
    );
  }
  return types;
}

/** True when some enabled event would reach a handler registered under `key`. */
export function covers(key: EventTypeKey, enabled: ReadonlySet<string>): boolean {
  for (const type of enabled) if (keyMatches(key, type)) return true;
  return false;
}
