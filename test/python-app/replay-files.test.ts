/**
 * examples/python-app/replay: the stream and the Stripe objects are what replay/stream.ts writes (regenerate with
 * `npx ts-node --project tsconfig.dev.json examples/python-app/replay/stream.ts`), the stream is The Babes Club's
 * default one followed by the shop's meter error reports (thin events of a type the pinned SDK knows), and the meter
 * and the full events match Stripe's v2 OpenAPI spec, one full event for each notification the stream holds.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultStream } from '../../examples/babes-club/replay/stream';
import { events, METER_ID, stripeObjects } from '../../examples/python-app/replay/stream';
import { StripeObjects } from '../../src/cli/local/stripe-api/objects';
import { STRIPE_THIN_EVENT_TYPES } from '../../src/private/stripe-event-types.generated';

const REPLAY = path.join(__dirname, '..', '..', 'examples', 'python-app', 'replay');

test('replay/events.jsonl and replay/stripe-objects.json are what replay/stream.ts writes', () => {
  expect(fs.readFileSync(path.join(REPLAY, 'events.jsonl'), 'utf8')).toBe(`${events().map((e) => JSON.stringify(e)).join('\n')}\n`);
  expect(fs.readFileSync(path.join(REPLAY, 'stripe-objects.json'), 'utf8')).toBe(`${JSON.stringify(stripeObjects(), null, 2)}\n`);
});

test('the default stream, then meter error reports of a thin type the pinned SDK knows, each for the seeded meter', () => {
  const all = events();
  const shop = defaultStream();
  expect(all.slice(0, shop.length)).toEqual(shop);
  const thin = all.slice(shop.length).map((e) => e.detail ?? e);
  expect(thin.map((n) => n.type)).toEqual(Array(4).fill('v1.billing.meter.error_report_triggered'));
  expect(STRIPE_THIN_EVENT_TYPES).toContain('v1.billing.meter.error_report_triggered');
  expect(thin.map((n) => n.object)).toEqual(Array(4).fill('v2.core.event'));
  expect(new Set(thin.map((n) => n.related_object.url))).toEqual(new Set([`/v1/billing/meters/${METER_ID}`]));
  // One notification is delivered twice (the demo shows the duplicate); one is bare, as `stripe events` prints it.
  expect(new Set(thin.map((n) => n.id)).size).toBe(3);
  expect(all.slice(shop.length).filter((e) => e.detail === undefined)).toHaveLength(1);
});

test('the meter and the full events match Stripe\'s v2 spec strictly; every notification has its full event', () => {
  const objects = new StripeObjects();
  objects.addSeedFile(path.join(REPLAY, 'stripe-objects.json'));
  expect(objects.errors).toEqual([]);
  expect(objects.notes).toEqual([]);
  expect([...objects.objects.keys()]).toEqual([METER_ID]);
  const notified = new Set(events().map((e) => e.detail ?? e).filter((n) => n.object === 'v2.core.event').map((n) => n.id));
  expect(new Set(objects.events.keys())).toEqual(notified);
});
