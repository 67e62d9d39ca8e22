/**
 * Malformed deliveries and the named reason each must be rejected with: the same cases for the Node.js wrapper
 * (malformed-input.integration.test.ts) and the Python one (test/lambda/python-wrapper/runtime.integration.test.ts).
 */
import { MAX_EVENT_BYTES } from '../../../src/contract/wrapper';
import { eventBridgeEntryBytes } from '../../../src/lambda/wrapper/envelope';
import { envelope, loadSample, StripeEventSample, withId } from '../../support/stripe-samples';

const CHECKOUT = loadSample<StripeEventSample>('checkout.session.completed__stripe-ruby-mock.json');

/** A real sample padded inside data.object so that EventBridge would count exactly `bytes`. */
export function eventOfSize(bytes: number, id: string): Record<string, any> {
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
export function eventNested(depth: number, id: string): { json: string; eventBridgeId: string } {
  const event = envelope(withId(CHECKOUT, id));
  event.detail.data.object = { ...event.detail.data.object, metadata: '__NESTED__' };
  const levels = depth - 4;
  const json = JSON.stringify(event).replace('"__NESTED__"', `${'{"a":'.repeat(levels - 1)}{}${'}'.repeat(levels - 1)}`);
  return { json, eventBridgeId: event.id };
}

/** An EventBridge event that is not from Stripe: the scheduled event of an EventBridge rule. */
export const SCHEDULED_EVENT = {
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

export const THIN = loadSample<Record<string, any>>('eventbridge-envelope__stripe-node-v2-thin-billing.meter.error_report_triggered.json');

export const CASES: Array<[string, () => unknown, string, RegExp]> = [
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
  ['a thin (v2) event where a snapshot event is expected', () => ({ ...THIN, id: 'b0e5ad6b-1c2f-4a43-a0ad-5b1a3f5f2a10' }), 'THIN_EVENT', /^THIN_EVENT: evt_notif_test_789 is a thin event; this function receives snapshot events only/],
  ['detail.object that is not "event"', () => envelope({ ...withId(CHECKOUT, 'evt_1NotAnEvent'), object: 'checkout.session' }), 'NOT_A_STRIPE_EVENT', /`detail\.object` is the string "checkout\.session"; expected "event"/],
  ['a Stripe event without data.object', () => envelope({ ...withId(CHECKOUT, 'evt_1NoData'), data: {} as any }), 'MISSING_DATA_OBJECT', /evt_1NoData has no `data\.object`/],
  [
    "a payload one byte over EventBridge's 1 MB limit",
    () => eventOfSize(MAX_EVENT_BYTES + 1, 'evt_1TooLarge'),
    'TOO_LARGE',
    /^TOO_LARGE: the event is 1048577 bytes as EventBridge counts them, above the 1048576-byte limit/,
  ],
];

