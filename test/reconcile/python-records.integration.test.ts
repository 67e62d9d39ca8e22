/**
 * The reconciliation reads a Python handler's records as it reads a Node.js handler's: both wrappers write one
 * record contract (src/contract/idempotency.ts). End to end on this machine: the real Python wrapper layer around a
 * Python handler writes its records in DynamoDB Local; the Stripe account is a local Events API validated against
 * Stripe's v1 OpenAPI spec; backfill goes through a local stand-in of the Lambda Invoke API (no AWS account here)
 * running the same Python function. Thin events are listed from a local GET /v2/core/events validated against Stripe's
 * v2 OpenAPI spec (test/support/stripe-thin-api.ts).
 */
import Stripe from 'stripe';
import { ENV_EVENT_PAYLOADS } from '../../src/contract/wrapper';
import { backfill, lambdaInvoker } from '../../src/reconcile/backfill';
import { reconcile } from '../../src/reconcile/reconcile';
import { idempotencyKey } from '../../src/reconcile/records';
import { routeFromEnvironment } from '../../src/reconcile/routes';
import { createStripeClient, eventWindow } from '../../src/reconcile/stripe-events';
import { effectsFor, idempotencyRecords, jsonLines, PYTHON_RUNTIME, useLocalStack } from '../support/local-stack';
import { DAY, HOUR, lambdaStandIn, LambdaStandIn, stripeEventAt } from '../support/reconcile-scenario';
import { StripeEventsServer } from '../support/stripe-events-server';
import { envelope, TEST_EVENT_SOURCE, thinEnvelope } from '../support/stripe-samples';
import { StripeThinApi, v2EventFrom } from '../support/stripe-thin-api';

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

describe('thin events: the Python wrapper keys a thin event on its snapshot twin, and the reconciliation reads it there', () => {
  const THIN_KEY = 'rk_test_51PythonThinRecords';
  const THIN_SOURCE = 'aws.partner/stripe.com/ed_test_61PythonThinRecords000000000000000000000000';
  const now = Math.floor(Date.now() / 1000);
  const iso = (age: number) => new Date((now - age) * 1000 + 321).toISOString();
  const twinOf = stripeEventAt('evt_1PyTwinSnapshot', 'checkout.session.completed', 2 * HOUR, {}, now);
  const twin = thinEnvelope({ id: 'evt_test_65PyThinTwin', type: 'v1.checkout.session.completed', created: iso(2 * HOUR), snapshot_event: twinOf.id }, { source: THIN_SOURCE });
  const thinLost = thinEnvelope({ id: 'evt_test_65PyThinLost', type: 'v1.checkout.session.completed', created: iso(3 * HOUR) }, { source: THIN_SOURCE });
  let v1: StripeEventsServer;
  let api: StripeThinApi;
  let thinStandIn: LambdaStandIn;

  beforeAll(async () => {
    v1 = await StripeEventsServer.start({ apiKey: 'sk_test_123' });
    v1.seed(twinOf);
    api = await StripeThinApi.start({ apiKey: THIN_KEY, apiVersion: Stripe.API_VERSION, v1Upstream: v1.url });
    for (const e of [twin, thinLost]) api.seed(v2EventFrom(e.detail));
    const python = stack.wrapped({
      runtime: PYTHON_RUNTIME,
      handlerName: 'PyCheckouts',
      keyPrefix: 'Payments/Stripe.PyCheckouts',
      userHandler: 'effect_counter.handler',
      environment: { [ENV_EVENT_PAYLOADS]: 'snapshot,thin' },
    });
    // Only the thin twin arrived: its record is its snapshot twin's.
    expect((await python.invoke(twin)).ok).toBe(true);
    thinStandIn = await lambdaStandIn({ PyCheckouts: python });
  }, 120_000);

  afterAll(async () => {
    await thinStandIn?.stop();
    await api?.close();
    await v1?.close();
  });

  test('the pair is processed from one record; a lost thin event is backfilled to the Python function once', async () => {
    const runThin = () => {
      const environment = thinStandIn.server.fn('PyCheckouts').function.spec.environment!;
      const route = routeFromEnvironment({
        functionName: 'PyCheckouts',
        patterns: [pattern],
        thinPatterns: [{ ...pattern, 'detail-type': ['v1.checkout.session.completed'] }],
        environment,
        eventSourceName: TEST_EVENT_SOURCE,
        thinEventSourceName: THIN_SOURCE,
      });
      const at = Math.floor(Date.now() / 1000);
      const client = createStripeClient(THIN_KEY, api.url);
      return reconcile({ routes: [route], stripe: client, ddb: stack.client, window: eventWindow(at, DAY, 15 * 60), now: at });
    };
    const keys = (await idempotencyRecords(stack.client, stack.idempotencyTable, 'Payments/Stripe.PyCheckouts')).map((r) => r.id);
    expect(keys).toEqual([idempotencyKey('Payments/Stripe.PyCheckouts', twinOf.id)]);

    const first = await runThin();
    expect(first.report.handlers[0]).toMatchObject({ checked: true, routed: 3, processed: 2, inProgress: [] });
    expect(first.report.handlers[0].missing.map((e) => e.id)).toEqual([thinLost.detail.id]);
    const summary = await backfill({ result: first, invoke: lambdaInvoker(thinStandIn.client), ddb: stack.client });
    expect(summary.sent.map((e) => e.id)).toEqual([thinLost.detail.id]);
    const [result] = await thinStandIn.server.settled();
    expect(jsonLines(result.logs).find((l) => l.outcome)?.outcome).toBe('processed');
    expect(await effectsFor(stack.client, stack.businessTable, thinLost.detail.id as string)).toBe(1);
    expect((await runThin()).report.handlers[0]).toMatchObject({ processed: 3, missing: [] });
    expect(api.violations).toEqual([]);
    expect(v1.violations).toEqual([]);
  });
});
