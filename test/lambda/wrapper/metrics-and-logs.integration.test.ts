/**
 * The wrapper's EMF metrics and log lines, parsed from what the real bundled wrapper writes in a local
 * Lambda environment: metric names, units, dimensions and values per outcome, and never card data or the
 * payload in the logs.
 */
import { LocalLambdaFunction } from '../../../src/cli/local/local-lambda';
import {
  DEFAULT_METRICS_NAMESPACE,
  METRIC_DIMENSION_HANDLER,
  METRIC_DIMENSION_INTEGRATION,
  METRIC_DUPLICATE,
  METRIC_EVENT_AGE,
  METRIC_FAILED,
  METRIC_IN_PROGRESS,
  METRIC_INVALID,
  METRIC_PROCESSED,
  METRIC_PROCESSING_TIME,
} from '../../../src/contract/metrics';
import { emfLines, idempotencyRecords, openGate, outcomeLine, useLocalStack, WrappedFunctionOptions } from '../../support/local-stack';
import { envelope, loadSample, StripeEventSample, withId } from '../../support/stripe-samples';

/** A real charge with card details (brand, last4, fingerprint, expiry) and the customer's e-mail. */
const CHARGE = loadSample<StripeEventSample>('charge.succeeded__stripe-ruby-mock.json');

const stack = useLocalStack();

function fn(keyPrefix: string, options: Partial<WrappedFunctionOptions> = {}): LocalLambdaFunction {
  return stack.wrapped({ handlerName: 'Charges', keyPrefix, userHandler: 'effect-counter.handler', ...options });
}

/** The sample as if Stripe had created it 90 seconds ago. */
function recentCharge(id: string): StripeEventSample {
  return { ...withId(CHARGE, id), created: Math.floor(Date.now() / 1000) - 90 };
}

test('the metric names are the documented ones (constants.ts is the single source of truth)', () => {
  expect([METRIC_PROCESSED, METRIC_DUPLICATE, METRIC_IN_PROGRESS, METRIC_FAILED, METRIC_INVALID, METRIC_PROCESSING_TIME, METRIC_EVENT_AGE]).toEqual([
    'EventsProcessed',
    'EventsDuplicate',
    'EventsInProgress',
    'EventsFailed',
    'EventsInvalid',
    'ProcessingTime',
    'EventAge',
  ]);
  expect(METRIC_DIMENSION_HANDLER).toBe('service');
  expect(DEFAULT_METRICS_NAMESPACE).toBe('StripeEventBridge');
});

describe('EMF metrics: one line per invocation, dimension service = handler name', () => {
  /** The only EMF line of an invocation, with its metric definitions as "Name Unit". */
  function metricsOf(logs: string[]): { line: Record<string, any>; definitions: string[] } {
    const lines = emfLines(logs);
    expect(lines).toHaveLength(1);
    const [directive] = lines[0]._aws.CloudWatchMetrics;
    expect(lines[0]._aws.CloudWatchMetrics).toHaveLength(1);
    expect(directive.Dimensions).toEqual([[METRIC_DIMENSION_HANDLER]]);
    expect(lines[0][METRIC_DIMENSION_HANDLER]).toBe('Charges');
    return { line: lines[0], definitions: directive.Metrics.map((m: { Name: string; Unit: string }) => `${m.Name} ${m.Unit}`) };
  }

  test('processed: EventsProcessed 1, ProcessingTime and EventAge (now − detail.created) in milliseconds', async () => {
    const event = recentCharge('evt_1MetricsProcessed');
    const before = Date.now();
    const out = await fn('Test.Metrics.Processed').invoke(envelope(event));
    const after = Date.now();
    expect(out.ok).toBe(true);

    const { line, definitions } = metricsOf(out.logs);
    expect(line._aws.CloudWatchMetrics[0].Namespace).toBe(DEFAULT_METRICS_NAMESPACE);
    expect(definitions).toEqual(['EventsProcessed Count', 'ProcessingTime Milliseconds', 'EventAge Milliseconds']);
    expect(line.EventsProcessed).toBe(1);
    const log = outcomeLine(out.logs)!;
    expect(line.ProcessingTime).toBe(log.duration_ms);
    expect(line.ProcessingTime).toBeGreaterThanOrEqual(0);
    expect(line.ProcessingTime).toBeLessThanOrEqual(after - before);
    expect(line.EventAge).toBe(log.event_age_ms);
    expect(line.EventAge).toBeGreaterThanOrEqual(before - event.created * 1000);
    expect(line.EventAge).toBeLessThanOrEqual(after - event.created * 1000);
    expect(line._aws.Timestamp).toBeGreaterThanOrEqual(before);
    expect(line._aws.Timestamp).toBeLessThanOrEqual(after);
  });

  test('duplicate: EventsDuplicate 1 and EventAge, no processing time', async () => {
    const f = fn('Test.Metrics.Duplicate');
    const event = recentCharge('evt_1MetricsDuplicate');
    await f.invoke(envelope(event));
    const out = await f.invoke(envelope(event));
    const { line, definitions } = metricsOf(out.logs);
    expect(definitions).toEqual(['EventsDuplicate Count', 'EventAge Milliseconds']);
    expect(line.EventsDuplicate).toBe(1);
    expect(line.EventAge).toBe(outcomeLine(out.logs)!.event_age_ms);
  });

  test('in progress: EventsInProgress 1 and EventAge', async () => {
    const f = fn('Test.Metrics.InProgress', { environment: { SAMPLE_MODE: 'gate' } });
    const event = recentCharge('evt_1MetricsInProgress');
    const first = f.invoke(envelope(event));
    for (let i = 0; i < 400 && (await idempotencyRecords(stack.client, stack.idempotencyTable, 'Test.Metrics.InProgress')).length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const out = await f.invoke(envelope(event));
    await openGate(stack.client, stack.businessTable, 'evt_1MetricsInProgress');
    expect((await first).ok).toBe(true);

    const { line, definitions } = metricsOf(out.logs);
    expect(definitions).toEqual(['EventsInProgress Count', 'EventAge Milliseconds']);
    expect(line.EventsInProgress).toBe(1);
  });

  test('failed: EventsFailed 1 and EventAge', async () => {
    const out = await fn('Test.Metrics.Failed', { environment: { SAMPLE_MODE: 'throw' } }).invoke(envelope(recentCharge('evt_1MetricsFailed')));
    expect(out.ok).toBe(false);
    const { line, definitions } = metricsOf(out.logs);
    expect(definitions).toEqual(['EventsFailed Count', 'EventAge Milliseconds']);
    expect(line.EventsFailed).toBe(1);
  });

  test('invalid: EventsInvalid 1 only (an invalid event has no trustworthy age)', async () => {
    const out = await fn('Test.Metrics.Invalid').invoke(envelope(recentCharge('evt_1MetricsInvalid'), { 'detail-type': 'charge.failed' }));
    const { line, definitions } = metricsOf(out.logs);
    expect(definitions).toEqual(['EventsInvalid Count']);
    expect(line.EventsInvalid).toBe(1);
  });

  test('the namespace comes from POWERTOOLS_METRICS_NAMESPACE', async () => {
    const out = await fn('Test.Metrics.Namespace', { environment: { POWERTOOLS_METRICS_NAMESPACE: 'BabesClub/Payments' } }).invoke(
      envelope(recentCharge('evt_1MetricsNamespace')),
    );
    expect(metricsOf(out.logs).line._aws.CloudWatchMetrics[0].Namespace).toBe('BabesClub/Payments');
  });
});

describe('EMF dimension sets as the integration configures them', () => {
  const integration = { STRIPE_EB_METRICS_INTEGRATION: 'Payments/Stripe' };

  test('by default one set, [integration]: one metric per name for all the integration\'s handlers', async () => {
    const out = await fn('Test.Metrics.IntegrationOnly', { environment: integration }).invoke(envelope(recentCharge('evt_1MetricsIntegrationOnly')));
    const [line] = emfLines(out.logs);
    expect(line._aws.CloudWatchMetrics[0].Dimensions).toEqual([[METRIC_DIMENSION_INTEGRATION]]);
    expect(line[METRIC_DIMENSION_INTEGRATION]).toBe('Payments/Stripe');
    expect(line.EventsProcessed).toBe(1);
  });

  test('with per-handler metrics, also [integration, service]', async () => {
    const environment = { ...integration, STRIPE_EB_HANDLER_METRICS: 'true' };
    const f = fn('Test.Metrics.PerHandler', { environment });
    for (const id of ['evt_1MetricsPerHandlerA', 'evt_1MetricsPerHandlerB']) {
      const out = await f.invoke(envelope(recentCharge(id)));
      const [line] = emfLines(out.logs);
      const sets = [[METRIC_DIMENSION_INTEGRATION], [METRIC_DIMENSION_INTEGRATION, METRIC_DIMENSION_HANDLER]];
      expect(line._aws.CloudWatchMetrics[0].Dimensions).toEqual(sets);
      expect(line[METRIC_DIMENSION_HANDLER]).toBe('Charges');
    }
  });
});

describe('log lines', () => {
  /**
   * Every string of 8 or more characters in the charge object (fingerprints, e-mail, names, ids): long
   * enough not to turn up by chance in a timestamp or a request id. Shorter card fields are caught by name.
   */
  const SECRETS = (() => {
    const strings: string[] = [];
    const walk = (value: unknown): void => {
      // Lower-case words ("succeeded", "automatic") are enum values, not personal data.
      if (typeof value === 'string' && value.length >= 8 && !/^[a-z_]+$/.test(value)) strings.push(value);
      else if (value && typeof value === 'object') Object.values(value).forEach(walk);
    };
    walk(CHARGE.data.object);
    return strings;
  })();
  const CARD_FIELDS = /"(last4|fingerprint|exp_month|exp_year|brand|funding|data|object)"/;

  test('the sample really carries card data', () => {
    expect(JSON.stringify(CHARGE.data.object)).toMatch(/"last4":"4242"/);
    expect(SECRETS).toContain('ZoVSX2dK5igWt2SB');
  });

  test('never include card data or the payload, whatever the outcome', async () => {
    const ok = fn('Test.Logs.Ok');
    const failing = fn('Test.Logs.Failing', { environment: { SAMPLE_MODE: 'throw' } });
    const event = recentCharge('evt_1LogsPrivacy');
    const outs = [
      await ok.invoke(envelope(event)), // processed
      await ok.invoke(envelope(event)), // duplicate
      await failing.invoke(envelope(recentCharge('evt_1LogsPrivacyFailed'))), // failed
      await ok.invoke(envelope(event, { 'detail-type': 'charge.failed' })), // invalid
      await ok.invoke(envelope({ ...event, id: '4242424242424242' })), // invalid, a card number where the id should be
    ];
    const logs = outs.flatMap((o) => o.logs);
    expect(outs.map((o) => outcomeLine(o.logs)?.outcome)).toEqual(['processed', 'duplicate', 'failed', 'invalid', 'invalid']);
    for (const line of logs) {
      for (const secret of SECRETS) expect(line).not.toContain(secret);
      expect(line).not.toMatch(CARD_FIELDS);
      expect(line).not.toContain('4242424242424242');
    }
  });

  test('never include the payload, even with POWERTOOLS_LOGGER_LOG_EVENT=true (a setting for your own code\'s logger)', async () => {
    const out = await fn('Test.Logs.Event', { environment: { POWERTOOLS_LOGGER_LOG_EVENT: 'true' } }).invoke(envelope(recentCharge('evt_1LogsEventOn')));
    expect(outcomeLine(out.logs)?.outcome).toBe('processed');
    const logs = out.logs.join('\n');
    expect(logs).not.toContain('ZoVSX2dK5igWt2SB');
    expect(logs).not.toMatch(CARD_FIELDS);
  });

  test.each([
    ['POWERTOOLS_LOG_LEVEL', 'ERROR'],
    ['LOG_LEVEL', 'ERROR'],
    ['POWERTOOLS_LOG_LEVEL', 'DEBUG'],
    ['POWERTOOLS_LOGGER_SAMPLE_RATE', '1'],
  ])('%s=%s (your own code\'s logger settings) leave the wrapper\'s lines as they are: one INFO outcome line, no more', async (name, value) => {
    const out = await fn(`Test.Logs.Level.${name}.${value}`, { environment: { [name]: value } }).invoke(envelope(recentCharge(`evt_1LogsLevel${name}${value}`)));
    const lines = out.logs.map((l) => { try { return JSON.parse(l); } catch { return undefined; } }).filter((l) => l?.level !== undefined);
    expect(lines.map((l) => [l.level, l.outcome])).toEqual([['INFO', 'processed']]);
    expect(lines[0].sampling_rate).toBe(0);
  });

  test('carry the Lambda context as Powertools Logger writes it: the cold start on the first line only, the X-Ray trace id, UTC timestamps', async () => {
    const traced = fn('Test.Logs.Context', { environment: { _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=557abcec3ee5a047;Sampled=1' } });
    const lines = [];
    for (const id of ['evt_1LogsContextA', 'evt_1LogsContextB']) lines.push(outcomeLine((await traced.invoke(envelope(recentCharge(id)))).logs)!);
    expect(lines.map((l) => l.cold_start)).toEqual([true, false]);
    for (const line of lines) {
      expect(line.xray_trace_id).toBe('1-5759e988-bd862e3fe1be46a994272793');
      expect(line.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      // Powertools Logger's keys first, in its order, then the wrapper's.
      expect(Object.keys(line).slice(0, 12)).toEqual([
        'level', 'message', 'timestamp', 'service', 'cold_start', 'function_arn', 'function_memory_size', 'function_name',
        'function_request_id', 'sampling_rate', 'xray_trace_id', 'handler',
      ]);
    }
  });

  test('name the event, the outcome and the timings', async () => {
    const event = recentCharge('evt_1LogsFields');
    const delivered = envelope(event);
    const out = await fn('Test.Logs.Fields').invoke(delivered);
    expect(outcomeLine(out.logs)).toEqual({
      level: 'INFO',
      message: 'Stripe event processed',
      timestamp: expect.any(String),
      service: 'Charges',
      cold_start: true,
      function_arn: expect.stringContaining(':function:Charges'),
      function_memory_size: expect.anything(),
      function_name: 'Charges',
      function_request_id: expect.any(String),
      sampling_rate: 0,
      handler: 'Charges',
      outcome: 'processed',
      duration_ms: expect.any(Number),
      event_age_ms: expect.any(Number),
      stripe_event_id: 'evt_1LogsFields',
      stripe_event_type: 'charge.succeeded',
      livemode: false,
      eventbridge_id: delivered.id,
      stripe_api_version: '2020-08-27',
    });
  });
});
