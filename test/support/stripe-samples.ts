/**
 * Real Stripe event samples (test/fixtures/data/stripe-events, provenance in test/fixtures/data/SOURCES.md)
 * and the EventBridge envelope a Stripe event destination delivers them in.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const DATA_DIR = path.join(__dirname, '..', 'fixtures', 'data');
export const STRIPE_EVENTS_DIR = path.join(DATA_DIR, 'stripe-events');
export const TEST_EVENT_SOURCE = 'aws.partner/stripe.com/ed_test_61RbFxDsJ2cTpQk7b16RaKa7L4SQ0bVIVs1A8q06eRfY';

export interface StripeEventSample {
  id: string;
  object: string;
  type: string;
  created: number;
  livemode: boolean;
  data: { object: Record<string, any>; previous_attributes?: Record<string, any> };
  [key: string]: any;
}

export interface EventBridgeEnvelope<D = StripeEventSample> {
  'version': string;
  'id': string;
  'detail-type': string;
  'source': string;
  'account': string;
  'time': string;
  'region': string;
  'resources': string[];
  'detail': D;
}

/** A sample file's parsed content. */
export function loadSample<T = StripeEventSample>(file: string): T {
  return JSON.parse(fs.readFileSync(path.join(STRIPE_EVENTS_DIR, file), 'utf8')) as T;
}

/** Every complete v1 Stripe event among the samples (not the data-only or envelope files). */
export function completeSampleFiles(): string[] {
  return fs
    .readdirSync(STRIPE_EVENTS_DIR)
    .filter((f) => f.endsWith('.json') && !f.includes('data-only') && !/^(eventbridge|eventgrid)-envelope__/.test(f))
    .filter((f) => {
      const e = loadSample<Record<string, unknown>>(f);
      return e.object === 'event' && typeof e.id === 'string' && typeof e.type === 'string';
    })
    .sort();
}

/** Stripe's own thin events in EventBridge envelopes, from its SDKs' tests (test/fixtures/data/SOURCES.md, 2f). */
export function thinEnvelopeFiles(): string[] {
  return fs.readdirSync(STRIPE_EVENTS_DIR).filter((f) => /^eventbridge-envelope__.*-v2-thin-.*\.json$/.test(f)).sort();
}

/** Wraps a Stripe event the way EventBridge delivers it from a partner event source. */
export function envelope(event: StripeEventSample, overrides: Partial<EventBridgeEnvelope> = {}): EventBridgeEnvelope {
  const source = overrides.source ?? TEST_EVENT_SOURCE;
  return {
    'version': '0',
    'id': randomUUID(),
    'detail-type': event.type,
    source,
    'account': '123456789012',
    'time': new Date(event.created * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'region': 'us-east-1',
    'resources': [`arn:aws:events:us-east-1::event-source/${source}`],
    'detail': event,
    ...overrides,
  };
}

/** A copy of a sample with another Stripe event id (many samples share the anonymised `evt_000…` id). */
export function withId(event: StripeEventSample, id: string): StripeEventSample {
  return { ...event, id };
}

/**
 * `count` distinct Stripe events built from the complete real samples, cycling through them, each given its
 * own id `evt_<prefix><n>` (the samples' own ids repeat, and distinct events need distinct ids).
 */
export function distinctEvents(count: number, prefix: string): StripeEventSample[] {
  const samples = completeSampleFiles().map((f) => loadSample<StripeEventSample>(f));
  return Array.from({ length: count }, (_, n) => withId(samples[n % samples.length], `evt_${prefix}${n}`));
}

/** What a thin event notification says (the `detail` of a thin EventBridge event). */
export interface ThinEventFields {
  readonly id: string;
  readonly type: string;
  readonly created?: string;
  readonly livemode?: boolean;
  readonly context?: string | null;
  readonly related_object?: { id: string; type: string; url: string } | null;
  readonly snapshot_event?: string;
}

/**
 * A thin event in the EventBridge envelope Stripe delivers it in, shaped as Stripe's own SDK fixture
 * (eventbridge-envelope__stripe-python-v2-thin-ping-context.json) with the given notification fields.
 */
export function thinEnvelope(
  fields: ThinEventFields,
  overrides: Partial<EventBridgeEnvelope<unknown>> = {},
): EventBridgeEnvelope<Record<string, unknown>> {
  const fixture = loadSample<EventBridgeEnvelope<Record<string, unknown>>>('eventbridge-envelope__stripe-python-v2-thin-ping-context.json');
  const created = fields.created ?? new Date().toISOString();
  const detail: Record<string, unknown> = { object: 'v2.core.event', livemode: false, context: null, related_object: null, ...fields, created };
  const time = created.replace(/\.\d+Z$/, 'Z');
  return { ...fixture, 'id': randomUUID(), 'detail-type': fields.type, 'source': TEST_EVENT_SOURCE, time, detail, ...overrides } as EventBridgeEnvelope<Record<string, unknown>>;
}
