/**
 * Malformed input through the real bundled wrapper: each case fails with a named error that says what is
 * wrong, is logged with its EventBridge id, writes no idempotency record and never calls the handler
 * (call-recorder.js records every call it gets). Then the same promise as a property over random envelopes.
 */
import fc from 'fast-check';
import { anyDelivery } from './envelope-arbitraries';
import { LocalLambdaFunction } from '../../../src/cli/local/local-lambda';
import { MAX_EVENT_BYTES, MAX_EVENT_DEPTH } from '../../../src/contract/wrapper';
import { eventBridgeEntryBytes, InvalidStripeEventError, validateStripeEventBridgeEvent } from '../../../src/lambda/wrapper/envelope';
import { callsFor, emfLines, idempotencyRecords, outcomeLine, scanAll, useLocalStack } from '../../support/local-stack';
import { envelope, loadSample, StripeEventSample, withId } from '../../support/stripe-samples';

const CHECKOUT = loadSample<StripeEventSample>('checkout.session.completed__stripe-ruby-mock.json');

const stack = useLocalStack();
let fn: LocalLambdaFunction;

beforeAll(() => {
  fn = stack.wrapped({ handlerName: 'Guarded', keyPrefix: 'Test.Malformed', userHandler: 'call-recorder.handler' });
});

/** A real sample padded inside data.object so that EventBridge would count exactly `bytes`. */
function eventOfSize(bytes: number, id: string): Record<string, any> {
  const event = envelope(withId(CHECKOUT, id));
  event.detail.data.object = { ...event.detail.data.object, metadata: { padding: '' } };
  event.detail.data.object.metadata.padding = 'x'.repeat(bytes - eventBridgeEntryBytes(event as unknown as Record<string, unknown>));
  return event;
}

/**
 * A real sample in its envelope as JSON text, as Lambda receives it, with `data.object.metadata` nested so
 * that the event is `depth` levels deep in all (the envelope is level 1, metadata level 5). Built as text:
 * JSON.stringify itself cannot write an object nested thousands of levels deep.
 */
function eventNested(depth: number, id: string): { json: string; eventBridgeId: string } {
  const event = envelope(withId(CHECKOUT, id));
  event.detail.data.object = { ...event.detail.data.object, metadata: '__NESTED__' };
  const levels = depth - 4;
  const json = JSON.stringify(event).replace('"__NESTED__"', `${'{"a":'.repeat(levels - 1)}{}${'}'.repeat(levels - 1)}`);
  return { json, eventBridgeId: event.id };
}

/** An EventBridge event that is not from Stripe: the scheduled event of an EventBridge rule. */
const SCHEDULED_EVENT = {
  'version': '0',
  'id': '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
  'detail-type': 'Scheduled Event',
  'source': 'aws.events',
  'account': '123456789012',
  'time': '2026-01-29T12:00:00Z',
  'region': 'us-east-1',
  'resources': ['arn:aws:events:us-east-1:123456789012:rule/nightly'],
  'detail': {},
};

const THIN = loadSample<Record<string, any>>('eventbridge-envelope__stripe-node-v2-thin-billing.meter.error_report_triggered.json');

const CASES: Array<[string, () => unknown, string, RegExp]> = [
  ['an empty event', () => ({}), 'EMPTY_EVENT', /^EMPTY_EVENT: the event is empty/],
  ['a null event', () => null, 'EMPTY_EVENT', /^EMPTY_EVENT: the event is empty/],
  ['a non-Stripe EventBridge event (a scheduled event)', () => SCHEDULED_EVENT, 'NOT_STRIPE_SOURCE', /^NOT_STRIPE_SOURCE: source "aws\.events" does not start with "aws\.partner\/stripe\.com\/"$/],
  // Both start with `aws.partner/stripe.com`: only the prefix's trailing slash tells them from Stripe's sources.
  [
    "another partner's source that starts like Stripe's (aws.partner/stripe.community)",
    () => envelope(withId(CHECKOUT, 'evt_1Community'), { source: 'aws.partner/stripe.community/ed_1' }),
    'NOT_STRIPE_SOURCE',
    /^NOT_STRIPE_SOURCE: source "aws\.partner\/stripe\.community\/ed_1" does not start with "aws\.partner\/stripe\.com\/"$/,
  ],
  [
    'a look-alike source (aws.partner/stripe.com.evil/x)',
    () => envelope(withId(CHECKOUT, 'evt_1LookAlike'), { source: 'aws.partner/stripe.com.evil/x' }),
    'NOT_STRIPE_SOURCE',
    /^NOT_STRIPE_SOURCE: source "aws\.partner\/stripe\.com\.evil\/x" does not start with "aws\.partner\/stripe\.com\/"$/,
  ],
  ['a bare Stripe event without its EventBridge envelope', () => withId(CHECKOUT, 'evt_1BareEvent'), 'NOT_EVENTBRIDGE', /^NOT_EVENTBRIDGE: not an EventBridge event/],
  ["detail without an evt_ id (Stripe's must-reject sample)", () => loadSample('eventbridge-envelope__stripe-node-NEG-detail-object-customer.json'), 'MISSING_EVENT_ID', /`detail\.id` is the string "cus_123"/],
  ['detail with no id at all', () => envelope({ ...CHECKOUT, id: undefined as unknown as string }), 'MISSING_EVENT_ID', /^MISSING_EVENT_ID: `detail\.id` is missing; expected a Stripe event id/],
  [
    'detail-type different from detail.type',
    () => envelope(withId(CHECKOUT, 'evt_1TypeMismatch'), { 'detail-type': 'checkout.session.expired' }),
    'DETAIL_TYPE_MISMATCH',
    /^DETAIL_TYPE_MISMATCH: `detail-type` "checkout\.session\.expired" differs from `detail\.type` the string "checkout\.session\.completed"; Stripe always sets them equal$/,
  ],
  ['detail that is a JSON string, not an object', () => envelope(withId(CHECKOUT, 'evt_1Stringified'), { detail: JSON.stringify(CHECKOUT) as any }), 'DETAIL_NOT_OBJECT', /^DETAIL_NOT_OBJECT: `detail` is the string "\{/],
  ['detail that is an array', () => envelope(withId(CHECKOUT, 'evt_1Array'), { detail: [CHECKOUT] as any }), 'DETAIL_NOT_OBJECT', /^DETAIL_NOT_OBJECT: `detail` is an array/],
  ['a thin (v2) event where a snapshot event is expected', () => ({ ...THIN, id: 'b0e5ad6b-1c2f-4a43-a0ad-5b1a3f5f2a10' }), 'THIN_EVENT', /^THIN_EVENT: evt_notif_test_789 is a thin \(v2\) event/],
  ['detail.object that is not "event"', () => envelope({ ...withId(CHECKOUT, 'evt_1NotAnEvent'), object: 'checkout.session' }), 'NOT_A_STRIPE_EVENT', /`detail\.object` is the string "checkout\.session"; expected "event"/],
  ['a Stripe event without data.object', () => envelope({ ...withId(CHECKOUT, 'evt_1NoData'), data: {} as any }), 'MISSING_DATA_OBJECT', /evt_1NoData has no `data\.object`/],
  [
    "a payload one byte over EventBridge's 1 MB limit",
    () => eventOfSize(MAX_EVENT_BYTES + 1, 'evt_1TooLarge'),
    'TOO_LARGE',
    /^TOO_LARGE: the event is 1048577 bytes as EventBridge counts them, above the 1048576-byte limit/,
  ],
];

describe('each malformed input', () => {
  test.each(CASES)('%s: a named error, logged with the EventBridge id, no record, no handler call', async (_, make, reason, message) => {
    const event = make();
    const out = await fn.invoke(event);

    expect(out.ok).toBe(false);
    expect(out.error?.name).toBe('InvalidStripeEventError');
    expect(out.error?.message).toMatch(message);
    expect(out.error?.message.startsWith(`${reason}: `)).toBe(true);
    const eventBridgeId = (event as { id?: unknown } | null)?.id;
    const line = outcomeLine(out.logs);
    expect(line).toMatchObject({ level: 'ERROR', outcome: 'invalid', reason, error_name: 'InvalidStripeEventError' });
    expect(line?.eventbridge_id).toBe(typeof eventBridgeId === 'string' ? eventBridgeId : undefined);
    expect(emfLines(out.logs)).toEqual([expect.objectContaining({ EventsInvalid: 1, service: 'Guarded' })]);
    // The log line says what was wrong without the payload.
    expect(out.logs.every((text) => text.length < 2_000)).toBe(true);
    expect(await idempotencyRecords(stack.client, stack.idempotencyTable, 'Test.Malformed')).toEqual([]);
    expect(await scanAll(stack.client, stack.businessTable)).toEqual([]);
  });

  test("a payload of exactly EventBridge's 1 MB limit is processed once, and its log lines stay small", async () => {
    const event = eventOfSize(MAX_EVENT_BYTES, 'evt_1LargestAccepted');
    const out = await fn.invoke(event);
    expect(out.error).toBeUndefined();
    expect(outcomeLine(out.logs)?.outcome).toBe('processed');
    expect(await callsFor(stack.client, stack.businessTable, event.id)).toBe(1);
    expect(out.logs.every((line) => line.length < 2_000)).toBe(true);
    const duplicate = await fn.invoke({ ...event, id: 'c0a8e2b4-0000-4000-8000-000000000001' });
    expect(outcomeLine(duplicate.logs)?.outcome).toBe('duplicate');
    expect(await callsFor(stack.client, stack.businessTable, 'c0a8e2b4-0000-4000-8000-000000000001')).toBe(0);
  });
});

describe('an event nested deeper than any Stripe event, delivered as JSON text like every Lambda event', () => {
  test('5,000 levels in detail (25 KB), which JSON.stringify cannot walk: TOO_DEEP, decided before anything recursive, logged, no record, no handler call', async () => {
    const { json, eventBridgeId } = eventNested(5_000, 'evt_1Deep');
    expect(json.length).toBeGreaterThan(25_000);
    const out = await stack.wrapped({ handlerName: 'Guarded', keyPrefix: 'Test.Deep5000', userHandler: 'call-recorder.handler' }).invokeJson(json);

    expect(out.ok).toBe(false);
    expect(out.error).toMatchObject({
      name: 'InvalidStripeEventError',
      message: "TOO_DEEP: the event is nested more than 100 levels deep (Stripe's events nest about 10); it did not come from a Stripe event destination",
    });
    expect(outcomeLine(out.logs)).toMatchObject({ level: 'ERROR', outcome: 'invalid', reason: 'TOO_DEEP', eventbridge_id: eventBridgeId });
    expect(emfLines(out.logs)).toEqual([expect.objectContaining({ EventsInvalid: 1, service: 'Guarded' })]);
    expect(out.logs.every((text) => text.length < 2_000)).toBe(true);
    expect(await idempotencyRecords(stack.client, stack.idempotencyTable, 'Test.Deep5000')).toEqual([]);
    expect(await callsFor(stack.client, stack.businessTable, eventBridgeId)).toBe(0);
  });

  test('exactly 100 levels is accepted and processed; 101 is TOO_DEEP', async () => {
    const deep = stack.wrapped({ handlerName: 'Deep', keyPrefix: 'Test.Deep', userHandler: 'call-recorder.handler' });
    const atLimit = eventNested(MAX_EVENT_DEPTH, 'evt_1DeepestAccepted');
    const accepted = await deep.invokeJson(atLimit.json);
    expect(accepted.error).toBeUndefined();
    expect(outcomeLine(accepted.logs)?.outcome).toBe('processed');
    expect(await callsFor(stack.client, stack.businessTable, atLimit.eventBridgeId)).toBe(1);

    const over = eventNested(MAX_EVENT_DEPTH + 1, 'evt_1OneTooDeep');
    const refused = await deep.invokeJson(over.json);
    expect(outcomeLine(refused.logs)).toMatchObject({ outcome: 'invalid', reason: 'TOO_DEEP' });
    expect(await callsFor(stack.client, stack.businessTable, over.eventBridgeId)).toBe(0);
  });
});

test('property: over random envelopes, the wrapper calls the handler only for valid events, once per Stripe event, and records nothing for the rest', async () => {
  const guarded = stack.wrapped({ handlerName: 'Property', keyPrefix: 'Test.Property', userHandler: 'call-recorder.handler' });
  const completed = new Set<string>();
  await fc.assert(
    fc.asyncProperty(anyDelivery, async (event) => {
      let expected: { stripeEventId: string } | InvalidStripeEventError;
      try {
        expected = validateStripeEventBridgeEvent(event, { maxBytes: MAX_EVENT_BYTES });
      } catch (err) {
        expected = err as InvalidStripeEventError;
      }
      const eventBridgeId = (event as { id?: unknown } | null)?.id;
      const callKey = typeof eventBridgeId === 'string' ? eventBridgeId : 'no-id';
      const callsBefore = await callsFor(stack.client, stack.businessTable, callKey);

      const out = await guarded.invoke(event);

      const line = outcomeLine(out.logs);
      if (expected instanceof InvalidStripeEventError) {
        expect(out.error).toMatchObject({ name: 'InvalidStripeEventError', message: expected.message });
        expect(line).toMatchObject({ outcome: 'invalid', reason: expected.reason });
        if (typeof eventBridgeId === 'string') expect(line?.eventbridge_id).toBe(eventBridgeId);
        expect(await callsFor(stack.client, stack.businessTable, callKey)).toBe(callsBefore);
      } else {
        expect(out.error).toBeUndefined();
        const fresh = !completed.has(expected.stripeEventId);
        expect(line?.outcome).toBe(fresh ? 'processed' : 'duplicate');
        expect(await callsFor(stack.client, stack.businessTable, callKey)).toBe(callsBefore + (fresh ? 1 : 0));
        completed.add(expected.stripeEventId);
      }
      const records = await idempotencyRecords(stack.client, stack.idempotencyTable, 'Test.Property');
      expect(records).toHaveLength(completed.size);
    }),
    { numRuns: 120 },
  );
}, 120_000);
