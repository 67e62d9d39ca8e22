/**
 * Reading a replay's events: JSON Lines, a JSON array, one event per file, a directory; bare Stripe events (real
 * published samples) put in their envelope; whatever cannot be replayed reported as `file:line: why` while the rest
 * is still read.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readEventStream } from '../../../src/cli/local/event-stream';

const ROOT = path.join(__dirname, '..', '..', '..');
const SAMPLES = path.join(ROOT, 'test', 'fixtures', 'data', 'stripe-events');
const SOURCE = 'aws.partner/stripe.com/ed_test_STREAM';
const sample = (file: string) => JSON.parse(fs.readFileSync(path.join(SAMPLES, file), 'utf8'));
const envelopes = fs.readFileSync(path.join(ROOT, 'examples', 'babes-club', 'replay', 'sample-events.jsonl'), 'utf8').trim().split('\n');

function scratch(files: Record<string, string>): string {
  fs.mkdirSync(path.join(ROOT, '.tmp'), { recursive: true });
  const dir = fs.mkdtempSync(path.join(ROOT, '.tmp', 'event-stream-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

test('a line that is not JSON, and one that is not an event, are reported by file:line and why; the events around them are read', () => {
  const dir = scratch({ 'events.jsonl': [envelopes[0], 'this is not json', '{"hello": 1}', '', envelopes[2]].join('\n') });
  const file = path.join(dir, 'events.jsonl');
  const stream = readEventStream(file, { eventSource: SOURCE });
  expect(stream.events.map((e) => [e.where, e.event['detail-type']])).toEqual([
    [`${file}:1`, 'checkout.session.completed'],
    [`${file}:5`, 'charge.refunded'],
  ]);
  expect(stream.problems).toEqual([
    { where: `${file}:2`, why: expect.stringMatching(/^not JSON: Unexpected token/) },
    { where: `${file}:3`, why: expect.stringMatching(/^neither an EventBridge event .* nor a Stripe event .*; its fields: hello$/) },
  ]);
});

test('bare Stripe events (real samples) are put in the envelope Stripe delivers them in, on the given partner source', () => {
  const checkout = sample('checkout.session.completed__stripe-sync-engine.json');
  const subscription = sample('customer.subscription.created__stripe-sync-engine.json');
  const dir = scratch({ 'events.json': JSON.stringify([checkout, subscription], null, 2) });
  const stream = readEventStream(path.join(dir, 'events.json'), { eventSource: SOURCE });
  expect(stream.problems).toEqual([]);
  expect(stream.events.map((e) => e.where)).toEqual([`${dir}/events.json[0]`, `${dir}/events.json[1]`]);
  const [first] = stream.events;
  expect(first.event).toMatchObject({ 'source': SOURCE, 'detail-type': 'checkout.session.completed', 'detail': checkout });
  expect(first.event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
});

test('a directory of event files, one pretty-printed event each, in name order; an empty file is a problem', () => {
  const dir = scratch({
    '2-refund.json': JSON.stringify(sample('charge.refunded__stripe-sync-engine.json'), null, 2),
    '1-checkout.json': JSON.stringify(sample('checkout.session.completed__stripe-sync-engine.json'), null, 2),
    '3-empty.json': '',
    'notes.txt': 'not an event file',
  });
  const stream = readEventStream(dir, { eventSource: SOURCE });
  expect(stream.events.map((e) => [path.basename(e.where), e.event['detail-type']])).toEqual([
    ['1-checkout.json', 'checkout.session.completed'],
    ['2-refund.json', 'charge.refunded'],
  ]);
  expect(stream.problems).toEqual([{ where: path.join(dir, '3-empty.json'), why: 'empty: no events' }]);
});

test('a broken JSON array is one problem; standard input is read for "-"', () => {
  const dir = scratch({ 'broken.json': '[{"id": "evt_1"},' });
  expect(readEventStream(path.join(dir, 'broken.json'), { eventSource: SOURCE }).problems).toEqual([
    { where: path.join(dir, 'broken.json'), why: expect.stringMatching(/^not a JSON array: /) },
  ]);
  const stdin = readEventStream('-', { eventSource: SOURCE, readStdin: () => `${envelopes[1]}\n[1]\n` });
  expect(stdin.events.map((e) => e.where)).toEqual(['standard input:1']);
  expect(stdin.problems).toEqual([{ where: 'standard input:2', why: 'expected an event (a JSON object), got an array' }]);
  expect(() => readEventStream(path.join(dir, 'missing.jsonl'), { eventSource: SOURCE })).toThrow(/missing.jsonl does not exist/);
});

test('bare thin events: a notification (Stripe\'s own sample) goes on the thin source in the envelope Stripe delivers it in; a full event carries its notification and is kept for the local Stripe API', () => {
  const envelope = sample('eventbridge-envelope__stripe-python-v2-thin-ping-context.json');
  const notification = envelope.detail;
  // Stripe's notification of a thin-only type, with the data GET /v2/core/events/{id} adds.
  const full = {
    ...sample('v1.billing.meter.error_report_triggered__stripe-ruby-thin-raw.json'),
    livemode: false,
    data: {
      developer_message_summary: 'There is 1 invalid event',
      reason: { error_count: 1, error_types: [{ code: 'meter_event_no_customer_defined', error_count: 1, sample_errors: [{ error_message: 'Missing customer', request: { identifier: 'req_1' } }] }] },
      validation_start: '2022-02-15T00:00:00.000Z',
      validation_end: '2022-02-15T00:27:00.000Z',
    },
  };
  const dir = scratch({ 'events.jsonl': [JSON.stringify(notification), JSON.stringify(full), envelopes[0]].join('\n') });
  const THIN = 'aws.partner/stripe.com/ed_test_THIN';
  const stream = readEventStream(path.join(dir, 'events.jsonl'), { eventSource: SOURCE, thinEventSource: THIN });
  expect(stream.problems).toEqual([]);
  const [ping, meter, snapshot] = stream.events;
  // What Stripe's partner bus delivered for this notification, but our source and envelope id.
  expect(ping.event).toEqual({ ...envelope, source: THIN, id: expect.any(String), account: expect.any(String), region: expect.any(String) });
  expect(ping.fullEvent).toBeUndefined();
  expect(meter.event).toMatchObject({ 'source': THIN, 'detail-type': full.type, 'time': full.created.replace(/\.\d+Z$/, 'Z') });
  expect(meter.event.detail).not.toHaveProperty('data');
  expect(meter.event.detail).toMatchObject({ id: full.id, object: 'v2.core.event', related_object: full.related_object });
  expect(meter.fullEvent).toEqual(full);
  expect(snapshot.event.source).toBe(JSON.parse(envelopes[0]).source);
});
