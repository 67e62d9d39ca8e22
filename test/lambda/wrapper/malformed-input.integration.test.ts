/**
 * Malformed input through the real bundled wrapper: each case fails with a named error that says what is
 * wrong, is logged with its EventBridge id, writes no idempotency record and never calls the handler
 * (call-recorder.js records every call it gets). Then the same promise as a property over random envelopes.
 */
import fc from 'fast-check';
import { anyDelivery } from './envelope-arbitraries';
import { CASES, eventNested, eventOfSize } from './malformed-cases';
import { LocalLambdaFunction } from '../../../src/cli/local/local-lambda';
import { MAX_EVENT_BYTES, MAX_EVENT_DEPTH } from '../../../src/contract/wrapper';
import { InvalidStripeEventError, StripeEventSummary, validateStripeEventBridgeEvent } from '../../../src/lambda/wrapper/envelope';
import { thinIdempotencyView } from '../../../src/lambda/wrapper/stripe-context';
import { callsFor, emfLines, idempotencyRecords, outcomeLine, scanAll, useLocalStack } from '../../support/local-stack';

const stack = useLocalStack();
let fn: LocalLambdaFunction;

beforeAll(() => {
  fn = stack.wrapped({ handlerName: 'Guarded', keyPrefix: 'Test.Malformed', userHandler: 'call-recorder.handler' });
});

describe('each malformed input', () => {
  test.each(CASES)('%s: a named error, logged with the EventBridge id, no record, no handler call', async (_, make, reason, message) => {
    const event = make();
    const out = await fn.invoke(event);

    expect(out.ok).toBe(false);
    expect(out.error?.name).toBe('InvalidStripeEventError');
    expect(out.error?.message).toMatch(message);
    expect(out.error?.message.startsWith(`${reason}: `)).toBe(true);
    const eventBridgeId = (event as { id?: unknown } | null)?.id;
    const line = outcomeLine(out.logs);
    expect(line).toMatchObject({ level: 'ERROR', outcome: 'invalid', reason, error_name: 'InvalidStripeEventError' });
    expect(line?.eventbridge_id).toBe(typeof eventBridgeId === 'string' ? eventBridgeId : undefined);
    expect(emfLines(out.logs)).toEqual([expect.objectContaining({ EventsInvalid: 1, service: 'Guarded' })]);
    // The log line says what was wrong without the payload.
    expect(out.logs.every((text) => text.length < 2_000)).toBe(true);
    expect(await idempotencyRecords(stack.client, stack.idempotencyTable, 'Test.Malformed')).toEqual([]);
    expect(await scanAll(stack.client, stack.businessTable)).toEqual([]);
  });

  test("a payload of exactly EventBridge's 1 MB limit is processed once, and its log lines stay small", async () => {
    const event = eventOfSize(MAX_EVENT_BYTES, 'evt_1LargestAccepted');
    const out = await fn.invoke(event);
    expect(out.error).toBeUndefined();
    expect(outcomeLine(out.logs)?.outcome).toBe('processed');
    expect(await callsFor(stack.client, stack.businessTable, event.id)).toBe(1);
    expect(out.logs.every((line) => line.length < 2_000)).toBe(true);
    const duplicate = await fn.invoke({ ...event, id: 'c0a8e2b4-0000-4000-8000-000000000001' });
    expect(outcomeLine(duplicate.logs)?.outcome).toBe('duplicate');
    expect(await callsFor(stack.client, stack.businessTable, 'c0a8e2b4-0000-4000-8000-000000000001')).toBe(0);
  });
});

describe('an event nested deeper than any Stripe event, delivered as JSON text like every Lambda event', () => {
  test('5,000 levels in detail (25 KB), which JSON.stringify cannot walk: TOO_DEEP, decided before anything recursive, logged, no record, no handler call', async () => {
    const { json, eventBridgeId } = eventNested(5_000, 'evt_1Deep');
    expect(json.length).toBeGreaterThan(25_000);
    const out = await stack.wrapped({ handlerName: 'Guarded', keyPrefix: 'Test.Deep5000', userHandler: 'call-recorder.handler' }).invokeJson(json);

    expect(out.ok).toBe(false);
    expect(out.error).toMatchObject({
      name: 'InvalidStripeEventError',
      message: "TOO_DEEP: the event is nested more than 100 levels deep (Stripe's events nest about 10); it did not come from a Stripe event destination",
    });
    expect(outcomeLine(out.logs)).toMatchObject({ level: 'ERROR', outcome: 'invalid', reason: 'TOO_DEEP', eventbridge_id: eventBridgeId });
    expect(emfLines(out.logs)).toEqual([expect.objectContaining({ EventsInvalid: 1, service: 'Guarded' })]);
    expect(out.logs.every((text) => text.length < 2_000)).toBe(true);
    expect(await idempotencyRecords(stack.client, stack.idempotencyTable, 'Test.Deep5000')).toEqual([]);
    expect(await callsFor(stack.client, stack.businessTable, eventBridgeId)).toBe(0);
  });

  test('exactly 100 levels is accepted and processed; 101 is TOO_DEEP', async () => {
    const deep = stack.wrapped({ handlerName: 'Deep', keyPrefix: 'Test.Deep', userHandler: 'call-recorder.handler' });
    const atLimit = eventNested(MAX_EVENT_DEPTH, 'evt_1DeepestAccepted');
    const accepted = await deep.invokeJson(atLimit.json);
    expect(accepted.error).toBeUndefined();
    expect(outcomeLine(accepted.logs)?.outcome).toBe('processed');
    expect(await callsFor(stack.client, stack.businessTable, atLimit.eventBridgeId)).toBe(1);

    const over = eventNested(MAX_EVENT_DEPTH + 1, 'evt_1OneTooDeep');
    const refused = await deep.invokeJson(over.json);
    expect(outcomeLine(refused.logs)).toMatchObject({ outcome: 'invalid', reason: 'TOO_DEEP' });
    expect(await callsFor(stack.client, stack.businessTable, over.eventBridgeId)).toBe(0);
  });
});

/** What the record is keyed and validated on: random envelopes may reuse an id for another type or account. */
function recordView(summary: StripeEventSummary, event: unknown): { key: string; validation: string } {
  if (summary.thin) {
    const { id, type, account } = thinIdempotencyView(summary).detail;
    return { key: id, validation: JSON.stringify([type, account]) };
  }
  const account = (event as { detail: { account?: unknown } }).detail.account;
  return { key: summary.stripeEventId, validation: JSON.stringify([summary.type, account ?? null]) };
}

test('property: over random envelopes, the wrapper calls the handler only for valid events, once per Stripe event, and records nothing for the rest', async () => {
  const guarded = stack.wrapped({ handlerName: 'Property', keyPrefix: 'Test.Property', userHandler: 'call-recorder.handler' });
  // Each completed record's key, with the type and account it was made for.
  const completed = new Map<string, string>();
  await fc.assert(
    fc.asyncProperty(anyDelivery, async (event) => {
      let expected: StripeEventSummary | InvalidStripeEventError;
      try {
        expected = validateStripeEventBridgeEvent(event, { maxBytes: MAX_EVENT_BYTES });
      } catch (err) {
        expected = err as InvalidStripeEventError;
      }
      const eventBridgeId = (event as { id?: unknown } | null)?.id;
      const callKey = typeof eventBridgeId === 'string' ? eventBridgeId : 'no-id';
      const callsBefore = await callsFor(stack.client, stack.businessTable, callKey);

      const out = await guarded.invoke(event);

      const line = outcomeLine(out.logs);
      const view = expected instanceof InvalidStripeEventError ? undefined : recordView(expected, event);
      const reused = view !== undefined && completed.has(view.key) && completed.get(view.key) !== view.validation;
      if (expected instanceof InvalidStripeEventError) {
        expect(out.error).toMatchObject({ name: 'InvalidStripeEventError', message: expected.message });
        expect(line).toMatchObject({ outcome: 'invalid', reason: expected.reason });
        if (typeof eventBridgeId === 'string') expect(line?.eventbridge_id).toBe(eventBridgeId);
        expect(await callsFor(stack.client, stack.businessTable, callKey)).toBe(callsBefore);
      } else if (reused) {
        // The same Stripe id as an event of another type or account: refused, the handler not called.
        expect(out.error).toMatchObject({ name: 'InvalidStripeEventError' });
        expect(line).toMatchObject({ outcome: 'invalid', reason: 'EVENT_ID_REUSED' });
        expect(await callsFor(stack.client, stack.businessTable, callKey)).toBe(callsBefore);
      } else {
        expect(out.error).toBeUndefined();
        const fresh = !completed.has(view!.key);
        expect(line?.outcome).toBe(fresh ? 'processed' : 'duplicate');
        expect(await callsFor(stack.client, stack.businessTable, callKey)).toBe(callsBefore + (fresh ? 1 : 0));
        completed.set(view!.key, view!.validation);
      }
      const records = await idempotencyRecords(stack.client, stack.idempotencyTable, 'Test.Property');
      expect(records).toHaveLength(completed.size);
    }),
    { numRuns: 120 },
  );
}, 120_000);
