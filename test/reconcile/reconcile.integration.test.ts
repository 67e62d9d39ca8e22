/**
 * The reconciliation end to end on this machine: a Stripe account's event log (a local Events API whose
 * every request and response is validated against Stripe's v1 OpenAPI spec) holding events that reached AWS
 * and events that never did; idempotency records in DynamoDB Local written by the real bundled wrapper;
 * the rules' patterns as the construct builds them. Backfill goes through the Lambda Invoke API of a local
 * stand-in (no AWS account here) that runs the real wrapper.
 */
import { createHash } from 'node:crypto';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { STRIPE_PARTNER_SOURCE_PREFIX } from '../../src/contract/stripe';
import { parseEventTypeKey } from '../../src/private/event-type-keys';
import { buildHandlerPattern } from '../../src/private/rule-pattern';
import { backfill, lambdaInvoker } from '../../src/reconcile/backfill';
import { reconcile, ReconcileResult } from '../../src/reconcile/reconcile';
import { idempotencyKey } from '../../src/reconcile/records';
import { routeFromEnvironment, ReconcileRoute } from '../../src/reconcile/routes';
import { createStripeClient, eventWindow } from '../../src/reconcile/stripe-events';
import { LambdaInvokeServer } from '../support/lambda-invoke-server';
import { effectsFor, idempotencyRecords, openGate, useLocalStack } from '../support/local-stack';
import { DAY, HOUR, stripeEventAt } from '../support/reconcile-scenario';
import { StripeEventsServer } from '../support/stripe-events-server';
import { envelope, TEST_EVENT_SOURCE } from '../support/stripe-samples';

const KEY = 'rk_test_51ReconcileScenario';
const stack = useLocalStack();
let stripe: StripeEventsServer;
let invokeServer: LambdaInvokeServer;
let lambda: LambdaClient;
let routes: ReconcileRoute[];
let gated: Promise<unknown>;

/** The integration's rule patterns: Connect events (with `account`) are filtered out, as `detailFilter` would. */
const DETAIL_FILTER = { account: [{ exists: false }] };
const patternFor = (...keys: string[]) => buildHandlerPattern(STRIPE_PARTNER_SOURCE_PREFIX, keys.map((k) => parseEventTypeKey(k, false, 'handlers')), DETAIL_FILTER).pattern;

const present = stripeEventAt('evt_1RecPresent', 'checkout.session.completed', DAY);
const missing = stripeEventAt('evt_1RecMissing', 'checkout.session.completed', 2 * DAY);
const inProgress = stripeEventAt('evt_1RecInProgress', 'checkout.session.completed', 3 * HOUR);
const timedOut = stripeEventAt('evt_1RecTimedOut', 'checkout.session.completed', 5 * HOUR);
const connect = stripeEventAt('evt_1RecConnect', 'checkout.session.completed', DAY, { account: 'acct_1Connected' });
const tooOld = stripeEventAt('evt_1RecTooOld', 'checkout.session.completed', 4 * DAY);
const tooYoung = stripeEventAt('evt_1RecTooYoung', 'checkout.session.completed', 120);
const beyondRecords = stripeEventAt('evt_1RecBeyondRecords', 'checkout.session.completed', 8 * DAY);
const oldTimedOut = stripeEventAt('evt_1RecOldTimedOut', 'checkout.session.completed', 9 * DAY);
const subPresent = stripeEventAt('evt_1RecSubPresent', 'customer.subscription.updated', DAY);
const subMissing = stripeEventAt('evt_1RecSubMissing', 'customer.subscription.created', HOUR);
const refund = stripeEventAt('evt_1RecRefund', 'charge.refunded', DAY);

function run(sinceSeconds = 3 * DAY): Promise<ReconcileResult> {
  const now = Math.floor(Date.now() / 1000);
  const window = eventWindow(now, sinceSeconds, 15 * 60);
  return reconcile({ routes, stripe: createStripeClient(KEY, stripe.url), ddb: stack.client, window, now, pageSize: 2 });
}

beforeAll(async () => {
  stripe = await StripeEventsServer.start({ apiKey: KEY });
  stripe.seed(present, missing, inProgress, timedOut, oldTimedOut, connect, tooOld, tooYoung, beyondRecords, subPresent, subMissing, refund);
  // Records kept 7 days (STRIPE_EB_IDEMPOTENCY_TTL_SECONDS), so that some events here are older than their records.
  const functions = {
    Orders: stack.wrapped({ handlerName: 'Orders', keyPrefix: 'Payments.Orders', userHandler: 'effect-counter.handler', recordLifetimeSeconds: 7 * DAY }),
    Memberships: stack.wrapped({ handlerName: 'Memberships', keyPrefix: 'Payments.Memberships', userHandler: 'effect-counter.handler', recordLifetimeSeconds: 7 * DAY }),
  };
  // The same handler in another execution environment, stuck in its handler until the test opens the gate.
  const stuck = stack.wrapped({ handlerName: 'Orders', keyPrefix: 'Payments.Orders', userHandler: 'effect-counter.handler', environment: { SAMPLE_MODE: 'gate' } });
  invokeServer = new LambdaInvokeServer(functions);
  lambda = new LambdaClient({ endpoint: await invokeServer.start(), region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });

  expect((await functions.Orders.invoke(envelope(present))).ok).toBe(true);
  expect((await functions.Memberships.invoke(envelope(subPresent))).ok).toBe(true);
  // An invocation that timed out: its in-progress record stays behind, and its retry never came.
  const hanging = stack.wrapped({ handlerName: 'Orders', keyPrefix: 'Payments.Orders', userHandler: 'effect-counter.handler', environment: { SAMPLE_MODE: 'hang-once' }, timeoutSeconds: 1 });
  expect((await hanging.invoke(envelope(timedOut))).error?.name).toBe('Sandbox.Timedout');
  expect((await hanging.invoke(envelope(oldTimedOut))).error?.name).toBe('Sandbox.Timedout');
  // The reconciliation counts whole seconds: wait until both deadlines are behind its `now`, or an in-progress
  // record whose deadline passed less than a second ago would still read as in progress.
  const deadlines = (await idempotencyRecords(stack.client, stack.idempotencyTable, 'Payments.Orders'))
    .map((r) => Number(r.in_progress_expiration ?? 0));
  while (Math.floor(Date.now() / 1000) * 1000 <= Math.max(...deadlines)) await new Promise((r) => setTimeout(r, 50));
  gated = stuck.invoke(envelope(inProgress));
  for (let i = 0; (await idempotencyRecords(stack.client, stack.idempotencyTable, 'Payments.Orders')).length < 4; i++) {
    if (i > 200) throw new Error('the gated invocation never wrote its in-progress record');
    await new Promise((r) => setTimeout(r, 25));
  }

  routes = [
    routeFromEnvironment({ functionName: 'Orders', patterns: [patternFor('checkout.session.completed')], environment: functions.Orders.spec.environment!, eventSourceName: TEST_EVENT_SOURCE }),
    routeFromEnvironment({ functionName: 'Memberships', patterns: [patternFor('customer.subscription.*')], environment: functions.Memberships.spec.environment!, eventSourceName: TEST_EVENT_SOURCE }),
  ];
}, 120_000);

afterAll(async () => {
  await openGate(stack.client, stack.businessTable, inProgress.id).catch(() => undefined);
  await gated;
  await invokeServer?.stop();
  lambda?.destroy();
  await stripe?.close();
});

test('the record key is Powertools\' format as the real wrapper writes it: <prefix>#<md5 of the JSON event id, base64>', async () => {
  const ids = (await idempotencyRecords(stack.client, stack.idempotencyTable, 'Payments.Orders')).map((r) => r.id);
  const md5 = (encoding: 'base64' | 'hex') => `Payments.Orders#${createHash('md5').update(JSON.stringify(present.id)).digest(encoding)}`;
  expect(idempotencyKey('Payments.Orders', present.id)).toBe(md5('base64'));
  expect(ids).toContain(md5('base64'));
  expect(ids).not.toContain(md5('hex'));
});

test('present, missing, in progress, timed out, filtered out and out of window: each where it belongs, per handler', async () => {
  const before = stripe.requests.length;
  const { report } = await run();
  const ids = (events: Array<{ id: string }>) => events.map((e) => e.id);
  const [orders, memberships] = report.handlers;
  expect({ ...orders, inProgress: ids(orders.inProgress), missing: ids(orders.missing) }).toEqual({
    handler: 'Orders',
    functionName: 'Orders',
    eventTypes: ['checkout.session.completed'],
    checked: true,
    routed: 4,
    processed: 1,
    processedUnderPreviousScopes: 0,
    inProgress: ['evt_1RecInProgress'],
    // Its in-progress record expired with the invocation: nothing will complete it, as Powertools sees it.
    missing: ['evt_1RecMissing', 'evt_1RecTimedOut'],
    expired: [],
  });
  expect({ processed: memberships.processed, missing: ids(memberships.missing), inProgress: memberships.inProgress })
    .toEqual({ processed: 1, missing: ['evt_1RecSubMissing'], inProgress: [] });
  // The Connect event is of a handler's type, but the rule's content filter leaves it out: not missing.
  expect(ids(report.unrouted)).toEqual(['evt_1RecConnect']);
  expect(report.unrouted[0]).toMatchObject({ reason: 'filter', detail: 'detail.account is "acct_1Connected" but the pattern requires it to be absent' });
  expect(report.missing).toBe(3);
  // Outside the window (4 days ago; 2 minutes ago, inside the grace period) and of no handler's type: never listed.
  expect(report.listed).toBe(7);
  expect(JSON.stringify(report)).not.toMatch(/evt_1RecTooOld|evt_1RecTooYoung|evt_1RecRefund|evt_1RecBeyondRecords|evt_1RecOldTimedOut/);

  // What was asked of Stripe: the handlers' types, the window, page by page (page size 2 here).
  expect(stripe.violations).toEqual([]);
  const queries = stripe.requests.slice(before).map((r) => r.query);
  expect(queries.map((q) => [q.types ?? q.type, q.starting_after])).toEqual([
    [['checkout.session.completed'], undefined],
    // Newest first, two a page: the cursor is the last id of the page before.
    [['checkout.session.completed'], 'evt_1RecTimedOut'],
    [['checkout.session.completed'], 'evt_1RecConnect'],
    ['customer.subscription.*', undefined],
  ]);
  expect(queries.every((q) => q.limit === 2 && q.created.lte - q.created.gte === 3 * DAY - 15 * 60)).toBe(true);
});

test('an event older than the record lifetime (7 days) without a record is reported as expired, not missing; one with a record left behind is missing', async () => {
  const { report } = await run(10 * DAY);
  expect(report.handlers[0].expired.map((e) => e.id)).toEqual(['evt_1RecBeyondRecords']);
  expect(report.handlers[0].missing.map((e) => e.id)).toEqual(['evt_1RecOldTimedOut', 'evt_1RecTooOld', 'evt_1RecMissing', 'evt_1RecTimedOut']);
});

test('backfill (local Lambda stand-in): dry run sends nothing; then each missing event is processed once, oldest first, and a repeat is a duplicate', async () => {
  const result = await run();
  const lines: string[] = [];
  const dry = await backfill({ result, invoke: lambdaInvoker(lambda), ddb: stack.client, dryRun: true, log: (l) => lines.push(l) });
  expect(dry.wouldSend.map((e) => e.id)).toEqual(['evt_1RecMissing', 'evt_1RecTimedOut', 'evt_1RecSubMissing']);
  expect(invokeServer.invocations).toHaveLength(0);
  expect(lines[lines.length - 1]).toBe('dry run: 3 of 3 missing events would be sent (nothing invoked)');

  const first = await backfill({ result, invoke: lambdaInvoker(lambda), ddb: stack.client, limit: 1 });
  expect(first.sent.map((e) => e.id)).toEqual(['evt_1RecMissing']);
  expect(first.notSent).toBe(2);
  // Backfill invokes asynchronously (InvocationType Event): Lambda has accepted the event, not processed it. Until
  // its invocation writes a record, the next reconciliation still finds the event missing: a backfill right after
  // would send it again (harmless: the wrapper's record keeps the handler from running twice, as the end shows).
  await invokeServer.settled();
  const rest = await backfill({ result: await run(), invoke: lambdaInvoker(lambda), ddb: stack.client });
  expect(rest.sent.map((e) => `${e.handler} ${e.id}`)).toEqual(['Orders evt_1RecTimedOut', 'Memberships evt_1RecSubMissing']);
  await invokeServer.settled();

  // The envelope a partner bus delivers: the partner source, the event type, the Stripe event in detail.
  const delivered = invokeServer.invocations.map((i) => i.event as Record<string, any>);
  expect(delivered.map((e) => [e.source, e['detail-type'], e.detail.id])).toEqual([
    [TEST_EVENT_SOURCE, 'checkout.session.completed', 'evt_1RecMissing'],
    [TEST_EVENT_SOURCE, 'checkout.session.completed', 'evt_1RecTimedOut'],
    [TEST_EVENT_SOURCE, 'customer.subscription.created', 'evt_1RecSubMissing'],
  ]);
  expect(invokeServer.invocations.every((i) => i.invocationType === 'Event')).toBe(true);
  for (const id of ['evt_1RecMissing', 'evt_1RecTimedOut', 'evt_1RecSubMissing']) expect(await effectsFor(stack.client, stack.businessTable, id)).toBe(1);

  const after = await run();
  expect(after.report.missing).toBe(0);
  // A backfill from the old result again (told not to wait for Lambda's retries of the earlier sends): the
  // wrapper answers from the records; nothing happens twice.
  const again = await backfill({ result, invoke: lambdaInvoker(lambda), ddb: stack.client, retryAfterSeconds: 0 });
  expect(again.sentBefore.map((e) => e.action)).toEqual(['resent', 'resent', 'resent']);
  await invokeServer.settled();
  expect(await effectsFor(stack.client, stack.businessTable, 'evt_1RecMissing')).toBe(1);
  expect(await effectsFor(stack.client, stack.businessTable, 'evt_1RecSubMissing')).toBe(1);
});
