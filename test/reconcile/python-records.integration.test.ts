/**
 * The reconciliation reads a Python handler's records as it reads a Node.js handler's: both wrappers write one
 * record contract (src/contract/idempotency.ts). End to end on this machine: the real Python wrapper layer around a
 * Python handler writes its records in DynamoDB Local; the Stripe account is a local Events API validated against
 * Stripe's v1 OpenAPI spec; backfill goes through a local stand-in of the Lambda Invoke API (no AWS account here)
 * running the same Python function.
 */
import { backfill, lambdaInvoker } from '../../src/reconcile/backfill';
import { reconcile } from '../../src/reconcile/reconcile';
import { idempotencyKey } from '../../src/reconcile/records';
import { routeFromEnvironment } from '../../src/reconcile/routes';
import { createStripeClient, eventWindow } from '../../src/reconcile/stripe-events';
import { effectsFor, idempotencyRecords, jsonLines, PYTHON_RUNTIME, useLocalStack } from '../support/local-stack';
import { DAY, HOUR, lambdaStandIn, LambdaStandIn, stripeEventAt } from '../support/reconcile-scenario';
import { StripeEventsServer } from '../support/stripe-events-server';
import { envelope, TEST_EVENT_SOURCE } from '../support/stripe-samples';

const KEY = 'rk_test_51PythonRecords';
const stack = useLocalStack();
let stripe: StripeEventsServer;
let standIn: LambdaStandIn;

const processed = [1, 2, 3].map((n) => stripeEventAt(`evt_1PyProcessed${n}`, 'checkout.session.completed', n * HOUR));
const lost = stripeEventAt('evt_1PyLost', 'checkout.session.completed', DAY);
const pattern = { 'source': [{ prefix: 'aws.partner/stripe.com/' }], 'detail-type': ['checkout.session.completed'] };

function run() {
  const now = Math.floor(Date.now() / 1000);
  const environment = standIn.server.fn('PyOrders').function.spec.environment!;
  const route = routeFromEnvironment({ functionName: 'PyOrders', patterns: [pattern], environment, eventSourceName: TEST_EVENT_SOURCE });
  const window = eventWindow(now, 3 * DAY, 15 * 60);
  return reconcile({ routes: [route], stripe: createStripeClient(KEY, stripe.url), ddb: stack.client, window, now });
}

beforeAll(async () => {
  stripe = await StripeEventsServer.start({ apiKey: KEY });
  stripe.seed(...processed, lost);
  const python = stack.wrapped({ runtime: PYTHON_RUNTIME, handlerName: 'PyOrders', keyPrefix: 'Payments/Stripe.PyOrders', userHandler: 'effect_counter.handler' });
  for (const e of processed) expect((await python.invoke(envelope(e))).ok).toBe(true);
  standIn = await lambdaStandIn({ PyOrders: python });
}, 120_000);

afterAll(async () => {
  await standIn?.stop();
  await stripe?.close();
});

test('a Python handler\'s records are found under the contract\'s key and reported processed; the one lost event is backfilled to it once', async () => {
  const keys = (await idempotencyRecords(stack.client, stack.idempotencyTable, 'Payments/Stripe.PyOrders')).map((r) => r.id).sort();
  expect(keys).toEqual(processed.map((e) => idempotencyKey('Payments/Stripe.PyOrders', e.id)).sort());

  const first = await run();
  expect(first.report.handlers[0]).toMatchObject({ checked: true, routed: 4, processed: 3, inProgress: [] });
  expect(first.report.handlers[0].missing.map((e) => e.id)).toEqual([lost.id]);

  const summary = await backfill({ result: first, invoke: lambdaInvoker(standIn.client), ddb: stack.client });
  expect(summary.sent.map((e) => e.id)).toEqual([lost.id]);
  expect(summary.otherScope).toEqual([]);
  const [result] = await standIn.server.settled();
  expect(jsonLines(result.logs).find((l) => l.outcome)?.outcome).toBe('processed');

  const after = await run();
  expect(after.report.handlers[0]).toMatchObject({ processed: 4, missing: [] });
  // Sent again (not waiting for Lambda's retries), every event is a duplicate to the Python wrapper: one effect each.
  await backfill({ result: first, invoke: lambdaInvoker(standIn.client), ddb: stack.client, retryAfterSeconds: 0 });
  const again = await standIn.server.settled();
  expect(jsonLines(again[again.length - 1].logs).find((l) => l.outcome)?.outcome).toBe('duplicate');
  for (const e of [...processed, lost]) expect(await effectsFor(stack.client, stack.businessTable, e.id)).toBe(1);
  expect(stripe.violations).toEqual([]);
});
