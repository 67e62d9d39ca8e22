/**
 * An integration's buses: `eventBus`, and `thinEventBus` beside a snapshot one. A Stripe event destination has
 * one payload style, and so has its partner event source and bus (docs.stripe.com/api/v2/core/event-destinations,
 * `event_payload`): an integration that takes both styles has two buses, and each handler key is matched on the
 * bus of its style. Checked before anything is created, so that a key without a bus fails `cdk synth` with the
 * prop to add.
 */
import { Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { StripeEventPayload } from '../../event-payload';
import { invalid } from '../errors';
import { EventTypeKey, payloadOfKey, twinOf } from '../event-type-keys';

/** What these checks read of a StripeEventBus. */
export interface StripeBusLike {
  readonly payload: StripeEventPayload;
  readonly sourcePrefix: string;
}

const THIN_BUS_EXAMPLE = "thinEventBus: StripeEventBus.fromPartnerEventSource('aws.partner/stripe.com/ed_…', { payload: StripeEventPayload.THIN })";

/** The integration's buses, `eventBus` first, checked. */
export function resolveBuses<B extends StripeBusLike>(scope: IConstruct, eventBus: B, thinEventBus: B | undefined): B[] {
  if (!thinEventBus) return [eventBus];
  if (thinEventBus === eventBus) {
    invalid(scope, 'thinEventBus: is the same StripeEventBus as eventBus; a Stripe destination sends one payload style, so the two styles arrive on two partner buses. Remove thinEventBus, or give it the thin destination\'s bus.');
  }
  if (thinEventBus.payload !== StripeEventPayload.THIN) {
    invalid(
      scope,
      'thinEventBus: the bus carries snapshot events (its payload is SNAPSHOT). Declare the bus of a thin destination as such: ' +
        `${THIN_BUS_EXAMPLE}, or StripeEventBus.fromDestination(destination) of a StripeEventDestination with eventPayload: StripeEventPayload.THIN.`,
    );
  }
  if (eventBus.payload === StripeEventPayload.THIN) {
    invalid(
      scope,
      'thinEventBus: eventBus carries thin events already; with two buses, eventBus is the snapshot one. Put the bus of snapshot events in eventBus ' +
        'and the bus of thin events in thinEventBus, or remove thinEventBus.',
    );
  }
  const [a, b] = [eventBus.sourcePrefix, thinEventBus.sourcePrefix];
  if (!Token.isUnresolved(a) && !Token.isUnresolved(b) && a !== b) {
    invalid(scope, `thinEventBus: its sourcePrefix '${b}' differs from eventBus's '${a}'; a handler on both buses checks one source prefix. Give both buses the same sourcePrefix.`);
  }
  return [eventBus, thinEventBus];
}

/** The buses a handler with these keys has rules on, in the order of `buses`. */
export function busesOf<B extends StripeBusLike>(keys: readonly EventTypeKey[], buses: readonly B[]): B[] {
  return buses.filter((bus) => keys.some((k) => payloadOfKey(k) === undefined || payloadOfKey(k) === bus.payload));
}

/** Every key has a bus of its payload style (`*` goes to every bus). */
export function checkKeysHaveABus(scope: IConstruct, keys: readonly EventTypeKey[], buses: readonly StripeBusLike[]): void {
  const has = (payload: StripeEventPayload) => buses.some((b) => b.payload === payload);
  for (const key of keys) {
    const payload = payloadOfKey(key);
    if (payload === undefined || has(payload)) continue;
    const twin = key.kind === 'exact' ? twinOf(key.type) : undefined;
    if (payload === StripeEventPayload.THIN) {
      invalid(
        scope,
        `handlers: '${key.key}' is a thin event type (thin types start with a version: 'v1.…', 'v2.…'), and this integration has no bus of thin events: ` +
          'Stripe sends thin events only to a destination whose payload is thin, through its own partner event source. Add that bus: ' +
          `${THIN_BUS_EXAMPLE}, or thinEventBus: StripeEventBus.fromDestination(thinDestination) with a StripeEventDestination of eventPayload: StripeEventPayload.THIN` +
          `${twin ? `; or keep the snapshot type '${twin}'` : ''}.`,
      );
    }
    invalid(
      scope,
      `handlers: '${key.key}' is a snapshot event type, and this integration's eventBus carries thin events: Stripe sends snapshot events only to a ` +
        'destination whose payload is snapshot. Add that bus as eventBus and move the thin one to thinEventBus: ' +
        `eventBus: StripeEventBus.fromPartnerEventSource('aws.partner/stripe.com/ed_…'), ${THIN_BUS_EXAMPLE.replace("'aws.partner/stripe.com/ed_…'", "'<thin source>'")}` +
        `${twin ? `; or use its thin type '${twin}'` : ''}.`,
    );
  }
}
