/**
 * Backfill and an event its handler always fails on (poison), end to end on this machine: the real bundled
 * wrapper and handler in DynamoDB Local, the Stripe account a local Events API validated against Stripe's v1
 * OpenAPI spec, and backfill through a local stand-in of the Lambda Invoke API (no AWS account here), which
 * runs the real wrapper with Lambda's two retries of an asynchronous invocation. Each run sends one event
 * (`limit: 1`, as `--limit 1` or a small scheduled backfillLimit would).
 */
import { BACKFILL_MARKER_PREFIX } from '../../src/contract/reconcile';
import { backfill, BackfillSummary, lambdaInvoker } from '../../src/reconcile/backfill';
import { reconcile } from '../../src/reconcile/reconcile';
import { idempotencyKey } from '../../src/reconcile/records';
import { routeFromEnvironment } from '../../src/reconcile/routes';
import { createStripeClient, eventWindow } from '../../src/reconcile/stripe-events';
import { effectsFor, scanAll, useLocalStack } from '../support/local-stack';
import { DAY, HOUR, lambdaStandIn, LambdaStandIn, stripeEventAt } from '../support/reconcile-scenario';
import { StripeEventsServer } from '../support/stripe-events-server';
import { TEST_EVENT_SOURCE } from '../support/stripe-samples';

const KEY = 'rk_test_51BackfillPoison';
const stack = useLocalStack();
let stripe: StripeEventsServer;
let standIn: LambdaStandIn;

const poison = stripeEventAt('evt_1BackfillPoison', 'checkout.session.completed', 2 * DAY);
const older = stripeEventAt('evt_1BackfillOlder', 'checkout.session.completed', DAY);
const newer = stripeEventAt('evt_1BackfillNewer', 'checkout.session.completed', 5 * HOUR);
const pattern = { 'source': [{ prefix: 'aws.partner/stripe.com/' }], 'detail-type': ['checkout.session.completed'] };
const t0 = Math.floor(Date.now() / 1000);

/** What the reconciliation finds now. */
function reconcileNow() {
  const now = Math.floor(Date.now() / 1000);
  const environment = standIn.server.fn('Orders').function.spec.environment!;
  const route = routeFromEnvironment({ functionName: 'Orders', patterns: [pattern], environment, eventSourceName: TEST_EVENT_SOURCE });
  const window = eventWindow(now, 3 * DAY, 15 * 60);
  return reconcile({ routes: [route], stripe: createStripeClient(KEY, stripe.url), ddb: stack.client, window, now });
}

/** One scheduled run: reconcile, then backfill one event, `hoursLater` after the first run. */
async function runAt(hoursLater: number): Promise<{ summary: BackfillSummary; lines: string[] }> {
  const result = await reconcileNow();
  const lines: string[] = [];
  const now = t0 + hoursLater * HOUR;
  const summary = await backfill({ result, invoke: lambdaInvoker(standIn.client), ddb: stack.client, limit: 1, now, log: (l) => lines.push(l) });
  await standIn.server.settled();
  return { summary, lines };
}

beforeAll(async () => {
  stripe = await StripeEventsServer.start({ apiKey: KEY });
  stripe.seed(poison, older, newer);
  const environment = { SAMPLE_POISON_IDS: poison.id };
  standIn = await lambdaStandIn({ Orders: stack.wrapped({ handlerName: 'Orders', keyPrefix: 'Payments/Stripe.Orders', userHandler: 'effect-counter.handler', environment }) });
}, 120_000);

afterAll(async () => {
  await standIn?.stop();
  await stripe?.close();
});

test('a poison event never holds back a newer missing one under a limit of 1: never-sent events first, a failed one again only after an hour, then reported as failing', async () => {
  const sent = (s: BackfillSummary) => s.sent.map((e) => e.id);
  // The oldest first: nothing says yet that it is poison.
  const first = await runAt(0);
  expect(sent(first.summary)).toEqual([poison.id]);
  expect((await standIn.server.settled())[0].ok).toBe(false);

  // Still missing, but sent a moment ago: the next one is sent instead (before the fix, the poison event again).
  const second = await runAt(0.1);
  expect(sent(second.summary)).toEqual([older.id]);
  expect(second.summary.sentBefore).toEqual([expect.objectContaining({ id: poison.id, attempts: 1, action: 'waiting' })]);
  expect(second.lines).toContainEqual(expect.stringMatching(/^not sent evt_1BackfillPoison \(checkout\.session\.completed, \S+Z\) → Orders: sent by 1 backfill, the last 6 minutes ago, and not processed yet \(Lambda may still be retrying it\); sent again 1 hour after the last send$/));
  expect(second.lines[second.lines.length - 1]).toBe('backfill: 1 of 3 missing events sent to their functions, 0 failed, 1 left for another run (--limit), 1 sent by an earlier backfill and still missing (1 waiting for Lambda\'s retries)');

  // An hour later the poison event may go again, but an event never sent goes first.
  const third = await runAt(1.5);
  expect(sent(third.summary)).toEqual([newer.id]);
  expect(third.summary.notSent).toBe(1);

  // Then the poison event, twice more, an hour apart (each send fails: Lambda's retries, then its dead-letter queue).
  expect(sent((await runAt(3)).summary)).toEqual([poison.id]);
  expect(sent((await runAt(4.5)).summary)).toEqual([poison.id]);
  const last = await runAt(6);
  expect(sent(last.summary)).toEqual([]);
  expect(last.summary.sentBefore).toEqual([expect.objectContaining({ id: poison.id, attempts: 3, action: 'failing' })]);
  expect(last.lines[0]).toMatch(/^not sent evt_1BackfillPoison \(\S+, \S+Z\) → Orders: sent by 3 backfills, the last 1 hour 30 minutes ago, and still missing: its handler fails on it\. Its failures are in the dead-letter queue: fix the handler, then run stripe-eventbridge redrive$/);
  expect(last.lines[last.lines.length - 1]).toBe('backfill: 0 of 1 missing events sent to their functions, 0 failed, 1 sent by an earlier backfill and still missing (1 failing, not sent again)');

  for (const e of [older, newer]) expect(await effectsFor(stack.client, stack.businessTable, e.id)).toBe(1);
  expect(await effectsFor(stack.client, stack.businessTable, poison.id)).toBe(0);
  // The markers are beside the records, under their own prefix; the poison event has no record at all.
  const items = await scanAll(stack.client, stack.idempotencyTable);
  const markers = items.filter((i) => i.id.startsWith(BACKFILL_MARKER_PREFIX));
  expect(markers.map((m) => [m.id, m.backfill_attempts]).sort()).toEqual([
    [`${BACKFILL_MARKER_PREFIX}${idempotencyKey('Payments/Stripe.Orders', newer.id)}`, 1],
    [`${BACKFILL_MARKER_PREFIX}${idempotencyKey('Payments/Stripe.Orders', poison.id)}`, 3],
    [`${BACKFILL_MARKER_PREFIX}${idempotencyKey('Payments/Stripe.Orders', older.id)}`, 1],
  ].sort());
  // A marker expires once Stripe's list no longer returns its event (30 days after its creation, and a day).
  const poisonMarker = markers.find((m) => m.id.endsWith(idempotencyKey('Payments/Stripe.Orders', poison.id)))!;
  expect(poisonMarker.expiration).toBe(poison.created + 31 * DAY);
  expect(items.some((i) => i.id === idempotencyKey('Payments/Stripe.Orders', poison.id))).toBe(false);
});

test('a dry run reads what earlier backfills sent but writes nothing', async () => {
  const result = await reconcileNow();
  const before = JSON.stringify(await scanAll(stack.client, stack.idempotencyTable));
  const calls = standIn.server.invocations.length;
  const dry = await backfill({ result, invoke: lambdaInvoker(standIn.client), ddb: stack.client, dryRun: true, now: t0 + 8 * HOUR });
  expect(dry.sentBefore).toEqual([expect.objectContaining({ id: poison.id, action: 'failing' })]);
  expect(standIn.server.invocations).toHaveLength(calls);
  expect(JSON.stringify(await scanAll(stack.client, stack.idempotencyTable))).toBe(before);
});
