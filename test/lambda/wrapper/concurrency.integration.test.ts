/**
 * Exactly one business effect per Stripe event under concurrent and out-of-order duplicates, with the real
 * bundled wrapper in separate local Lambda environments (one process each) against DynamoDB Local. Effects
 * are counted in the business table that the sample handler writes to, not by counting handler calls.
 */
import { InvocationResult } from '../../../src/cli/local/local-lambda';
import { runPool } from '../../../src/cli/local/pool';
import { effectsFor, idempotencyRecords, openGate, outcomeLine, scanAll, useLocalStack } from '../../support/local-stack';
import { distinctEvents, envelope, EventBridgeEnvelope, loadSample, StripeEventSample, withId } from '../../support/stripe-samples';

const stack = useLocalStack();

/** A small seeded generator (Park–Miller), so that a failing order can be replayed. */
function random(seed: number): () => number {
  let state = seed % 2147483647;
  return () => {
    state = (state * 48271) % 2147483647;
    return (state - 1) / 2147483646;
  };
}

test('50 concurrent deliveries of one Stripe event: one effect, 49 "in progress", and their retries return the stored result', async () => {
  const fn = stack.wrapped({
    handlerName: 'Checkout',
    keyPrefix: 'Test.Fifty',
    userHandler: 'effect-counter.handler',
    // The first delivery holds its effect until the test opens the gate, so every other delivery
    // certainly arrives while it is in progress.
    environment: { SAMPLE_MODE: 'gate' },
  });
  const event = withId(loadSample<StripeEventSample>('checkout.session.completed__stripe-ruby-mock.json'), 'evt_1FiftyConcurrent');
  const deliveries = Array.from({ length: 50 }, () => envelope(event));
  expect(new Set(deliveries.map((d) => d.id)).size).toBe(50);

  let settled = 0;
  let allButOneSettled: () => void = () => undefined;
  const fortyNine = new Promise<void>((resolve) => (allButOneSettled = resolve));
  const pending = deliveries.map((d) =>
    fn.invoke(d).then((out) => {
      if (++settled === 49) allButOneSettled();
      return out;
    }),
  );
  // Open the gate once 49 have answered; the 20 s fallback only keeps a broken wrapper from hanging the test.
  await Promise.race([fortyNine, new Promise((resolve) => setTimeout(resolve, 20_000))]);
  await openGate(stack.client, stack.businessTable, 'evt_1FiftyConcurrent');
  const first = await Promise.all(pending);

  const processed = first.filter((r) => r.ok);
  const inProgress = first.filter((r) => r.error?.name === 'IdempotencyAlreadyInProgressError');
  expect(processed).toHaveLength(1);
  expect(inProgress).toHaveLength(49);
  expect(outcomeLine(processed[0].logs)?.outcome).toBe('processed');
  expect(inProgress.every((r) => outcomeLine(r.logs)?.outcome === 'in_progress')).toBe(true);
  expect(await effectsFor(stack.client, stack.businessTable, 'evt_1FiftyConcurrent')).toBe(1);

  // Lambda retries the failed deliveries (the same envelopes) after the first one completed.
  const retried = deliveries.filter((_, i) => !first[i].ok);
  const retries = await Promise.all(retried.map((d) => fn.invoke(d)));
  expect(retries.map((r) => r.error)).toEqual(retries.map(() => undefined));
  for (const r of retries) {
    expect(r.result).toEqual(processed[0].result);
    expect(outcomeLine(r.logs)?.outcome).toBe('duplicate');
  }
  expect(processed[0].result).toEqual({ handled: 'evt_1FiftyConcurrent', type: 'checkout.session.completed', effectsSoFar: 1 });
  expect(await effectsFor(stack.client, stack.businessTable, 'evt_1FiftyConcurrent')).toBe(1);
  const records = await idempotencyRecords(stack.client, stack.idempotencyTable, 'Test.Fifty');
  expect(records.map((r) => r.status)).toEqual(['COMPLETED']);
}, 120_000);

test('1,000 events with 20 % duplicates, out of order, at concurrency 10, in-progress rejections retried: every event has its effect once', async () => {
  const fn = stack.wrapped({
    handlerName: 'Stream',
    keyPrefix: 'Test.Stream',
    userHandler: 'effect-counter.handler',
    // A few milliseconds inside the handler widen the window in which a concurrent duplicate is in progress.
    environment: { SAMPLE_MODE: 'slow', SAMPLE_DELAY_MS: '3' },
  });
  // Distinct events made from the real samples; their ids are rewritten to evt_stream<n> to be distinct.
  const events = distinctEvents(1_000, 'stream');
  const next = random(20260129);
  type Delivery = { event: StripeEventSample; envelope: EventBridgeEnvelope; attempts: number; outcome?: string; result?: unknown };
  const deliveries: Delivery[] = events.map((event) => ({ event, envelope: envelope(event), attempts: 0 }));
  for (let i = deliveries.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [deliveries[i], deliveries[j]] = [deliveries[j], deliveries[i]];
  }
  // 200 redeliveries in new envelopes: half right behind the original (so that they run concurrently with
  // it), half anywhere in the stream, before or after the original.
  const duplicated = events.filter(() => next() < 0.2).slice(0, 200);
  while (duplicated.length < 200) duplicated.push(events[Math.floor(next() * events.length)]);
  duplicated.forEach((event, n) => {
    const duplicate: Delivery = { event, envelope: envelope(event), attempts: 0 };
    const at = n % 2 === 0 ? deliveries.findIndex((d) => d.event === event) + 1 : Math.floor(next() * (deliveries.length + 1));
    deliveries.splice(at, 0, duplicate);
  });
  expect(deliveries).toHaveLength(1_200);

  let inProgressRejections = 0;
  const unexpected: InvocationResult[] = [];
  await runPool(deliveries, 10, async (delivery, queue) => {
    delivery.attempts++;
    const out = await fn.invoke(delivery.envelope);
    if (out.ok) {
      delivery.outcome = outcomeLine(out.logs)?.outcome;
      delivery.result = out.result;
    } else if (out.error?.name === 'IdempotencyAlreadyInProgressError') {
      inProgressRejections++;
      queue.push(delivery); // Lambda retries the same envelope later.
    } else {
      unexpected.push(out);
    }
  });

  expect(unexpected).toEqual([]);
  expect(deliveries.filter((d) => d.outcome === 'processed')).toHaveLength(1_000);
  expect(deliveries.filter((d) => d.outcome === 'duplicate')).toHaveLength(200);
  // The concurrent duplicates really were rejected while in progress, and their retries succeeded.
  expect(inProgressRejections).toBeGreaterThan(0);
  for (const d of deliveries) {
    expect(d.result).toEqual({ handled: d.event.id, type: d.event.type, effectsSoFar: 1 });
  }

  const effects = (await scanAll(stack.client, stack.businessTable)).filter((item) => String(item.pk).startsWith('evt_stream'));
  expect(effects).toHaveLength(1_000);
  expect(effects.filter((item) => item.effects !== 1)).toEqual([]);
  const records = await idempotencyRecords(stack.client, stack.idempotencyTable, 'Test.Stream');
  expect(records).toHaveLength(1_000);
  expect(records.filter((r) => r.status !== 'COMPLETED')).toEqual([]);
}, 300_000);
