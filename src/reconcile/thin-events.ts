/**
 * Reads Stripe's event log of thin events: GET /v2/core/events through the `stripe` package's
 * `stripe.v2.core.events.list`, whose auto-pagination follows each page's `next_page_url` (the next `page` token, with
 * the request's filters) until it is null. Filtered by exact type (`types`, up to 20 names: the v2 list has no wildcard
 * group, so a wildcard key lists every thin event of the window and the rules' patterns choose afterwards) and by
 * creation time (`created[gte]`, `created[lt]`, RFC 3339 timestamps: the v2 spec's `format: date-time`, not the Unix
 * seconds of GET /v1/events). `object_id` (the events of one object) is not used: a reconciliation wants every event
 * of the handlers' types. Parameters as Stripe's v2 OpenAPI spec defines them (spec3.v2.sdk.json, operation
 * GetV2CoreEvents; docs.stripe.com/api/v2/core/events/list). The list goes back 30 days, as GET /v1/events does.
 */
import type Stripe from 'stripe';
import { EventWindow, explain, ListedEvent, ListOptions, oldestFirst, StripeEventQuery } from './stripe-events';

/** GET /v2/core/events, as errors name it. */
const REQUEST = 'GET /v2/core/events';

/** An RFC 3339 timestamp of Unix seconds (`2026-11-26T12:00:00.000Z`). */
const rfc3339 = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString();

/** A thin event as listed: `created` to the second, keyed on its snapshot twin when it has one. */
export function listedThinEvent(e: Stripe.V2.Core.Event): ListedEvent {
  // The SDK adds fetchRelatedObject() to each listed event: the event itself is its JSON.
  const event = JSON.parse(JSON.stringify(e)) as Stripe.V2.Core.Event;
  const twin = typeof event.snapshot_event === 'string' && event.snapshot_event !== '' ? event.snapshot_event : undefined;
  return {
    id: event.id,
    type: event.type,
    created: Math.floor(Date.parse(event.created) / 1000),
    livemode: event.livemode,
    payload: 'thin',
    recordId: twin ?? event.id,
    ...(twin ? { snapshotEvent: twin } : {}),
    event,
  };
}

/**
 * Every thin event of the queries (exact `types`, or every thin event) created within the window, each once, oldest
 * first. Fails with a StripeEventsError that says what Stripe answered and what to do.
 */
export async function listThinEvents(
  stripe: Stripe,
  queries: readonly StripeEventQuery[],
  window: EventWindow,
  options: ListOptions = {},
): Promise<ListedEvent[]> {
  const events: ListedEvent[] = [];
  for (const query of queries) {
    if ('type' in query) throw new Error(`${REQUEST} has no wildcard groups (${query.type}): list those events unfiltered`);
    // The window's ends are whole seconds, both included; a thin event's `created` has milliseconds, so the upper end
    // is "before the next second". The SDK's type for `created` is RangeQueryParam (numbers), the spec's is date-time.
    const created = { gte: rfc3339(window.since), lt: rfc3339(window.until + 1) } as unknown as Stripe.RangeQueryParam;
    const params: Stripe.V2.Core.EventListParams = { created, limit: options.pageSize ?? 100, ...('types' in query ? { types: query.types } : {}) };
    try {
      for await (const event of stripe.v2.core.events.list(params)) events.push(listedThinEvent(event));
    } catch (err) {
      throw explain(err, REQUEST);
    }
  }
  return oldestFirst(events);
}
