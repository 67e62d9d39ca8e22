/**
 * The Python wrapper, as built into its layer, around Python sample handlers (test/fixtures/handlers/*.py) in local
 * Python execution environments (one process each) against DynamoDB Local: the Node.js runtime suite's key cases —
 * duplicates in new envelopes, 50 concurrent deliveries, a throwing handler, a timeout, malformed events with the
 * same named reasons, the DynamoDB requests each outcome costs — and a Node.js and a Python handler on one table.
 */
import { createHash } from 'node:crypto';
import { freePort } from '../../../src/cli/local/dynamodb-local';
import { LocalLambdaFunction } from '../../../src/cli/local/local-lambda';
import { LOG_FIELD } from '../../../src/contract/log-fields';
import { METRIC_DIMENSION_HANDLER, METRIC_DIMENSION_INTEGRATION } from '../../../src/contract/metrics';
import { DEFAULT_RECORD_LIFETIME_SECONDS, effectsFor, emfLines, idempotencyRecords, openGate, outcomeLine, PYTHON_RUNTIME, scanAll, useLocalStack, WrappedFunctionOptions } from '../../support/local-stack';
import { envelope, loadSample, StripeEventSample, withId } from '../../support/stripe-samples';
import { CASES } from '../wrapper/malformed-cases';

const CHECKOUT = loadSample<StripeEventSample>('checkout.session.completed__stripe-ruby-mock.json');

const stack = useLocalStack({ proxy: true });
afterEach(() => stack.proxy.setFault(undefined));

function python(keyPrefix: string, options: Partial<WrappedFunctionOptions> = {}): LocalLambdaFunction {
  return stack.wrapped({ runtime: PYTHON_RUNTIME, handlerName: 'PyCheckout', keyPrefix, userHandler: 'effect_counter.handler', ...options });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The record contract's key, the Python wrapper's too: the prefix, '#', the base64 MD5 digest of the JSON of detail.id. */
const recordKey = (prefix: string, stripeEventId: string) => `${prefix}#${createHash('md5').update(JSON.stringify(stripeEventId)).digest('base64')}`;

describe('the same Stripe event, delivered again in new envelopes', () => {
  test('runs the handler once, keeps one COMPLETED record for the record lifetime the integration derives (36 days), and returns the stored result every time', async () => {
    const fn = python('Test.Py.Redelivered');
    const event = withId(CHECKOUT, 'evt_1PyRedelivered');
    const before = Date.now();
    const outs = [];
    for (let i = 0; i < 3; i++) outs.push(await fn.invoke(envelope(event)));
    const after = Date.now();

    expect(outs.map((o) => o.error)).toEqual([undefined, undefined, undefined]);
    expect(outs.map((o) => outcomeLine(o.logs)?.outcome)).toEqual(['processed', 'duplicate', 'duplicate']);
    for (const o of outs) expect(o.result).toEqual({ handled: 'evt_1PyRedelivered', type: 'checkout.session.completed', effectsSoFar: 1 });
    expect(await effectsFor(stack.client, stack.businessTable, 'evt_1PyRedelivered')).toBe(1);

    const [record, ...others] = await idempotencyRecords(stack.client, stack.idempotencyTable, 'Test.Py.Redelivered');
    expect(others).toEqual([]);
    expect(record).toMatchObject({ id: recordKey('Test.Py.Redelivered', 'evt_1PyRedelivered'), status: 'COMPLETED' });
    expect(record.data).toEqual(outs[0].result);
    expect(record.expiration).toBeGreaterThanOrEqual(Math.floor(before / 1000) + DEFAULT_RECORD_LIFETIME_SECONDS);
    expect(record.expiration).toBeLessThanOrEqual(Math.ceil(after / 1000) + DEFAULT_RECORD_LIFETIME_SECONDS);
  });

  test('logs one line with the Node.js wrapper\'s field names, and EMF metrics with its names and dimension', async () => {
    const event = { ...withId(CHECKOUT, 'evt_1PyLogLine'), created: Math.floor(Date.now() / 1000) - 90 };
    const out = await python('Test.Py.LogLine').invoke(envelope(event));
    const line = outcomeLine(out.logs)!;
    expect(line).toMatchObject({
      level: 'INFO',
      [LOG_FIELD.HANDLER]: 'PyCheckout',
      [LOG_FIELD.OUTCOME]: 'processed',
      [LOG_FIELD.STRIPE_EVENT_ID]: 'evt_1PyLogLine',
      [LOG_FIELD.STRIPE_EVENT_TYPE]: 'checkout.session.completed',
      [LOG_FIELD.LIVEMODE]: false,
      [LOG_FIELD.EVENTBRIDGE_ID]: expect.stringMatching(/^[0-9a-f-]{36}$/),
      [LOG_FIELD.DURATION_MS]: expect.any(Number),
      [LOG_FIELD.EVENT_AGE_MS]: expect.any(Number),
    });
    expect(line[LOG_FIELD.EVENT_AGE_MS]).toBeGreaterThanOrEqual(90_000);
    const [emf, ...more] = emfLines(out.logs);
    expect(more).toEqual([]);
    expect(emf._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'StripeEventBridge',
        Dimensions: [[METRIC_DIMENSION_HANDLER]],
        Metrics: [
          { Name: 'EventsProcessed', Unit: 'Count' },
          { Name: 'ProcessingTime', Unit: 'Milliseconds' },
          { Name: 'EventAge', Unit: 'Milliseconds' },
        ],
      },
    ]);
    expect(emf[METRIC_DIMENSION_HANDLER]).toBe('PyCheckout');
    expect([emf.EventsProcessed, emf.ProcessingTime, emf.EventAge]).toEqual([1, line[LOG_FIELD.DURATION_MS], line[LOG_FIELD.EVENT_AGE_MS]]);
    // The same keys as the Node.js wrapper's line (Powertools Logger's, with the Lambda context's).
    expect(Object.keys(line).sort()).toEqual([
      'cold_start', 'duration_ms', 'event_age_ms', 'eventbridge_id', 'function_arn', 'function_memory_size', 'function_name',
      'function_request_id', 'handler', 'level', 'livemode', 'message', 'outcome', 'service', 'stripe_api_version',
      'stripe_event_id', 'stripe_event_type', 'timestamp',
    ]);
    expect(line.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    // Never the payload: the customer's e-mail address is in the event, not in the logs.
    expect(out.logs.join('\n')).not.toContain('@example.com');
  });
});

describe('EMF dimension sets as the integration configures them, as in Node.js', () => {
  const integration = { STRIPE_EB_METRICS_INTEGRATION: 'Payments/Stripe' };

  test('[integration] by default; with per-handler metrics also [integration, service]', async () => {
    const integrationOnly = python('Test.Py.IntegrationOnly', { environment: integration });
    const only = await integrationOnly.invoke(envelope(withId(CHECKOUT, 'evt_1PyIntegrationOnly')));
    const [a] = emfLines(only.logs);
    expect(a._aws.CloudWatchMetrics[0].Dimensions).toEqual([[METRIC_DIMENSION_INTEGRATION]]);
    expect(a[METRIC_DIMENSION_INTEGRATION]).toBe('Payments/Stripe');
    expect(a.EventsProcessed).toBe(1);

    const perHandler = python('Test.Py.PerHandler', { environment: { ...integration, STRIPE_EB_HANDLER_METRICS: 'true' } });
    const [b] = emfLines((await perHandler.invoke(envelope(withId(CHECKOUT, 'evt_1PyPerHandler')))).logs);
    const sets = [[METRIC_DIMENSION_INTEGRATION], [METRIC_DIMENSION_INTEGRATION, METRIC_DIMENSION_HANDLER]];
    expect(b._aws.CloudWatchMetrics[0].Dimensions).toEqual(sets);
    expect([b[METRIC_DIMENSION_INTEGRATION], b[METRIC_DIMENSION_HANDLER]]).toEqual(['Payments/Stripe', 'PyCheckout']);
  });
});

test('50 concurrent deliveries of one Stripe event: one effect, 49 "in progress", and their retries return the stored result', async () => {
  const fn = python('Test.Py.Fifty', { environment: { SAMPLE_MODE: 'gate' } });
  const event = withId(CHECKOUT, 'evt_1PyFiftyConcurrent');
  const deliveries = Array.from({ length: 50 }, () => envelope(event));

  let settled = 0;
  let allButOneSettled: () => void = () => undefined;
  const fortyNine = new Promise<void>((resolve) => (allButOneSettled = resolve));
  const pending = deliveries.map((d) =>
    fn.invoke(d).then((out) => {
      if (++settled === 49) allButOneSettled();
      return out;
    }),
  );
  await Promise.race([fortyNine, sleep(60_000)]);
  await openGate(stack.client, stack.businessTable, 'evt_1PyFiftyConcurrent');
  const first = await Promise.all(pending);

  const processed = first.filter((r) => r.ok);
  const inProgress = first.filter((r) => r.error?.name === 'IdempotencyAlreadyInProgressError');
  expect(processed).toHaveLength(1);
  expect(inProgress).toHaveLength(49);
  expect(inProgress.every((r) => outcomeLine(r.logs)?.outcome === 'in_progress' && outcomeLine(r.logs)?.level === 'WARN')).toBe(true);

  const retries = await Promise.all(deliveries.filter((_, i) => !first[i].ok).map((d) => fn.invoke(d)));
  expect(retries.map((r) => r.error)).toEqual(retries.map(() => undefined));
  expect(new Set(retries.map((r) => outcomeLine(r.logs)?.outcome))).toEqual(new Set(['duplicate']));
  for (const r of retries) expect(r.result).toEqual(processed[0].result);
  expect(await effectsFor(stack.client, stack.businessTable, 'evt_1PyFiftyConcurrent')).toBe(1);
  expect((await idempotencyRecords(stack.client, stack.idempotencyTable, 'Test.Py.Fifty')).map((r) => r.status)).toEqual(['COMPLETED']);
}, 180_000);

test('a handler that throws on its first attempt: that attempt fails and leaves no record, the retry processes the event once', async () => {
  const event = withId(CHECKOUT, 'evt_1PyThrowOnce');
  const fn = python('Test.Py.ThrowOnce', { environment: { SAMPLE_MODE: 'throw-once' } });
  const first = await fn.invoke(envelope(event));
  expect(first.error).toMatchObject({ name: 'RuntimeError', message: 'payment provider unavailable for evt_1PyThrowOnce (attempt 1)' });
  expect(outcomeLine(first.logs)).toMatchObject({ level: 'ERROR', outcome: 'failed', handler_ran: true, error_name: 'RuntimeError' });
  expect(emfLines(first.logs)[0]).toMatchObject({ EventsFailed: 1 });
  expect(await idempotencyRecords(stack.client, stack.idempotencyTable, 'Test.Py.ThrowOnce')).toEqual([]);

  const retry = await fn.invoke(envelope(event));
  expect(outcomeLine(retry.logs)?.outcome).toBe('processed');
  expect(await effectsFor(stack.client, stack.businessTable, 'evt_1PyThrowOnce')).toBe(1);
});

test('a Lambda timeout in the middle of the handler: the in-progress record expires at the deadline, and the retry after it processes the event', async () => {
  const event = withId(CHECKOUT, 'evt_1PyTimeout');
  const fn = python('Test.Py.Timeout', { environment: { SAMPLE_MODE: 'hang-once' } });
  const timeoutMs = 4_000;
  const before = Date.now();
  const hanging = fn.invoke(envelope(event), { timeoutMs });
  let record: Record<string, any> | undefined;
  for (let i = 0; i < 400 && record === undefined; i++) {
    const [r] = await idempotencyRecords(stack.client, stack.idempotencyTable, 'Test.Py.Timeout');
    const started = (await scanAll(stack.client, stack.businessTable)).some((item) => item.pk === 'attempts#evt_1PyTimeout');
    if (r?.status === 'INPROGRESS' && started) record = r;
    else await sleep(25);
  }
  const seen = Date.now();
  expect(record).toBeDefined();
  expect(record!.in_progress_expiration).toBeGreaterThanOrEqual(before + timeoutMs - 1);
  expect(record!.in_progress_expiration).toBeLessThanOrEqual(seen + timeoutMs);

  const concurrent = await fn.invoke(envelope(event));
  expect(concurrent.error?.name).toBe('IdempotencyAlreadyInProgressError');
  expect(outcomeLine(concurrent.logs)).toMatchObject({ outcome: 'in_progress', handler_ran: false });

  expect((await hanging).error?.name).toBe('Sandbox.Timedout');
  expect(await effectsFor(stack.client, stack.businessTable, 'evt_1PyTimeout')).toBe(0);
  // Lambda's retry comes after the deadline. (The local environment's deadline starts when it receives the
  // invocation, so its timeout can come a few milliseconds before the deadline the handler was given.)
  await sleep(Math.max(0, record!.in_progress_expiration - Date.now()) + 1);
  expect(Date.now()).toBeGreaterThan(record!.in_progress_expiration);
  const retry = await fn.invoke(envelope(event));
  expect(retry.error).toBeUndefined();
  expect(outcomeLine(retry.logs)?.outcome).toBe('processed');
  expect(await effectsFor(stack.client, stack.businessTable, 'evt_1PyTimeout')).toBe(1);
}, 60_000);

describe('each malformed input gets the same named reason as in Node.js, no record and no handler call', () => {
  let guarded: LocalLambdaFunction;
  beforeAll(() => {
    guarded = python('Test.Py.Malformed', { handlerName: 'PyGuarded', userHandler: 'call_recorder.handler' });
  });

  test.each(CASES)('%s', async (_, make, reason, message) => {
    const event = make();
    const out = await guarded.invoke(event);
    expect(out.error?.name).toBe('InvalidStripeEventError');
    expect(out.error?.message).toMatch(message);
    expect(out.error?.message.startsWith(`${reason}: `)).toBe(true);
    const eventBridgeId = (event as { id?: unknown } | null)?.id;
    const line = outcomeLine(out.logs);
    expect(line).toMatchObject({ level: 'ERROR', outcome: 'invalid', reason, error_name: 'InvalidStripeEventError' });
    expect(line?.eventbridge_id).toBe(typeof eventBridgeId === 'string' ? eventBridgeId : undefined);
    expect(emfLines(out.logs)).toEqual([expect.objectContaining({ EventsInvalid: 1, service: 'PyGuarded' })]);
    expect(out.logs.every((text) => text.length < 2_000)).toBe(true);
    expect(await idempotencyRecords(stack.client, stack.idempotencyTable, 'Test.Py.Malformed')).toEqual([]);
    expect((await scanAll(stack.client, stack.businessTable)).filter((i) => String(i.pk).startsWith('call#'))).toEqual([]);
  });
});

describe('DynamoDB', () => {
  test('requests per outcome, counted at a proxy: fresh PutItem + UpdateItem; duplicate one PutItem; handler error PutItem + DeleteItem; invalid none', async () => {
    const f = python('Test.Py.Requests', { dynamoDbEndpoint: stack.proxy.endpoint });
    const failing = python('Test.Py.RequestsFailing', { dynamoDbEndpoint: stack.proxy.endpoint, environment: { SAMPLE_MODE: 'throw' } });
    await f.invoke(envelope(withId(CHECKOUT, 'evt_1PyWarmUp')));
    await failing.invoke(envelope(withId(CHECKOUT, 'evt_1PyWarmUpFailing')));
    const calls = (): string[] => stack.proxy.requests.filter((r) => r.table === stack.idempotencyTable).map((r) => `${r.operation} ${r.status}${r.errorType ? ' ' + r.errorType : ''}`);
    const event = withId(CHECKOUT, 'evt_1PyRequests');

    stack.proxy.reset();
    expect((await f.invoke(envelope(event))).ok).toBe(true);
    expect(calls()).toEqual(['PutItem 200', 'UpdateItem 200']);
    stack.proxy.reset();
    expect((await f.invoke(envelope(event))).ok).toBe(true);
    expect(calls()).toEqual(['PutItem 400 ConditionalCheckFailedException']);
    stack.proxy.reset();
    expect((await failing.invoke(envelope(withId(CHECKOUT, 'evt_1PyRequestsThrow')))).ok).toBe(false);
    expect(calls()).toEqual(['PutItem 200', 'DeleteItem 200']);
    stack.proxy.reset();
    expect((await f.invoke(envelope(event, { 'detail-type': 'payment_intent.created' }))).ok).toBe(false);
    expect(calls()).toEqual([]);
  });

  test('unreachable: every attempt fails with an IdempotencyStoreError that names the table, and the handler never runs', async () => {
    const f = python('Test.Py.NoDynamoDb', { dynamoDbEndpoint: `http://127.0.0.1:${await freePort()}`, environment: { AWS_MAX_ATTEMPTS: '2' } });
    for (let attempt = 1; attempt <= 2; attempt++) {
      const out = await f.invoke(envelope(withId(CHECKOUT, 'evt_1PyNoDynamoDb')));
      expect(out.error?.name).toBe('IdempotencyStoreError');
      expect(out.error?.message).toMatch(
        new RegExp(`^could not record evt_1PyNoDynamoDb as in progress in the idempotency table ${stack.idempotencyTable} \\(EndpointConnectionError: .*\\); the handler did not run\\. A retry is safe\\.$`),
      );
      expect(outcomeLine(out.logs)).toMatchObject({ outcome: 'failed', handler_ran: false, error_name: 'IdempotencyStoreError' });
    }
    expect(await effectsFor(stack.client, stack.businessTable, 'evt_1PyNoDynamoDb')).toBe(0);
  }, 60_000);
});

test('a handler string that names no module: every invocation fails with UserHandlerError and writes no record', async () => {
  const f = python('Test.Py.NoModule', { userHandler: 'no_such_module.handler' });
  for (let attempt = 1; attempt <= 2; attempt++) {
    const out = await f.invoke(envelope(withId(CHECKOUT, 'evt_1PyNoModule')));
    expect(out.error?.name).toBe('UserHandlerError');
    expect(out.error?.message).toMatch(/^cannot import the module of handler 'no_such_module\.handler' from \S+: No module named 'no_such_module'/);
    expect(outcomeLine(out.logs)).toMatchObject({ outcome: 'failed', handler_ran: false, error_name: 'UserHandlerError' });
  }
  expect(await idempotencyRecords(stack.client, stack.idempotencyTable, 'Test.Py.NoModule')).toEqual([]);
});

describe('a Node.js and a Python handler on one table', () => {
  // With one and the same key prefix they share the record: record-contract.test.ts.
  test.each([
    ['their own key prefixes, as the integration gives them', 'Test.Mixed.Node', 'Test.Mixed.Python'],
  ])('with %s, never share a record: each processes the event once and recognises only its own duplicates', async (_label, nodePrefix, pythonPrefix) => {
    const id = 'evt_1MixedOwn';
    const nodeBusiness = stack.businessTable;
    const node = stack.wrapped({ handlerName: 'NodeOrders', keyPrefix: nodePrefix, userHandler: 'effect-counter.handler' });
    const py = python(pythonPrefix, { handlerName: 'PyOrders', environment: { BUSINESS_TABLE: `${nodeBusiness}`, SAMPLE_RESULT: 'counter' } });
    const event = withId(CHECKOUT, id);

    const outcomes: string[] = [];
    for (const fn of [node, py, node, py, py, node]) {
      const out = await fn.invoke(envelope(event));
      expect(out.error).toBeUndefined();
      outcomes.push(`${fn === node ? 'node' : 'python'} ${outcomeLine(out.logs)?.outcome}`);
    }
    expect(outcomes).toEqual(['node processed', 'python processed', 'node duplicate', 'python duplicate', 'python duplicate', 'node duplicate']);
    // Both handlers count their effect on the same business item: two effects, one per handler, none repeated.
    expect(await effectsFor(stack.client, nodeBusiness, id)).toBe(2);

    const keys = [recordKey(nodePrefix, id), recordKey(pythonPrefix, id)];
    const records = (await scanAll(stack.client, stack.idempotencyTable)).filter((r) => keys.includes(r.id));
    expect(records.map((r) => r.status)).toEqual(['COMPLETED', 'COMPLETED']);
    // The same schema: the same attributes, the Powertools TTL attribute in epoch seconds in both.
    for (const r of records) expect(Object.keys(r).sort()).toEqual(['data', 'expiration', 'id', 'in_progress_expiration', 'status', 'validation']);
  });
});
