/**
 * Faults around the business effect, with the real bundled wrapper in local Lambda environments against
 * DynamoDB Local: a handler that fails once, a Lambda timeout in the middle of the handler, DynamoDB
 * unreachable or failing, and the DynamoDB requests each outcome costs (counted by a proxy, not assumed).
 * The sample handler (effect-counter.js) writes its effect to the business table directly, so an effect
 * is visible even when the wrapper's idempotency table is unreachable.
 */
import { freePort } from '../../../src/cli/local/dynamodb-local';
import { LocalLambdaFunction } from '../../../src/cli/local/local-lambda';
import { effectsFor, emfLines, idempotencyRecords, outcomeLine, scanAll, useLocalStack, WrappedFunctionOptions } from '../../support/local-stack';
import { envelope, loadSample, StripeEventSample, withId } from '../../support/stripe-samples';

const SAMPLE = loadSample<StripeEventSample>('payment_intent.succeeded__stripe-ruby-mock.json');

const stack = useLocalStack({ proxy: true });

function fn(keyPrefix: string, options: Partial<WrappedFunctionOptions> = {}): LocalLambdaFunction {
  return stack.wrapped({ handlerName: 'Payments', keyPrefix, userHandler: 'effect-counter.handler', ...options });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(probe: () => Promise<T | undefined>, what: string, limitMs = 20_000): Promise<T> {
  const giveUp = Date.now() + limitMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > giveUp) throw new Error(`gave up waiting for ${what}`);
    await sleep(25);
  }
}

afterEach(() => stack.proxy.setFault(undefined));

describe('a handler that throws on its first attempt', () => {
  test('fails that attempt, leaves nothing behind, and the retry processes the event once', async () => {
    const event = withId(SAMPLE, 'evt_1FaultThrowOnce');
    const f = fn('Test.ThrowOnce', { environment: { SAMPLE_MODE: 'throw-once' } });

    const first = await f.invoke(envelope(event));
    expect(first.ok).toBe(false);
    expect(first.error).toMatchObject({ name: 'Error', message: 'payment provider unavailable for evt_1FaultThrowOnce (attempt 1)' });
    expect(outcomeLine(first.logs)).toMatchObject({ outcome: 'failed', handler_ran: true });
    // Powertools deleted the in-progress record: no stale record blocks the retry.
    expect(await idempotencyRecords(stack.client, stack.idempotencyTable, 'Test.ThrowOnce')).toEqual([]);

    const retry = await f.invoke(envelope(event));
    expect(retry.ok).toBe(true);
    expect(outcomeLine(retry.logs)?.outcome).toBe('processed');
    expect(await effectsFor(stack.client, stack.businessTable, 'evt_1FaultThrowOnce')).toBe(1);
    const records = await idempotencyRecords(stack.client, stack.idempotencyTable, 'Test.ThrowOnce');
    expect(records.map((r) => r.status)).toEqual(['COMPLETED']);
  });
});

describe('a handler string that names no module', () => {
  test('every invocation fails with UserHandlerError, writes no record, and the event is not lost', async () => {
    const f = fn('Test.NoModule', { userHandler: 'no-such-module.handler' });
    for (let attempt = 1; attempt <= 2; attempt++) {
      const out = await f.invoke(envelope(withId(SAMPLE, 'evt_1FaultNoModule')));
      expect(out.ok).toBe(false);
      expect(out.error?.name).toBe('UserHandlerError');
      expect(out.error?.message).toMatch(/^cannot load the module of handler 'no-such-module\.handler'/);
      expect(outcomeLine(out.logs)).toMatchObject({ outcome: 'failed', handler_ran: false, error_name: 'UserHandlerError' });
    }
    expect(await idempotencyRecords(stack.client, stack.idempotencyTable, 'Test.NoModule')).toEqual([]);
  });
});

describe('a Lambda timeout in the middle of the handler', () => {
  test('the in-progress record expires at the deadline; before it duplicates are rejected, after it a retry processes the event', async () => {
    const event = withId(SAMPLE, 'evt_1FaultTimeout');
    const f = fn('Test.Timeout', { environment: { SAMPLE_MODE: 'hang-once' } });
    const timeoutMs = 3_000;

    const before = Date.now();
    const hanging = f.invoke(envelope(event), { timeoutMs });
    // The first attempt is inside the handler (it counted its attempt) and its record is in progress.
    const record = await until(async () => {
      const [r] = await idempotencyRecords(stack.client, stack.idempotencyTable, 'Test.Timeout');
      const attempts = await scanAll(stack.client, stack.businessTable).then((items) => items.find((i) => i.pk === 'attempts#evt_1FaultTimeout'));
      return r?.status === 'INPROGRESS' && attempts ? r : undefined;
    }, 'the first attempt to start');
    const seen = Date.now();
    // Powertools took the expiry from the context's remaining time: it is this invocation's deadline.
    expect(record.in_progress_expiration).toBeGreaterThanOrEqual(before + timeoutMs);
    expect(record.in_progress_expiration).toBeLessThanOrEqual(seen + timeoutMs);

    const concurrent = await f.invoke(envelope(event));
    expect(concurrent.ok).toBe(false);
    expect(concurrent.error?.name).toBe('IdempotencyAlreadyInProgressError');
    expect(outcomeLine(concurrent.logs)).toMatchObject({ outcome: 'in_progress', handler_ran: false });

    const timedOut = await hanging;
    expect(timedOut.ok).toBe(false);
    expect(timedOut.error?.name).toBe('Sandbox.Timedout');
    expect(await effectsFor(stack.client, stack.businessTable, 'evt_1FaultTimeout')).toBe(0);

    // Lambda's retry comes after the deadline, so the expired in-progress record no longer blocks it. (The local
    // environment's deadline starts when it receives the invocation, so its timeout can come a few milliseconds
    // before the deadline the handler was given, by the time the invocation took to reach it.)
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, record.in_progress_expiration - Date.now()) + 1));
    expect(Date.now()).toBeGreaterThan(record.in_progress_expiration);
    const retry = await f.invoke(envelope(event));
    expect(retry.error).toBeUndefined();
    expect(outcomeLine(retry.logs)?.outcome).toBe('processed');
    expect(await effectsFor(stack.client, stack.businessTable, 'evt_1FaultTimeout')).toBe(1);
    expect((await idempotencyRecords(stack.client, stack.idempotencyTable, 'Test.Timeout')).map((r) => r.status)).toEqual(['COMPLETED']);
  });
});

describe('DynamoDB unreachable', () => {
  test('every attempt fails with a clear error, the handler never runs and nothing reports success', async () => {
    const event = withId(SAMPLE, 'evt_1FaultNoDynamoDb');
    const closedPort = await freePort();
    const f = fn('Test.NoDynamoDb', { dynamoDbEndpoint: `http://127.0.0.1:${closedPort}` });

    // The first attempt and Lambda's two retries of an asynchronous invocation.
    for (let attempt = 1; attempt <= 3; attempt++) {
      const out = await f.invoke(envelope(event));
      expect(out.ok).toBe(false);
      expect(out.error?.name).toBe('IdempotencyStoreError');
      expect(out.error?.message).toMatch(
        new RegExp(`^could not record evt_1FaultNoDynamoDb as in progress in the idempotency table ${stack.idempotencyTable} \\(.*ECONNREFUSED.*\\); the handler did not run\\. A retry is safe\\.$`),
      );
      expect(outcomeLine(out.logs)).toMatchObject({ level: 'ERROR', outcome: 'failed', handler_ran: false, error_name: 'IdempotencyStoreError' });
      expect(emfLines(out.logs)[0]).toMatchObject({ EventsFailed: 1 });
      expect(jsonOutcomes(out.logs)).not.toContain('processed');
    }
    expect(await effectsFor(stack.client, stack.businessTable, 'evt_1FaultNoDynamoDb')).toBe(0);
  });

  test('an outage and a recovery: no effect while DynamoDB is down, exactly one after it is back', async () => {
    const event = withId(SAMPLE, 'evt_1FaultOutage');
    const f = fn('Test.Outage', { dynamoDbEndpoint: stack.proxy.endpoint });

    stack.proxy.setFault(() => 'drop');
    stack.proxy.reset();
    for (let attempt = 1; attempt <= 2; attempt++) {
      const out = await f.invoke(envelope(event));
      expect(out.ok).toBe(false);
      expect(out.error?.name).toBe('IdempotencyStoreError');
      expect(out.error?.message).toMatch(/the handler did not run/);
    }
    // Only attempts to write the in-progress record reached "DynamoDB" (the SDK retried each of them).
    expect(stack.proxy.requests.length).toBeGreaterThanOrEqual(2);
    expect(new Set(stack.proxy.requests.map((r) => r.operation))).toEqual(new Set(['PutItem']));
    expect(await effectsFor(stack.client, stack.businessTable, 'evt_1FaultOutage')).toBe(0);

    stack.proxy.setFault(undefined);
    const recovered = await f.invoke(envelope(event));
    expect(recovered.ok).toBe(true);
    expect(outcomeLine(recovered.logs)?.outcome).toBe('processed');
    const again = await f.invoke(envelope(event));
    expect(outcomeLine(again.logs)?.outcome).toBe('duplicate');
    expect(await effectsFor(stack.client, stack.businessTable, 'evt_1FaultOutage')).toBe(1);
  });

  test('DynamoDB failing after the effect: the invocation fails (never a false success) and the record blocks duplicates until the deadline', async () => {
    const event = withId(SAMPLE, 'evt_1FaultAfterEffect');
    const f = fn('Test.AfterEffect', { dynamoDbEndpoint: stack.proxy.endpoint });
    stack.proxy.setFault(({ operation }) => (operation === 'UpdateItem' ? 'server-error' : 'pass'));

    const out = await f.invoke(envelope(event), { timeoutMs: 5_000 });
    expect(out.ok).toBe(false);
    expect(out.error?.name).toBe('IdempotencyStoreError');
    expect(out.error?.message).toMatch(
      /^the handler ran for evt_1FaultAfterEffect but the idempotency table \S+ could not be updated with its result \(InternalServerError: .*\)\. The in-progress record blocks duplicates until \d{4}-\d\d-\d\dT[\d:.]+Z; a retry after that runs the handler again\.$/,
    );
    expect(outcomeLine(out.logs)).toMatchObject({ outcome: 'failed', handler_ran: true });
    expect(await effectsFor(stack.client, stack.businessTable, 'evt_1FaultAfterEffect')).toBe(1);
    const [record] = await idempotencyRecords(stack.client, stack.idempotencyTable, 'Test.AfterEffect');
    expect(record.status).toBe('INPROGRESS');

    // DynamoDB is back, but the deadline of the failed attempt has not passed: a duplicate is held off.
    stack.proxy.setFault(undefined);
    expect(Date.now()).toBeLessThan(record.in_progress_expiration);
    const duplicate = await f.invoke(envelope(event));
    expect(duplicate.error?.name).toBe('IdempotencyAlreadyInProgressError');
    expect(await effectsFor(stack.client, stack.businessTable, 'evt_1FaultAfterEffect')).toBe(1);
  });
});

describe('DynamoDB requests per outcome (counted at a proxy in front of DynamoDB Local)', () => {
  test('fresh event: PutItem + UpdateItem; duplicate: one PutItem; handler error: PutItem + DeleteItem; invalid event: none', async () => {
    const f = fn('Test.Requests', { dynamoDbEndpoint: stack.proxy.endpoint });
    const failing = fn('Test.RequestsFailing', { dynamoDbEndpoint: stack.proxy.endpoint, environment: { SAMPLE_MODE: 'throw' } });
    const event = withId(SAMPLE, 'evt_1FaultRequests');
    await f.invoke(envelope(withId(SAMPLE, 'evt_1FaultWarmUp'))); // cold start out of the way
    const calls = (): string[] => stack.proxy.requests.filter((r) => r.table === stack.idempotencyTable).map((r) => `${r.operation} ${r.status}${r.errorType ? ' ' + r.errorType : ''}`);

    stack.proxy.reset();
    expect((await f.invoke(envelope(event))).ok).toBe(true);
    expect(calls()).toEqual(['PutItem 200', 'UpdateItem 200']);

    stack.proxy.reset();
    expect((await f.invoke(envelope(event))).ok).toBe(true);
    expect(calls()).toEqual(['PutItem 400 ConditionalCheckFailedException']);

    stack.proxy.reset();
    expect((await failing.invoke(envelope(withId(SAMPLE, 'evt_1FaultRequestsThrow')))).ok).toBe(false);
    expect(calls()).toEqual(['PutItem 200', 'DeleteItem 200']);

    stack.proxy.reset();
    expect((await f.invoke(envelope(event, { 'detail-type': 'payment_intent.created' }))).ok).toBe(false);
    expect(calls()).toEqual([]);
  });
});

function jsonOutcomes(logs: string[]): string[] {
  const line = outcomeLine(logs);
  return line ? [line.outcome] : [];
}
