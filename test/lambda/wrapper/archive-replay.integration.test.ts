/**
 * An archive replay after a bug fix sends every archived event of the time window again. EventBridge
 * marks replayed events with a `replay-name` field (docs.aws.amazon.com/eventbridge/latest/userguide/eb-replay-archived-event.html)
 * and they arrive in new envelopes — but the Stripe event id in `detail.id` is unchanged, so the wrapper's
 * idempotency absorbs the events that were processed the first time and processes the ones that failed.
 * The real bundled wrapper on DynamoDB Local.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LocalLambdaFunction } from '../../../src/cli/local/local-lambda';
import { createBusinessTable, createIdempotencyTable, ddbClient, effectsFor, jsonLines, wrappedFunction } from '../../support/local-stack';
import { envelope, loadSample, StripeEventSample } from '../../support/stripe-samples';

let ddb: DynamoDBClient;
const functions: LocalLambdaFunction[] = [];
afterAll(() => {
  functions.forEach((f) => f.close());
  ddb?.destroy();
});

test('replaying a window processes what failed and skips what was processed, each effect once', async () => {
  ddb = ddbClient();
  const idempotencyTable = await createIdempotencyTable(ddb);
  const businessTable = await createBusinessTable(ddb);
  const fn = (mode: 'ok' | 'throw') => {
    const f = wrappedFunction({
      handlerName: 'Orders',
      userHandler: 'effect-counter.handler',
      idempotencyTable,
      environment: { BUSINESS_TABLE: businessTable, BUSINESS_TABLE_ENDPOINT: process.env.STRIPE_EB_TEST_DYNAMODB_ENDPOINT!, SAMPLE_MODE: mode },
    });
    functions.push(f);
    return f;
  };
  const sample = loadSample<StripeEventSample>('checkout.session.completed__stripe-ruby-mock.json');
  const window = ['evt_1WindowA', 'evt_1WindowB', 'evt_1WindowC', 'evt_1WindowD'].map((id) => ({ ...sample, id }));

  // Before the fix: A and B were processed; C and D hit the bug.
  const healthy = fn('ok');
  const buggy = fn('throw');
  for (const e of window.slice(0, 2)) expect((await healthy.invoke(envelope(e))).ok).toBe(true);
  for (const e of window.slice(2)) expect((await buggy.invoke(envelope(e))).ok).toBe(false);

  // After the fix: the archive replays the whole window, in new envelopes marked with the replay name.
  const fixed = fn('ok');
  const outcomes: string[] = [];
  for (const e of window) {
    const replayed = { ...envelope(e), 'replay-name': 'orders-fix-2026-11-26' };
    const out = await fixed.invoke(replayed);
    expect(out.ok).toBe(true);
    outcomes.push(jsonLines(out.logs).find((l) => l.outcome)?.outcome);
  }

  expect(outcomes).toEqual(['duplicate', 'duplicate', 'processed', 'processed']);
  for (const e of window) expect(await effectsFor(ddb, businessTable, e.id)).toBe(1);
});
