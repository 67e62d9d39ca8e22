/**
 * The reordering chaos run's histories rendered as the Stripe events that reach AWS: snapshot events (`created` in
 * seconds, the state in `data.object`, in the API version of the spec the local Stripe API validates against), thin
 * events (`created` with milliseconds, `related_object`, no state) or both, the thin one a twin carrying
 * `snapshot_event`, in the EventBridge envelope Stripe's destination delivers them in.
 */
import type { ObjectHistory } from './histories';
import { envelope, EVENT_SOURCE } from '../../../examples/babes-club/replay/stream';

type Json = Record<string, any>;

export interface RenderedEvent {
  /** The first delivery's EventBridge event. */
  readonly event: Json;
  /** The id its idempotency record is keyed on (a thin twin's snapshot event). */
  readonly keyId: string;
  readonly objectId: string;
  /** When Stripe created it (epoch ms). */
  readonly at: number;
  readonly thin: boolean;
}

/** A copy of an event in a new EventBridge envelope (a redelivery). */
export function redelivery(event: Json, delivery: number): Json {
  return event.detail.object === 'event' ? envelope(event.detail, delivery) : thinEnvelope(event.detail, delivery);
}

function thinEnvelope(detail: Json, delivery = 1): Json {
  const snapshot = envelope({ ...detail, type: detail.type, created: Math.floor(Date.parse(detail.created) / 1000) }, delivery);
  return { ...snapshot, detail };
}

export function renderEvents(histories: readonly ObjectHistory[], apiVersion: string): RenderedEvent[] {
  const out: RenderedEvent[] = [];
  for (const h of histories) {
    const suffix = h.id.slice(h.id.indexOf('Reorder') + 'Reorder'.length);
    h.events.forEach((e, i) => {
      const object = h.states[e.state].object;
      const snapshotId = `evt_1R${suffix}E${i}`;
      if (h.style !== 'thin') {
        const previous = e.type.endsWith('.updated') && e.state > 0 ? { previous_attributes: { metadata: { rev: String(e.state - 1) } } } : {};
        const detail = {
          id: snapshotId,
          object: 'event',
          api_version: apiVersion,
          created: Math.floor(e.at / 1000),
          data: { object, ...previous },
          livemode: false,
          pending_webhooks: 1,
          request: { id: null, idempotency_key: null },
          type: e.type,
        };
        out.push({ event: envelope(detail), keyId: snapshotId, objectId: h.id, at: e.at, thin: false });
      }
      if (h.style !== 'snapshot') {
        const detail = {
          id: `evt_1R${suffix}T${i}`,
          object: 'v2.core.event',
          type: `v1.${e.type}`,
          created: new Date(e.at).toISOString(),
          livemode: false,
          context: null,
          related_object: { id: h.id, type: h.type, url: `/v1/${h.type}s/${h.id}` },
          ...(h.style === 'twins' ? { snapshot_event: snapshotId } : {}),
        };
        out.push({ event: thinEnvelope(detail), keyId: h.style === 'twins' ? snapshotId : detail.id, objectId: h.id, at: e.at, thin: true });
      }
    });
  }
  return out;
}

export { EVENT_SOURCE };
