/**
 * A Python handler built by StripeEventHandler.fromPythonCode, synthesized, and run from cdk.out by the local replay
 * (its template's runtime, handler, layer and environment, as Lambda would run them): a handler that keeps throwing
 * is retried as Lambda retries an asynchronous invocation (twice) and then dead-lettered with its error; no record
 * is left behind to block a redrive, and a healthy handler on the same bus processes the same events.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { StripeEventBridgeIntegration, StripeEventBus, StripeEventHandler } from '../../../src';
import { replay } from '../../../src/cli/local/replay';
import { SynthesizedStack } from '../../../src/cli/local/synthesized-stack';
import { createBusinessTable, ddbClient, ddbEndpoint, scanAll, TEST_HANDLERS_DIR } from '../../support/local-stack';
import { envelope, loadSample, StripeEventSample, TEST_EVENT_SOURCE, withId } from '../../support/stripe-samples';

const client = ddbClient();
afterAll(() => client.destroy());

test('a Python handler that keeps throwing: three attempts, then the dead-letter queue with its error; the other handler processes every event once', async () => {
  const tmp = path.join(__dirname, '..', '..', '..', '.tmp');
  fs.mkdirSync(tmp, { recursive: true });
  // The recorder writes its calls to a business table; the replay points every AWS SDK at DynamoDB Local.
  const calls = await createBusinessTable(client);
  const app = new App({ outdir: fs.mkdtempSync(path.join(tmp, 'python-dlq-')) });
  const stack = new Stack(app, 'PythonDeadLetter');
  const code = lambda.Code.fromAsset(TEST_HANDLERS_DIR, { exclude: ['*.js', '*.ts'] });
  new StripeEventBridgeIntegration(stack, 'Stripe', {
    eventBus: StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE),
    handlers: {
      'checkout.session.completed': StripeEventHandler.fromPythonCode({
        code,
        handler: 'effect_counter.handler',
        name: 'Broken',
        environment: { SAMPLE_MODE: 'throw', BUSINESS_TABLE: 'unused' },
      }),
      'checkout.session.*': StripeEventHandler.fromPythonCode({ code, handler: 'call_recorder.handler', name: 'Recorder', environment: { BUSINESS_TABLE: calls } }),
    },
  });
  const synthesized = SynthesizedStack.load(app.synth().directory, 'PythonDeadLetter');
  expect(synthesized.functions.filter((f) => f.runtime === 'python3.13')).toHaveLength(2);

  const sample = loadSample<StripeEventSample>('checkout.session.completed__stripe-ruby-mock.json');
  const events = [envelope(withId(sample, 'evt_1PyDlqA')), envelope(withId(sample, 'evt_1PyDlqB'))];
  const report = await replay({ stack: synthesized, events, ddb: { endpoint: ddbEndpoint(), client }, retryDelayMs: 50, tablePrefix: `pydlq-${Date.now()}-` });

  const broken = report.events.flatMap((e) => e.deliveries.filter((d) => d.handler === 'Broken'));
  const failed = (id: string) => ({
    handler: 'Broken',
    outcome: 'dlq',
    attempts: 3,
    error: `RuntimeError: payment provider unavailable for ${id}`,
    failedAttempts: [1, 2].map(() => ({ outcome: 'failed', error: `RuntimeError: payment provider unavailable for ${id}` })),
  });
  expect(broken).toMatchObject([failed('evt_1PyDlqA'), failed('evt_1PyDlqB')]);
  expect(report.events.flatMap((e) => e.deliveries.filter((d) => d.handler === 'Recorder').map((d) => d.outcome))).toEqual(['processed', 'processed']);
  expect(report.counts).toMatchObject({ processed: 2, dlq: 2, expectedDlq: 0, retried: 4 });
  // Each failed attempt removed its in-progress record: nothing blocks a redrive of the dead-lettered events.
  const idempotencyTable = Object.entries(report.tables).find(([id]) => id.startsWith('StripeIdempotencyTable'))![1];
  const records = await scanAll(client, idempotencyTable);
  expect(records.map((r) => [r.id.split('#')[0], r.status])).toEqual([['PythonDeadLetter/Stripe.Recorder', 'COMPLETED'], ['PythonDeadLetter/Stripe.Recorder', 'COMPLETED']]);
  expect((await scanAll(client, calls)).map((c) => c.calls)).toEqual([1, 1]);
}, 120_000);
