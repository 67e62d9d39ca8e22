/**
 * The Python shop's stream for `npm run demo -- --app examples/python-app`, and what the local Stripe API returns for
 * its thin events: what `replay/events.jsonl` and `replay/stripe-objects.json` hold (regenerate with
 * `npx ts-node --project tsconfig.dev.json examples/python-app/replay/stream.ts` in the repository; a test checks that
 * the files match).
 *
 * The stream is The Babes Club's default one (examples/babes-club/replay/stream.ts: checkouts, subscriptions, invoices,
 * refunds, disputes, a malformed event), then a day of the shop's meter error reports: thin
 * `v1.billing.meter.error_report_triggered` notifications for its usage meter, in the EventBridge envelope of
 * stripe-python's fixture (test/fixtures/data/stripe-events/eventbridge-envelope__stripe-python-v2-thin-ping-context.json),
 * one of them delivered twice, and one given bare (as `stripe events` prints it; the raw notification is
 * stripe-ruby's fixture, v1.billing.meter.error_report_triggered__stripe-ruby-thin-raw.json). The envelope and the ids
 * are made as examples/platform-accounts/replay/stream.ts makes them.
 *
 * The Stripe objects: the meter (Stripe's own `billing.meter` fixture, test/fixtures/data/stripe-openapi/fixtures3.json,
 * with the shop's ids and names) for `fetch_related_object()`, and each event in full (`GET /v2/core/events/{id}`,
 * with its `data`, as Stripe's v2 spec describes it) for `fetch_event()`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DATA, defaultStream } from '../../babes-club/replay/stream';
import { stripeId, thinEnvelope } from '../../platform-accounts/replay/stream';

type Json = Record<string, any>;

/** The shop's thin destination's partner event source (app.py's THIN_EVENT_SOURCE_NAME). */
export const THIN_EVENT_SOURCE = 'aws.partner/stripe.com/ed_61RbThnPq7Lm2VwX9c4Zb8Hk3Yd5Tf6Gs1Jr0Na2Ue4Wi';

/** The meter the shop reports its members' class bookings to. */
export const METER_ID = stripeId('mtr_test_61', 'babes-class-bookings', 22);

const sample = (file: string): Json => JSON.parse(fs.readFileSync(path.join(DATA, 'stripe-events', file), 'utf8'));

/** A meter error report's notification, with the fields of stripe-ruby's raw fixture. */
function notification(name: string, created: string): Json {
  const raw = sample('v1.billing.meter.error_report_triggered__stripe-ruby-thin-raw.json');
  return {
    ...raw,
    id: stripeId('evt_test_65', `meter-errors:${name}`, 40),
    created,
    livemode: false,
    related_object: { ...raw.related_object, id: METER_ID, url: `/v1/billing/meters/${METER_ID}` },
  };
}

const envelope = (detail: Json, delivery = 1): Json => thinEnvelope(detail, THIN_EVENT_SOURCE, delivery);

const at = (time: string) => `2026-11-26T${time}.000Z`;

/** The meter error reports: when, and what Stripe's full event says went wrong. */
const REPORTS = [
  {
    name: 'morning',
    created: at('09:15:02'),
    start: at('09:00:00'),
    end: at('09:15:00'),
    errors: [{ code: 'meter_event_customer_not_found', count: 3, message: 'No customer found for cus_BabesGone01', identifier: 'booking-8812' }],
  },
  {
    name: 'noon',
    created: at('12:30:07'),
    start: at('12:15:00'),
    end: at('12:30:00'),
    errors: [
      { code: 'meter_event_invalid_value', count: 2, message: 'Value must be a whole number: 1.5', identifier: 'booking-9107' },
      { code: 'timestamp_too_far_in_past', count: 1, message: 'Timestamp is more than 35 days in the past', identifier: 'booking-7001' },
    ],
  },
  {
    name: 'evening',
    created: at('18:45:11'),
    start: at('18:30:00'),
    end: at('18:45:00'),
    errors: [{ code: 'meter_event_no_customer_defined', count: 1, message: 'Missing customer in payload key "stripe_customer_id"', identifier: 'booking-9950' }],
  },
];

export function events(): Json[] {
  const [morning, noon, evening] = REPORTS.map((r) => notification(r.name, r.created));
  return [
    ...defaultStream(),
    envelope(morning),
    envelope(noon),
    // Delivered again (EventBridge's retry, an archive replay): a new envelope, the same Stripe event.
    envelope(morning, 2),
    // A notification as `stripe events` prints it, without its envelope: the replay puts it on the thin bus.
    evening,
  ];
}

/** The meter as `GET /v1/billing/meters/{id}` returns it, and each event as `GET /v2/core/events/{id}` does. */
export function stripeObjects(): Json[] {
  const fixtures = JSON.parse(fs.readFileSync(path.join(DATA, 'stripe-openapi', 'fixtures3.json'), 'utf8')).resources;
  const meter = {
    ...fixtures['billing.meter'],
    id: METER_ID,
    created: 1762160400, // 2025-11-03
    updated: 1762160400,
    display_name: 'Class bookings',
    event_name: 'class_booking',
    livemode: false,
  };
  const fullEvents = REPORTS.map((r) => ({
    ...notification(r.name, r.created),
    data: {
      developer_message_summary: `${r.errors.reduce((n, e) => n + e.count, 0)} meter events for ${meter.event_name} could not be recorded`,
      reason: {
        error_count: r.errors.reduce((n, e) => n + e.count, 0),
        error_types: r.errors.map((e) => ({
          code: e.code,
          error_count: e.count,
          sample_errors: [{ error_message: e.message, request: { identifier: e.identifier } }],
        })),
      },
      validation_start: r.start,
      validation_end: r.end,
    },
  }));
  return [meter, ...fullEvents];
}

/** Writes replay/events.jsonl and replay/stripe-objects.json. */
function write(): void {
  fs.writeFileSync(path.join(__dirname, 'events.jsonl'), `${events().map((e) => JSON.stringify(e)).join('\n')}\n`);
  fs.writeFileSync(path.join(__dirname, 'stripe-objects.json'), `${JSON.stringify(stripeObjects(), null, 2)}\n`);
}

if (require.main === module) write();
