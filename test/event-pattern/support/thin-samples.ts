/**
 * Real thin events, for the tests of the tools that wrap and route them: the four EventBridge envelopes of Stripe's
 * own SDK tests (stripe-go, stripe-node, stripe-python, stripe-ruby; test/fixtures/data/SOURCES.md, section 2f: the
 * same four the wrapper's vectors test/lambda/wrapper/envelope-vectors.json accept), the bare notification of
 * stripe-ruby's tests, and the event of Stripe's API reference (as `GET /v2/core/events/{id}` returns it, with the
 * fetched attributes `data` and `changes` a destination never sends).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const SAMPLES = path.join(__dirname, '..', '..', 'fixtures', 'data', 'stripe-events');

export interface ThinEnvelopeSample {
  readonly file: string;
  readonly path: string;
  readonly envelope: Record<string, any>;
}

/** The four thin EventBridge envelopes of Stripe's SDK tests. */
export const THIN_ENVELOPES: ThinEnvelopeSample[] = fs.readdirSync(SAMPLES)
  .filter((f) => /^eventbridge-envelope__stripe-\w+-v2-thin-/.test(f))
  .map((file) => ({ file, path: path.join(SAMPLES, file), envelope: JSON.parse(fs.readFileSync(path.join(SAMPLES, file), 'utf8')) }));

/** stripe-ruby's bare thin notification (`RAW_V2_EVENT_PAYLOAD`), a `v1.billing.meter.error_report_triggered`. */
export const RUBY_RAW_NOTIFICATION_FILE = path.join(SAMPLES, 'v1.billing.meter.error_report_triggered__stripe-ruby-thin-raw.json');

/**
 * The example of Stripe's API reference for a v2 event (docs.stripe.com/api/v2/core/events/object, "The Event object"),
 * as `GET /v2/core/events/{id}` returns it: with `data`, which a thin destination never sends.
 */
export const API_REFERENCE_EVENT = {
  id: 'evt_test_65RCjj4EqW1sabcjs2Z16RCMoNQdSQkOWvfL6L5uU2K40u',
  object: 'v2.core.event',
  context: null,
  created: '2024-09-26T17:46:22.134Z',
  data: {
    developer_message_summary: 'There is 1 invalid event',
    reason: {
      error_count: 1,
      error_types: [{
        code: 'meter_event_no_customer_defined',
        error_count: 1,
        sample_errors: [{ error_message: 'Customer mapping key stripe_customer_id not found in payload.', request: { identifier: 'cb447754-6880-45c2-8f2f-ef19b6ce81e9' } }],
      }],
    },
    validation_end: '2024-09-26T17:46:20.000Z',
    validation_start: '2024-09-26T17:46:10.000Z',
  },
  livemode: false,
  reason: null,
  related_object: { id: 'mtr_test_61RCjiqdTDC91zgip41IqPCzPnxqqSVc', type: 'billing.meter', url: '/v1/billing/meters/mtr_test_61RCjiqdTDC91zgip41IqPCzPnxqqSVc' },
  type: 'v1.billing.meter.error_report_triggered',
};
