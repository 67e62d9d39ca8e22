/**
 * A key scope change and the recovery tools, end to end on this machine: the real bundled wrapper writes its
 * records in DynamoDB Local under the scope `Stripe` (key prefix `Stripe.Orders`); the function then moves to
 * `Payments/Stripe` (an upgrade without a pinned scope, a refactor of the construct path). The Stripe account is a
 * local Events API validated against Stripe's v1 OpenAPI spec; backfill goes through a local stand-in of the
 * Lambda Invoke API (no AWS account here) running the real wrapper.
 */
import { ENV_IDEMPOTENCY_PREVIOUS_KEY_PREFIXES } from '../../src/contract/wrapper';
import { backfill, lambdaInvoker } from '../../src/reconcile/backfill';
import { reconcile, ReconcileResult } from '../../src/reconcile/reconcile';
import { eventHash, findRecordsByHash } from '../../src/reconcile/records';
import { routeFromEnvironment } from '../../src/reconcile/routes';
import { createStripeClient, eventWindow } from '../../src/reconcile/stripe-events';
import { effectsFor, idempotencyRecords, useLocalStack } from '../support/local-stack';
import { DAY, HOUR, lambdaStandIn, LambdaStandIn, stripeEventAt } from '../support/reconcile-scenario';
import { StripeEventsServer } from '../support/stripe-events-server';
import { envelope, TEST_EVENT_SOURCE } from '../support/stripe-samples';

const KEY = 'rk_test_51KeyScopeChange';
const stack = useLocalStack();
let stripe: StripeEventsServer;
let standIn: LambdaStandIn;

const pattern = { 'source': [{ prefix: 'aws.partner/stripe.com/' }], 'detail-type': ['checkout.session.completed'] };
// Processed under the old scope.
const before = [1, 2, 3, 4].map((n) => stripeEventAt(`evt_1ScopeBefore${n}`, 'checkout.session.completed', (n + 1) * HOUR));
// Never delivered, and processed by another handler (its record under `Stripe.Audit`): still missing for Orders.
const lost = stripeEventAt('evt_1ScopeLost', 'checkout.session.completed', 2 * DAY);

/** The moved function's environment, with or without the previous scope. */
function route(previous?: string[]) {
  const environment = { ...standIn.server.fn('Orders').function.spec.environment! };
  if (previous) environment[ENV_IDEMPOTENCY_PREVIOUS_KEY_PREFIXES] = JSON.stringify(previous);
  return routeFromEnvironment({ functionName: 'Orders', patterns: [pattern], environment, eventSourceName: TEST_EVENT_SOURCE });
}

function run(previous?: string[]): Promise<ReconcileResult> {
  const now = Math.floor(Date.now() / 1000);
  const window = eventWindow(now, 3 * DAY, 15 * 60);
  return reconcile({ routes: [route(previous)], stripe: createStripeClient(KEY, stripe.url), ddb: stack.client, window, now });
}

beforeAll(async () => {
  stripe = await StripeEventsServer.start({ apiKey: KEY });
  stripe.seed(...before, lost);
  const old = stack.wrapped({ handlerName: 'Orders', keyPrefix: 'Stripe.Orders', userHandler: 'effect-counter.handler' });
  for (const e of before) expect((await old.invoke(envelope(e))).ok).toBe(true);
  const audit = stack.wrapped({ handlerName: 'Audit', keyPrefix: 'Stripe.Audit', userHandler: 'call-recorder.handler' });
  expect((await audit.invoke(envelope(lost))).ok).toBe(true);
  const moved = stack.wrapped({ handlerName: 'Orders', keyPrefix: 'Payments/Stripe.Orders', userHandler: 'effect-counter.handler' });
  standIn = await lambdaStandIn({ Orders: moved });
}, 120_000);

afterAll(async () => {
  await standIn?.stop();
  await stripe?.close();
});

test('after the scope change, reconcile + backfill re-sends none of the four processed events, reports each with the scope to add, and sends the one really missing', async () => {
  const result = await run();
  expect(result.report.handlers[0]).toMatchObject({ processed: 0, processedUnderPreviousScopes: 0 });
  expect(result.report.handlers[0].missing.map((e) => e.id)).toEqual([lost.id, ...before.map((e) => e.id).reverse()]);

  const dryLines: string[] = [];
  const dry = await backfill({ result, invoke: lambdaInvoker(standIn.client), ddb: stack.client, dryRun: true, log: (l) => dryLines.push(l) });
  expect(dry.wouldSend.map((e) => e.id)).toEqual([lost.id]);
  expect(dry.otherScope.map((e) => e.id).sort()).toEqual(before.map((e) => e.id).sort());
  expect(dryLines[dryLines.length - 1]).toBe('dry run: 1 of 5 missing events would be sent, 4 processed under another key scope (not sent: set previousKeyScopes) (nothing invoked)');

  const lines: string[] = [];
  const summary = await backfill({ result, invoke: lambdaInvoker(standIn.client), ddb: stack.client, log: (l) => lines.push(l) });
  await standIn.server.settled();
  expect(summary.sent.map((e) => e.id)).toEqual([lost.id]);
  expect(standIn.server.invocations.map((i) => (i.event as any).detail.id)).toEqual([lost.id]);
  for (const e of before) {
    const reported = summary.otherScope.find((o) => o.id === e.id)!;
    expect(reported).toMatchObject({ handler: 'Orders', keyScopes: ['Stripe'], records: [expect.stringMatching(/^Stripe\.Orders#\S+ \(COMPLETED\)$/)] });
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^not sent ${e.id} \\(checkout\\.session\\.completed, \\S+Z\\) → Orders: processed under another key scope \\(Stripe\\.Orders#\\S+, COMPLETED\\): not backfilled; set idempotency\\.previousKeyScopes to include 'Stripe'$`)));
    expect(await effectsFor(stack.client, stack.businessTable, e.id)).toBe(1);
  }
  expect(lines[lines.length - 1]).toBe('backfill: 1 of 5 missing events sent to their functions, 0 failed, 4 processed under another key scope (not sent: set previousKeyScopes)');
  expect(await effectsFor(stack.client, stack.businessTable, lost.id)).toBe(1);
  // The other handler's record of the lost event was no reason to hold it back: it is another handler's.
  expect(summary.otherScope.map((e) => e.id)).not.toContain(lost.id);
});

test('with previousKeyScopes set (the function\'s STRIPE_EB_IDEMPOTENCY_PREVIOUS_KEY_PREFIXES), the four are reported processed', async () => {
  const { report } = await run(['Stripe.Orders']);
  expect(report.handlers[0]).toMatchObject({ routed: 5, processed: 5, processedUnderPreviousScopes: 4, missing: [], inProgress: [] });
  expect(report.missing).toBe(0);
  // Its own record, and the four under the old prefix: nothing new was written for them.
  expect((await idempotencyRecords(stack.client, stack.idempotencyTable, 'Payments/Stripe.Orders')).map((r) => r.id)).toHaveLength(1);
});

test('a malformed list of previous prefixes leaves the handler unchecked, saying why', () => {
  const r = routeFromEnvironment({
    functionName: 'Orders',
    patterns: [pattern],
    environment: { ...standIn.server.fn('Orders').function.spec.environment!, [ENV_IDEMPOTENCY_PREVIOUS_KEY_PREFIXES]: 'Stripe.Orders' },
  });
  expect(r.idempotency).toBeUndefined();
  expect(r.uncheckedReason).toBe('its STRIPE_EB_IDEMPOTENCY_PREVIOUS_KEY_PREFIXES is not a JSON array of key prefixes, so where its earlier records are is unknown');
});

test('the Scan that finds records under any prefix gives the same answer filtered (up to 100 hashes) and unfiltered (more)', async () => {
  const wanted = before.map((e) => eventHash(e.id));
  const others = Array.from({ length: 120 }, (_, i) => eventHash(`evt_1NotInTheTable${i}`));
  const keys = (m: Map<string, Array<{ key: string }>>) => [...m.values()].flat().map((r) => r.key).sort();
  const filtered = await findRecordsByHash(stack.client, stack.idempotencyTable, new Set([...wanted, ...others.slice(0, 10)]));
  const unfiltered = await findRecordsByHash(stack.client, stack.idempotencyTable, new Set([...wanted, ...others]));
  expect(keys(filtered)).toHaveLength(4);
  expect(keys(unfiltered)).toEqual(keys(filtered));
  expect([...filtered.values()].flat().every((r) => r.keyPrefix === 'Stripe.Orders' && r.status === 'COMPLETED')).toBe(true);
});
