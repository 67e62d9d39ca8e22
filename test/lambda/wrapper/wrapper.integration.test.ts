/**
 * The real bundled wrapper (assets/lambda/wrapper/handler, as shipped in the layer) around a sample handler,
 * run in local Lambda execution environments against DynamoDB Local, with real Stripe samples.
 */
import { LocalLambdaFunction } from '../../../src/cli/local/local-lambda';
import { DEFAULT_RECORD_LIFETIME_SECONDS, effectsFor, jsonLines, scanAll, useLocalStack } from '../../support/local-stack';
import { envelope, loadSample, StripeEventSample } from '../../support/stripe-samples';

const SAMPLE = 'checkout.session.completed__stripe-ruby-mock.json';

const stack = useLocalStack();

function counter(mode: 'ok' | 'throw' = 'ok', keyPrefix = 'Test.Checkout'): LocalLambdaFunction {
  return stack.wrapped({ handlerName: 'Checkout', keyPrefix, userHandler: 'effect-counter.handler', environment: { SAMPLE_MODE: mode } });
}

describe('first delivery', () => {
  test('runs the handler once, leaves a COMPLETED record keyed on the Stripe event id, and returns the result', async () => {
    const event = { ...loadSample<StripeEventSample>(SAMPLE), id: 'evt_1FirstDeliveryRuns' };
    const fn = counter();

    const before = Date.now();
    const out = await fn.invoke(envelope(event));
    const after = Date.now();

    expect(out.error).toBeUndefined();
    expect(out.ok).toBe(true);
    expect(out.result).toEqual({ handled: 'evt_1FirstDeliveryRuns', type: 'checkout.session.completed', effectsSoFar: 1 });
    expect(await effectsFor(stack.client, stack.businessTable, 'evt_1FirstDeliveryRuns')).toBe(1);

    const records = (await scanAll(stack.client, stack.idempotencyTable)).filter((r) => r.id.startsWith('Test.Checkout#'));
    const mine = records.filter((r) => r.data?.handled === 'evt_1FirstDeliveryRuns');
    expect(mine).toHaveLength(1);
    expect(mine[0].status).toBe('COMPLETED');
    // The record lifetime from STRIPE_EB_IDEMPOTENCY_TTL_SECONDS, in epoch seconds (Powertools rounds to the nearest second).
    expect(mine[0].expiration).toBeGreaterThanOrEqual(Math.floor(before / 1000) + DEFAULT_RECORD_LIFETIME_SECONDS);
    expect(mine[0].expiration).toBeLessThanOrEqual(Math.ceil(after / 1000) + DEFAULT_RECORD_LIFETIME_SECONDS);

    const line = jsonLines(out.logs).find((l) => l.outcome === 'processed');
    expect(line).toMatchObject({
      level: 'INFO',
      handler: 'Checkout',
      stripe_event_id: 'evt_1FirstDeliveryRuns',
      stripe_event_type: 'checkout.session.completed',
      livemode: false,
      eventbridge_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      duration_ms: expect.any(Number),
    });
  });
});

describe('the same Stripe event in another envelope', () => {
  test('does not run the handler again and returns the stored result', async () => {
    const event = { ...loadSample<StripeEventSample>(SAMPLE), id: 'evt_1RedeliveredEvent' };
    const fn = counter();
    const first = envelope(event);
    const second = envelope(event);
    expect(second.id).not.toBe(first.id);

    const a = await fn.invoke(first);
    const b = await fn.invoke(second);

    expect(a.ok && b.ok).toBe(true);
    expect(b.result).toEqual(a.result);
    expect(await effectsFor(stack.client, stack.businessTable, 'evt_1RedeliveredEvent')).toBe(1);
    expect(jsonLines(b.logs).find((l) => l.outcome)).toMatchObject({ outcome: 'duplicate', eventbridge_id: second.id });
  });

  test('a fresh execution environment (another instance) also sees the duplicate', async () => {
    const event = { ...loadSample<StripeEventSample>(SAMPLE), id: 'evt_1OtherInstance' };
    await counter().invoke(envelope(event));
    const other = await counter().invoke(envelope(event));
    expect(other.initMs).toBeDefined();
    expect(jsonLines(other.logs).find((l) => l.outcome)?.outcome).toBe('duplicate');
    expect(await effectsFor(stack.client, stack.businessTable, 'evt_1OtherInstance')).toBe(1);
  });

  test('handlers with different key prefixes each process the event (records are per handler)', async () => {
    const event = { ...loadSample<StripeEventSample>(SAMPLE), id: 'evt_1TwoHandlers' };
    const a = await counter('ok', 'Test.HandlerA').invoke(envelope(event));
    const b = await counter('ok', 'Test.HandlerB').invoke(envelope(event));
    expect(jsonLines(a.logs).find((l) => l.outcome)?.outcome).toBe('processed');
    expect(jsonLines(b.logs).find((l) => l.outcome)?.outcome).toBe('processed');
  });
});

describe('a handler that throws', () => {
  test('propagates the error and leaves no idempotency record', async () => {
    const event = { ...loadSample<StripeEventSample>(SAMPLE), id: 'evt_1HandlerThrows' };
    const fn = counter('throw', 'Test.Throwing');

    const out = await fn.invoke(envelope(event));

    expect(out.ok).toBe(false);
    expect(out.error).toMatchObject({ name: 'Error', message: 'payment provider unavailable for evt_1HandlerThrows' });
    const records = (await scanAll(stack.client, stack.idempotencyTable)).filter((r) => r.id.startsWith('Test.Throwing#'));
    expect(records).toEqual([]);
    expect(jsonLines(out.logs).find((l) => l.outcome)).toMatchObject({
      level: 'ERROR',
      outcome: 'failed',
      handler_ran: true,
      stripe_event_id: 'evt_1HandlerThrows',
      error_message: 'payment provider unavailable for evt_1HandlerThrows',
    });
  });

  test('a later successful attempt processes the event (nothing stale blocks it)', async () => {
    const event = { ...loadSample<StripeEventSample>(SAMPLE), id: 'evt_1ThrowThenSucceed' };
    const failing = await counter('throw', 'Test.Retry').invoke(envelope(event));
    expect(failing.ok).toBe(false);
    const retry = await counter('ok', 'Test.Retry').invoke(envelope(event));
    expect(retry.ok).toBe(true);
    expect(await effectsFor(stack.client, stack.businessTable, 'evt_1ThrowThenSucceed')).toBe(1);
  });
});

describe('an event that is not a Stripe event', () => {
  test('is rejected with a named error, writes no record and never reaches the handler', async () => {
    const fn = counter('ok', 'Test.Invalid');
    const event = { ...loadSample<StripeEventSample>(SAMPLE), id: 'cus_notAnEvent' };

    const out = await fn.invoke(envelope(event));

    expect(out.ok).toBe(false);
    expect(out.error?.name).toBe('InvalidStripeEventError');
    expect(out.error?.message).toMatch(/^MISSING_EVENT_ID: `detail.id` is the string "cus_notAnEvent"/);
    expect(await effectsFor(stack.client, stack.businessTable, 'cus_notAnEvent')).toBe(0);
    expect((await scanAll(stack.client, stack.idempotencyTable)).filter((r) => r.id.startsWith('Test.Invalid#'))).toEqual([]);
  });
});
