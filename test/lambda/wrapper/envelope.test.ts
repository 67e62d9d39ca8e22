/**
 * The envelope validation on its own (src/lambda/wrapper/envelope.ts): example cases from real Stripe samples,
 * the size limit at its exact boundary, and properties over random envelopes (fast-check).
 */
import fc from 'fast-check';
import { anyDelivery, cardNumberLike, damagedEnvelope, validEnvelope, validThinEnvelope } from './envelope-arbitraries';
import { MAX_EVENT_BYTES, MAX_EVENT_DEPTH } from '../../../src/contract/wrapper';
import {
  eventBridgeEntryBytes,
  InvalidStripeEventError,
  InvalidStripeEventReason,
  nestedDeeperThan,
  parseIsoTimestamp,
  sizeBoundOrDepth,
  TOO_DEEP_MARK,
  validateStripeEventBridgeEvent,
} from '../../../src/lambda/wrapper/envelope';
import { completeSampleFiles, envelope, loadSample, StripeEventSample, thinEnvelopeFiles, withId } from '../../support/stripe-samples';

const CHECKOUT = loadSample<StripeEventSample>('checkout.session.completed__stripe-ruby-mock.json');

function rejection(event: unknown, options = {}): InvalidStripeEventError {
  try {
    validateStripeEventBridgeEvent(event, options);
  } catch (err) {
    if (err instanceof InvalidStripeEventError) return err;
    throw err;
  }
  throw new Error('the event was accepted');
}

describe('accepts', () => {
  test.each(completeSampleFiles())('the real sample %s in an EventBridge envelope', (file) => {
    const event = loadSample<StripeEventSample>(file);
    const delivered = envelope(event);
    expect(validateStripeEventBridgeEvent(delivered, { maxBytes: MAX_EVENT_BYTES })).toEqual({
      eventBridgeId: delivered.id,
      source: delivered.source,
      stripeEventId: event.id,
      type: event.type,
      livemode: event.livemode,
      created: event.created,
      apiVersion: event.api_version ?? undefined,
    });
  });

  test.each(['eventbridge-envelope__stripe-node-v1-customer.created.json', 'eventbridge-envelope__stripe-go-v1-customer.created.json'])(
    "Stripe's own EventBridge test envelope %s",
    (file) => {
      expect(validateStripeEventBridgeEvent(loadSample(file))).toMatchObject({ stripeEventId: 'evt_test_123', type: 'customer.created', livemode: true });
    },
  );
});

describe('thin events', () => {
  test.each(thinEnvelopeFiles())("Stripe's own EventBridge thin envelope %s is accepted by a thin function", (file) => {
    const event = loadSample<Record<string, any>>(file);
    const summary = validateStripeEventBridgeEvent(event, { maxBytes: MAX_EVENT_BYTES, payloads: ['thin'] });
    expect(summary).toMatchObject({ eventBridgeId: event.id, source: event.source, stripeEventId: event.detail.id, type: event.detail.type });
    expect(summary.apiVersion).toBeUndefined();
    // Event age counts from the ISO 8601 `created`, to the millisecond.
    expect(summary.created * 1000).toBe(Date.parse(event.detail.created));
    expect(summary.thin?.relatedObject).toEqual(event.detail.related_object ?? undefined);
    expect(summary.thin?.context).toEqual(event.detail.context ?? undefined);
  });

  test('the ISO 8601 created is read to the millisecond, in any time zone, and nothing that is not a date passes', () => {
    expect(parseIsoTimestamp('2024-03-07T18:27:56.000Z')).toBe(Date.parse('2024-03-07T18:27:56.000Z'));
    expect(parseIsoTimestamp('2024-03-07T19:57:56.1239+01:30')).toBe(Date.parse('2024-03-07T18:27:56.123Z'));
    expect(parseIsoTimestamp('2024-02-29T00:00:00Z')).toBe(Date.parse('2024-02-29T00:00:00Z'));
    for (const bad of ['2023-02-29T00:00:00Z', '2024-03-07 18:27:56Z', '2024-03-07T18:27:56', '2024-13-01T00:00:00Z', '2024-03-07T24:00:00Z', '1709836076', '']) {
      expect(parseIsoTimestamp(bad)).toBeUndefined();
    }
  });

  test('every valid thin envelope is accepted, with its snapshot twin and context', () => {
    fc.assert(
      fc.property(validThinEnvelope, (event) => {
        const summary = validateStripeEventBridgeEvent(event, { maxBytes: MAX_EVENT_BYTES, payloads: ['snapshot', 'thin'] });
        expect(summary.stripeEventId).toBe(event.detail.id);
        expect(summary.thin?.snapshotEvent).toBe(event.detail.snapshot_event ?? undefined);
      }),
      { numRuns: 300 },
    );
  });
});

describe('nesting', () => {
  /** `{ a: { a: … } }`, `levels` objects deep. */
  const nested = (levels: number): Record<string, unknown> => {
    let value: Record<string, unknown> = {};
    for (let i = 1; i < levels; i++) value = { a: value };
    return value;
  };

  test('an event too deep for JSON.stringify is TOO_DEEP, never a RangeError, also when its size is measured', () => {
    const event = envelope(withId(CHECKOUT, 'evt_1Deep'));
    event.detail.data = { ...event.detail.data, object: { ...event.detail.data.object, metadata: nested(10_000) } };
    expect(() => JSON.stringify(event)).toThrow(RangeError);
    const err = rejection(event, { maxBytes: MAX_EVENT_BYTES });
    expect(err.reason).toBe(InvalidStripeEventReason.TOO_DEEP);
    expect(err.eventBridgeId).toBe(event.id);
  });

  test('nestedDeeperThan counts objects and arrays, the value itself being level 1', () => {
    expect(nestedDeeperThan({}, 1)).toBe(false);
    expect(nestedDeeperThan({ a: {} }, 1)).toBe(true);
    expect(nestedDeeperThan([[[]]], 3)).toBe(false);
    expect(nestedDeeperThan([[[]]], 2)).toBe(true);
    expect(nestedDeeperThan({ a: 'x'.repeat(100), b: [1, 2, { c: null }] }, 3)).toBe(false);
    expect(nestedDeeperThan(nested(100_000), 100)).toBe(true);
    expect(nestedDeeperThan('text', 0)).toBe(false);
  });

  test('every real sample in its envelope is far from the limit', () => {
    for (const file of completeSampleFiles()) {
      expect([file, nestedDeeperThan(envelope(loadSample<StripeEventSample>(file)), 20)]).toEqual([file, false]);
    }
  });
});

describe('rejects, naming what is wrong', () => {
  test("Stripe's own must-reject envelope (a customer object in detail)", () => {
    const err = rejection(loadSample('eventbridge-envelope__stripe-node-NEG-detail-object-customer.json'));
    expect(err.reason).toBe(InvalidStripeEventReason.MISSING_EVENT_ID);
    expect(err.message).toBe('MISSING_EVENT_ID: `detail.id` is the string "cus_123"; expected a Stripe event id (`evt_…`), which is the idempotency key');
    expect(err.eventBridgeId).toBe('test');
  });

  test.each([
    'eventbridge-envelope__stripe-go-v2-thin-ping-minimal.json',
    'eventbridge-envelope__stripe-node-v2-thin-billing.meter.error_report_triggered.json',
    'eventbridge-envelope__stripe-python-v2-thin-ping-context.json',
    'eventbridge-envelope__stripe-ruby-v2-thin-related-object.json',
  ])('the thin event %s, by a function that receives snapshot events only', (file) => {
    const err = rejection(loadSample(file));
    expect(err.reason).toBe(InvalidStripeEventReason.THIN_EVENT);
    expect(err.message).toMatch(/^THIN_EVENT: evt_\w+ is a thin event; this function receives snapshot events only\. Subscribe thin event types \(v1\.…, v2\.…\) on a thin event bus/);
  });

  test('a snapshot event, by a function that receives thin events only', () => {
    const err = rejection(envelope(CHECKOUT), { payloads: ['thin'] });
    expect(err.reason).toBe(InvalidStripeEventReason.SNAPSHOT_EVENT);
    expect(err.message).toMatch(/is a snapshot event; this function receives thin events only/);
  });

  test('a card number in a wrong field is never echoed', () => {
    const err = rejection(envelope(withId(CHECKOUT, '4242424242424242')));
    expect(err.message).toBe('MISSING_EVENT_ID: `detail.id` is the string "[digits]"; expected a Stripe event id (`evt_…`), which is the idempotency key');
  });
});

describe("EventBridge's 1 MB limit", () => {
  /** The real sample, padded inside data.object so that EventBridge would count exactly `bytes`. */
  function ofSize(bytes: number): Record<string, any> {
    const event = envelope(withId(CHECKOUT, 'evt_1LargeEvent'));
    event.detail.data.object = { ...event.detail.data.object, metadata: { padding: '' } };
    const padding = bytes - eventBridgeEntryBytes(event as unknown as Record<string, unknown>);
    event.detail.data.object.metadata.padding = 'x'.repeat(padding);
    expect(eventBridgeEntryBytes(event as unknown as Record<string, unknown>)).toBe(bytes);
    return event;
  }

  test('counts bytes the way EventBridge does: time 14, source, detail-type, detail JSON and resources in UTF-8', () => {
    const event = { 'id': 'x', 'time': '2026-01-29T00:00:00Z', 'source': 'aws.partner/stripe.com/ed_1', 'detail-type': 'é', 'detail': { a: 'ü' }, 'resources': ['arn:1', 'ä'] };
    expect(eventBridgeEntryBytes(event)).toBe(14 + 27 + 2 + Buffer.byteLength('{"a":"ü"}') + 5 + 2);
  });

  describe('the one pass that measures nesting and bounds the size, so that only an event near the limit is stringified', () => {
    /** Any JSON value, with strings of any UTF-16 units (lone surrogates and control characters, escaped as `\\uXXXX`). */
    const anyText = fc.string({ unit: 'binary' });
    const anyJson = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, anyText, fc.double(), fc.integer(), fc.boolean(), fc.constant(null), tie('array'), tie('object')),
      array: fc.array(tie('value'), { maxLength: 5 }),
      object: fc.dictionary(anyText, tie('value'), { maxKeys: 5, noNullPrototype: true }),
    })).value;

    test('never bounds below the exact count, and finds the same depth as nestedDeeperThan', () => {
      fc.assert(
        fc.property(anyText, anyText, anyJson, fc.array(anyText, { maxLength: 3 }), fc.integer({ min: 1, max: 8 }),
          (source, type, detail, resources, max) => {
            const event = { 'id': 'x', 'time': '', source, 'detail-type': type, detail, resources };
            const bound = sizeBoundOrDepth(event, max);
            expect(bound === TOO_DEEP_MARK).toBe(nestedDeeperThan(event, max));
            if (bound !== TOO_DEEP_MARK) expect(bound).toBeGreaterThanOrEqual(eventBridgeEntryBytes(event));
          }),
        { numRuns: 2_000 },
      );
    });

    test.each(['\u0001', '\udc00', '€', '😀', '"', 'x'])('never bounds below the exact count of text of %j only', (unit) => {
      const event = { source: '', detail: { [unit.repeat(1_000)]: [unit.repeat(1_000)] } };
      expect(sizeBoundOrDepth(event, 3)).toBeGreaterThanOrEqual(eventBridgeEntryBytes(event));
    });

    test('every real sample is bounded, far below the limit', () => {
      for (const file of completeSampleFiles()) {
        const event = envelope(loadSample<StripeEventSample>(file)) as unknown as Record<string, unknown>;
        const bound = sizeBoundOrDepth(event, MAX_EVENT_DEPTH);
        expect([file, typeof bound === 'number' && bound >= eventBridgeEntryBytes(event) && bound < MAX_EVENT_BYTES]).toEqual([file, true]);
      }
    });

    test('leaves what is not JSON to the exact count', () => {
      expect(sizeBoundOrDepth({ detail: { at: new Date(0) } }, 10)).toBeUndefined();
      expect(sizeBoundOrDepth({ detail: { n: 1n } }, 10)).toBeUndefined();
      expect(sizeBoundOrDepth({ detail: Object.create(null) }, 10)).toBeUndefined();
      expect(sizeBoundOrDepth({ detail: [{ toJSON: () => 'x'.repeat(100) }, () => 1] }, 10)).toBeUndefined();
    });
  });

  test('an event of exactly 1,048,576 bytes is accepted', () => {
    expect(validateStripeEventBridgeEvent(ofSize(MAX_EVENT_BYTES), { maxBytes: MAX_EVENT_BYTES }).stripeEventId).toBe('evt_1LargeEvent');
  });

  test('one byte more is rejected as TOO_LARGE', () => {
    const event = ofSize(MAX_EVENT_BYTES + 1);
    const err = rejection(event, { maxBytes: MAX_EVENT_BYTES });
    expect(err.reason).toBe(InvalidStripeEventReason.TOO_LARGE);
    expect(err.message).toBe(
      'TOO_LARGE: the event is 1048577 bytes as EventBridge counts them, above the 1048576-byte limit of an EventBridge event; it did not come from a Stripe event destination',
    );
    expect(err.eventBridgeId).toBe(event.id);
  });
});

describe('properties over random envelopes', () => {
  const REASONS = new Set<string>(Object.values(InvalidStripeEventReason));

  test('every delivery is either accepted with a consistent summary or rejected with an InvalidStripeEventError that names its reason', () => {
    fc.assert(
      fc.property(anyDelivery, (event) => {
        let summary;
        try {
          summary = validateStripeEventBridgeEvent(event, { maxBytes: MAX_EVENT_BYTES });
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidStripeEventError);
          const e = err as InvalidStripeEventError;
          expect(REASONS.has(e.reason)).toBe(true);
          expect(e.message.startsWith(`${e.reason}: `)).toBe(true);
          const id = (event as { id?: unknown } | null)?.id;
          if (typeof id === 'string' && e.reason !== InvalidStripeEventReason.EMPTY_EVENT) expect(e.eventBridgeId).toBe(id);
          // No card-number-like run of digits, and never the whole payload.
          expect(e.message).not.toMatch(/\d{12,}/);
          expect(e.message.length).toBeLessThan(400);
          return;
        }
        const e = event as Record<string, any>;
        expect(summary).toEqual({
          eventBridgeId: e.id,
          source: e.source,
          stripeEventId: e.detail.id,
          type: e['detail-type'],
          livemode: typeof e.detail.livemode === 'boolean' ? e.detail.livemode : undefined,
          created: e.detail.created,
          apiVersion: typeof e.detail.api_version === 'string' ? e.detail.api_version : undefined,
        });
        expect(e.source.startsWith('aws.partner/stripe.com/')).toBe(true);
        expect(e.detail.id).toMatch(/^evt_/);
        expect(e.detail.object).toBe('event');
        expect(e.detail.type).toBe(e['detail-type']);
        expect(Number.isFinite(e.detail.created)).toBe(true);
        expect(typeof e.detail.data.object).toBe('object');
      }),
      { numRuns: 2_000 },
    );
  });

  test('every undamaged real sample is accepted', () => {
    fc.assert(
      fc.property(validEnvelope, (event) => {
        expect(validateStripeEventBridgeEvent(event, { maxBytes: MAX_EVENT_BYTES }).stripeEventId).toBe(event.detail.id);
      }),
      { numRuns: 300 },
    );
  });

  test('targeted damage gives its own reason', () => {
    fc.assert(
      fc.property(validEnvelope, fc.string({ minLength: 1 }), (event, type) => {
        fc.pre(type !== event['detail-type']);
        expect(rejection({ ...event, 'detail-type': type }).reason).toBe(InvalidStripeEventReason.DETAIL_TYPE_MISMATCH);
      }),
    );
    fc.assert(
      fc.property(validEnvelope, fc.oneof(fc.string(), cardNumberLike).filter((id) => !/^evt_/.test(id)), (event, id) => {
        expect(rejection({ ...event, detail: { ...event.detail, id } }).reason).toBe(InvalidStripeEventReason.MISSING_EVENT_ID);
      }),
    );
    fc.assert(
      fc.property(validEnvelope, fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer())), (event, detail) => {
        expect(rejection({ ...event, detail }).reason).toBe(InvalidStripeEventReason.DETAIL_NOT_OBJECT);
      }),
    );
    fc.assert(
      fc.property(validEnvelope, fc.string().filter((s) => !s.startsWith('aws.partner/stripe.com/')), (event, source) => {
        expect(rejection({ ...event, source }).reason).toBe(InvalidStripeEventReason.NOT_STRIPE_SOURCE);
      }),
    );
  });

  test('damaged envelopes are never accepted with a detail that is not a Stripe snapshot event', () => {
    fc.assert(
      fc.property(damagedEnvelope, (event) => {
        try {
          validateStripeEventBridgeEvent(event);
        } catch {
          return;
        }
        // Some damage is harmless (say, `time` removed or `livemode` changed); what passes is still sound.
        expect(event.detail.object).toBe('event');
        expect(event.detail.id).toMatch(/^evt_[A-Za-z0-9_]+$/);
        expect(event.detail.type).toBe(event['detail-type']);
      }),
      { numRuns: 1_000 },
    );
  });
});
