/**
 * fast-check generators of EventBridge deliveries: real Stripe samples in valid envelopes, the same with
 * random damage, and arbitrary JSON. Shared by the validator's properties and the wrapper's.
 */
import fc from 'fast-check';
import { completeSampleFiles, envelope, loadSample, StripeEventSample, thinEnvelopeFiles, withId } from '../../support/stripe-samples';

const SAMPLES = completeSampleFiles().map((f) => loadSample<StripeEventSample>(f));
const THIN_SAMPLES = thinEnvelopeFiles().map((f) => loadSample<Record<string, any>>(f));

/** A real Stripe sample in the envelope EventBridge delivers, with a random Stripe event id and envelope id. */
export const validEnvelope: fc.Arbitrary<Record<string, any>> = fc
  .record({
    sample: fc.constantFrom(...SAMPLES),
    id: fc.stringMatching(/^[A-Za-z0-9]{8,24}$/),
    envelopeId: fc.uuid(),
  })
  .map(({ sample, id, envelopeId }) => envelope(withId(sample, `evt_${id}`), { id: envelopeId }) as Record<string, any>);

/** Strings that look like card numbers: they must never be echoed into an error message or a log line. */
export const cardNumberLike = fc.stringMatching(/^[0-9]{13,19}$/);

const anyJson = fc.oneof(fc.jsonValue({ maxDepth: 2 }), cardNumberLike);

type Damage = (event: Record<string, any>) => void;

/** One kind of damage to an envelope (applied to a deep copy). */
const damage: fc.Arbitrary<Damage> = fc.oneof(
  fc.constantFrom('id', 'source', 'detail-type', 'detail', 'time', 'resources').map((key): Damage => (e) => delete e[key]),
  fc.tuple(fc.constantFrom('id', 'source', 'detail-type', 'detail'), anyJson).map(([key, value]): Damage => (e) => (e[key] = value)),
  fc.constantFrom('id', 'object', 'type', 'created', 'data').map((key): Damage => (e) => {
    if (e.detail && typeof e.detail === 'object') delete e.detail[key];
  }),
  fc.tuple(fc.constantFrom('id', 'object', 'type', 'created', 'data', 'livemode'), anyJson).map(([key, value]): Damage => (e) => {
    if (e.detail && typeof e.detail === 'object') e.detail[key] = value;
  }),
  anyJson.map((value): Damage => (e) => {
    if (e.detail?.data && typeof e.detail.data === 'object') e.detail.data.object = value;
  }),
  fc.string().map((type): Damage => (e) => (e['detail-type'] = type)),
  fc.string().map((source): Damage => (e) => (e.source = source)),
  fc.constant<Damage>((e) => {
    // Thin (v2) events carry no data and an ISO `created`.
    if (e.detail && typeof e.detail === 'object') {
      e.detail.object = 'v2.core.event';
      delete e.detail.data;
      e.detail.created = new Date().toISOString();
    }
  }),
);

/**
 * A thin event (Stripe's event notification) in the envelope EventBridge delivers: one of Stripe's own SDK fixtures
 * (test/fixtures/data/stripe-events/eventbridge-envelope__*-v2-thin-*) with random ids, context, related object and
 * snapshot twin.
 */
export const validThinEnvelope: fc.Arbitrary<Record<string, any>> = fc
  .record({
    sample: fc.constantFrom(...THIN_SAMPLES),
    id: fc.stringMatching(/^[A-Za-z0-9]{8,24}$/),
    envelopeId: fc.uuid(),
    created: fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }).map((ms) => new Date(ms).toISOString()),
    context: fc.option(fc.stringMatching(/^acct_[A-Za-z0-9]{8,16}$/), { nil: undefined }),
    twin: fc.option(fc.stringMatching(/^evt_[A-Za-z0-9]{8,24}$/), { nil: undefined }),
  })
  .map(({ sample, id, envelopeId, created, context, twin }) => {
    const e = structuredClone(sample);
    Object.assign(e, { id: envelopeId });
    Object.assign(e.detail, { id: `evt_${id}`, created, ...(context ? { context } : {}), ...(twin ? { snapshot_event: twin } : {}) });
    return e;
  });

/** One kind of damage to a thin event's own fields. */
const thinDamage: fc.Arbitrary<Damage> = fc.oneof(
  fc.tuple(fc.constantFrom('created', 'context', 'snapshot_event', 'related_object', 'type', 'object'), anyJson).map(([key, value]): Damage => (e) => {
    if (e.detail && typeof e.detail === 'object') e.detail[key] = value;
  }),
  fc.tuple(fc.constantFrom('id', 'type', 'url'), anyJson).map(([key, value]): Damage => (e) => {
    if (e.detail?.related_object && typeof e.detail.related_object === 'object') e.detail.related_object[key] = value;
  }),
  fc.constantFrom('/v2/../admin', 'https://example.com/v1/x', '//example.com/v2', '/v3/core x').map((url): Damage => (e) => {
    if (e.detail && typeof e.detail === 'object') e.detail.related_object = { id: 'obj_1', type: 'x', url };
  }),
);

/** A valid thin envelope with one to three kinds of damage. */
export const damagedThinEnvelope: fc.Arbitrary<Record<string, any>> = fc
  .tuple(validThinEnvelope, fc.array(fc.oneof(damage, thinDamage), { minLength: 1, maxLength: 3 }))
  .map(([event, damages]) => {
    const copy = structuredClone(event);
    damages.forEach((d) => d(copy));
    return copy;
  });

/** A valid envelope with one to three kinds of damage. */
export const damagedEnvelope: fc.Arbitrary<Record<string, any>> = fc
  .tuple(validEnvelope, fc.array(damage, { minLength: 1, maxLength: 3 }))
  .map(([event, damages]) => {
    const copy = structuredClone(event);
    damages.forEach((d) => d(copy));
    return copy;
  });

/** Anything a function could be invoked with: valid, damaged, or arbitrary JSON. */
export const anyDelivery: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 2, arbitrary: validEnvelope },
  { weight: 5, arbitrary: damagedEnvelope },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/** Anything a function could be invoked with, thin events included. */
export const anyDeliveryOfEitherStyle: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: anyDelivery },
  { weight: 2, arbitrary: validThinEnvelope },
  { weight: 5, arbitrary: damagedThinEnvelope },
);

/** The payload styles a function receives (STRIPE_EB_EVENT_PAYLOADS). */
export const anyPayloads = fc.constantFrom<Array<'snapshot' | 'thin'>>(['snapshot'], ['thin'], ['snapshot', 'thin']);
