/**
 * The reconciliation of thin events end to end on this machine. Stripe's event logs are local stand-ins whose every
 * request and response is validated against Stripe's specs: GET /v2/core/events (test/support/stripe-thin-api.ts,
 * Stripe's v2 OpenAPI spec) and, through it, GET /v1/events (test/support/stripe-events-server.ts, the v1 spec).
 * Idempotency records in DynamoDB Local are written by the real bundled wrapper; the rules' patterns are built as the
 * construct builds them. Backfill goes through a local stand-in of the Lambda Invoke API (no AWS account here).
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import Stripe from 'stripe';
import { STRIPE_PARTNER_SOURCE_PREFIX } from '../../src/contract/stripe';
import { ENV_EVENT_PAYLOADS } from '../../src/contract/wrapper';
import { parseEventTypeKey } from '../../src/private/event-type-keys';
import { buildHandlerPattern } from '../../src/private/rule-pattern';
import { backfill, lambdaInvoker } from '../../src/reconcile/backfill';
import { reconcile, ReconcileResult } from '../../src/reconcile/reconcile';
import { routeFromEnvironment, ReconcileRoute } from '../../src/reconcile/routes';
import { createStripeClient, eventQueries, eventWindow, StripeEventsError } from '../../src/reconcile/stripe-events';
import { listThinEvents } from '../../src/reconcile/thin-events';
import { LambdaInvokeServer } from '../support/lambda-invoke-server';
import { effectsFor, useLocalStack } from '../support/local-stack';
import { DAY, HOUR, stripeEventAt } from '../support/reconcile-scenario';
import { StripeEventsServer } from '../support/stripe-events-server';
import { envelope, TEST_EVENT_SOURCE, thinEnvelope, ThinEventFields } from '../support/stripe-samples';
import { StripeThinApi, v2EventFrom } from '../support/stripe-thin-api';

const KEY = 'rk_test_51ReconcileThinEvents';
/** The partner source of the thin destination's bus (each destination has its own). */
const THIN_SOURCE = 'aws.partner/stripe.com/ed_test_61ThinDestinationForReconcileTests00000000';
const stack = useLocalStack();
let v1: StripeEventsServer;
let api: StripeThinApi;
let invokeServer: LambdaInvokeServer;
let lambda: LambdaClient;
let routes: ReconcileRoute[];

const patternFor = (...keys: string[]) => buildHandlerPattern(STRIPE_PARTNER_SOURCE_PREFIX, keys.map((k) => parseEventTypeKey(k, false, 'handlers'))).pattern;
const now = Math.floor(Date.now() / 1000);
/** An ISO 8601 `created` with milliseconds, `ageSeconds` ago, as Stripe writes a thin event's. */
const isoAgo = (ageSeconds: number, ms = 123) => new Date((now - ageSeconds) * 1000 + ms).toISOString();

/** A thin event in Stripe's log (the full event GET /v2/core/events returns) and its EventBridge envelope. */
function thin(fields: ThinEventFields & { ageSeconds: number }) {
  const { ageSeconds, ...rest } = fields;
  const e = thinEnvelope({ ...rest, created: isoAgo(ageSeconds) }, { source: THIN_SOURCE });
  api.seed(v2EventFrom(e.detail));
  return e;
}
const account = (id: string) => ({ related_object: { id, type: 'v2.core.account', url: `/v2/core/accounts/${id}` }, context: id });

// Orders takes checkout.session.completed from the snapshot bus and its thin twin from the thin bus.
const s1 = stripeEventAt('evt_1ThinRecSnapDone', 'checkout.session.completed', DAY, {}, now);
const s2 = stripeEventAt('evt_1ThinRecSnapMissing', 'checkout.session.completed', 2 * DAY, {}, now);
let t1: ReturnType<typeof thin>;
let t2: ReturnType<typeof thin>;
let a1: ReturnType<typeof thin>;
let a2: ReturnType<typeof thin>;

function run(sinceSeconds = 3 * DAY): Promise<ReconcileResult> {
  const window = eventWindow(Math.floor(Date.now() / 1000), sinceSeconds, 15 * 60);
  return reconcile({ routes, stripe: createStripeClient(KEY, api.url), ddb: stack.client, window, pageSize: 2 });
}

beforeAll(async () => {
  // The v2 stand-in forwards /v1/… to the v1 log with its own test key (stripe-mock's), so that one client reads both.
  v1 = await StripeEventsServer.start({ apiKey: 'sk_test_123' });
  api = await StripeThinApi.start({ apiKey: KEY, apiVersion: Stripe.API_VERSION, v1Upstream: v1.url });
  v1.seed(s1, s2);
  t1 = thin({ id: 'evt_test_65ThinRecTwinDone', type: 'v1.checkout.session.completed', ageSeconds: DAY, snapshot_event: s1.id });
  t2 = thin({ id: 'evt_test_65ThinRecTwinMissing', type: 'v1.checkout.session.completed', ageSeconds: 2 * DAY, snapshot_event: s2.id });
  a1 = thin({ id: 'evt_test_65ThinRecAccountDone', type: 'v2.core.account.updated', ageSeconds: 5 * HOUR, ...account('acct_1ThinRecA') });
  a2 = thin({ id: 'evt_test_65ThinRecAccountMissing', type: 'v2.core.account.created', ageSeconds: 6 * HOUR, ...account('acct_1ThinRecB') });
  // `v2.core.account.*` does not take a bracketed type: EventBridge's wildcard needs the `.` after `account`.
  thin({ id: 'evt_test_65ThinRecRequirements', type: 'v2.core.account[requirements].updated', ageSeconds: 7 * HOUR, ...account('acct_1ThinRecA') });
  // Outside the window: 4 days ago, and 2 minutes ago (within the grace period).
  thin({ id: 'evt_test_65ThinRecTooOld', type: 'v2.core.account.updated', ageSeconds: 4 * DAY, ...account('acct_1ThinRecA') });
  thin({ id: 'evt_test_65ThinRecTooYoung', type: 'v2.core.account.updated', ageSeconds: 120, ...account('acct_1ThinRecA') });

  const functions = {
    Orders: stack.wrapped({ handlerName: 'Orders', keyPrefix: 'Shop.Orders', userHandler: 'effect-counter.handler', environment: { [ENV_EVENT_PAYLOADS]: 'snapshot,thin' } }),
    Accounts: stack.wrapped({ handlerName: 'Accounts', keyPrefix: 'Shop.Accounts', userHandler: 'effect-counter.handler', environment: { [ENV_EVENT_PAYLOADS]: 'thin' } }),
  };
  invokeServer = new LambdaInvokeServer(functions);
  lambda = new LambdaClient({ endpoint: await invokeServer.start(), region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  // Delivered by the buses: the snapshot s1 and its twin t1 (a duplicate: one record for the pair), and a1.
  expect((await functions.Orders.invoke(envelope(s1))).ok).toBe(true);
  expect((await functions.Orders.invoke(t1)).ok).toBe(true);
  expect((await functions.Accounts.invoke(a1)).ok).toBe(true);
  expect(await effectsFor(stack.client, stack.businessTable, t1.detail.id as string)).toBe(0);

  routes = [
    routeFromEnvironment({
      functionName: 'Orders',
      patterns: [patternFor('checkout.session.completed')],
      thinPatterns: [patternFor('v1.checkout.session.completed')],
      environment: functions.Orders.spec.environment!,
      eventSourceName: TEST_EVENT_SOURCE,
      thinEventSourceName: THIN_SOURCE,
    }),
    routeFromEnvironment({ functionName: 'Accounts', patterns: [], thinPatterns: [patternFor('v2.core.account.*')], environment: functions.Accounts.spec.environment!, thinEventSourceName: THIN_SOURCE }),
  ];
}, 120_000);

afterAll(async () => {
  await invokeServer?.stop();
  lambda?.destroy();
  await api?.close();
  await v1?.close();
});

afterEach(() => {
  expect(api.violations).toEqual([]);
  expect(v1.violations).toEqual([]);
});

describe('GET /v2/core/events (local stand-in validated against Stripe\'s v2 OpenAPI spec)', () => {
  const window = () => eventWindow(Math.floor(Date.now() / 1000), 3 * DAY, 15 * 60);

  test('exact types, the window as RFC 3339 timestamps, page after page by next_page_url; oldest first, keyed on the snapshot twin', async () => {
    const before = api.requests.length;
    const listed = await listThinEvents(createStripeClient(KEY, api.url), [{ types: ['v1.checkout.session.completed', 'v2.core.account.created'] }], window(), { pageSize: 1 });
    expect(listed.map((e) => [e.id, e.type, e.recordId, e.payload])).toEqual([
      [t2.detail.id, 'v1.checkout.session.completed', s2.id, 'thin'],
      [t1.detail.id, 'v1.checkout.session.completed', s1.id, 'thin'],
      [a2.detail.id, 'v2.core.account.created', a2.detail.id, 'thin'],
    ]);
    // `created` to the second, from the ISO 8601 timestamp with milliseconds.
    expect(listed[0].created).toBe(now - 2 * DAY);
    // The listed event is the event's JSON (no SDK methods), so that it can be wrapped and sent.
    expect(Object.keys(listed[2].event)).not.toContain('fetchRelatedObject');

    const urls = api.requests.slice(before).map((r) => r.path);
    expect(urls).toEqual(['/v2/core/events', '/v2/core/events', '/v2/core/events']);
    expect(api.listQueries.slice(-3)).toEqual([
      expect.objectContaining({ 'types[0]': 'v1.checkout.session.completed', 'types[1]': 'v2.core.account.created', 'limit': '1' }),
      { page: 'page_1' },
      { page: 'page_2' },
    ]);
    const first = api.listQueries[api.listQueries.length - 3];
    expect(first['created[gte]']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
    expect(Date.parse(first['created[lt]']) - Date.parse(first['created[gte]'])).toBe((3 * DAY - 15 * 60 + 1) * 1000);
  });

  test('a wildcard key has no exact types to ask for: every thin event of the window is listed, and the patterns choose', () => {
    expect(eventQueries([patternFor('v2.core.account.*')], { groups: false })).toEqual([{ all: true }]);
    expect(eventQueries([patternFor('v2.core.account.*')])).toEqual([{ type: 'v2.core.account.*' }]);
    expect(eventQueries([patternFor('v1.checkout.session.completed')], { groups: false })).toEqual([{ types: ['v1.checkout.session.completed'] }]);
  });

  test('a key Stripe refuses: the error names the request, Stripe\'s answer, and never the key', async () => {
    const wrongKey = 'rk_test_51WrongKeyForThinEvents';
    const err = await listThinEvents(createStripeClient(wrongKey, api.url), [{ all: true }], window()).catch((e) => e);
    expect(err).toBeInstanceOf(StripeEventsError);
    expect(err.message).toMatch(/^listing events \(GET \/v2\/core\/events\): Stripe answered 401/);
    expect(err.message).not.toContain(wrongKey);
  });
});

test('thin and snapshot events of one handler, and thin events of another: processed, missing, unrouted, each once per record', async () => {
  const { report } = await run();
  const ids = (events: Array<{ id: string }>) => events.map((e) => e.id);
  const [orders, accounts] = report.handlers;
  expect({ ...orders, missing: ids(orders.missing) }).toEqual({
    handler: 'Orders',
    functionName: 'Orders',
    eventTypes: ['checkout.session.completed', 'v1.checkout.session.completed'],
    checked: true,
    routed: 4,
    // s1 and its thin twin t1: both under s1's record.
    processed: 2,
    processedUnderPreviousScopes: 0,
    inProgress: [],
    missing: [s2.id, t2.detail.id],
    expired: [],
  });
  expect(orders.missing[1]).toMatchObject({ snapshotEvent: s2.id });
  expect({ routed: accounts.routed, processed: accounts.processed, missing: ids(accounts.missing) })
    .toEqual({ routed: 2, processed: 1, missing: [a2.detail.id] });
  expect(report.unrouted.map((e) => [e.id, e.reason])).toEqual([['evt_test_65ThinRecRequirements', 'type']]);
  // s1, s2 from GET /v1/events; t1, t2, a1, a2 and the bracketed type from GET /v2/core/events (the wildcard lists all).
  expect(report.listed).toBe(7);
  expect(JSON.stringify(report)).not.toMatch(/TooOld|TooYoung/);
});

test('backfill (local Lambda stand-in): a thin event is sent as the thin bus delivers it; a thin twin is left to its snapshot event', async () => {
  const lines: string[] = [];
  const summary = await backfill({ result: await run(), invoke: lambdaInvoker(lambda), ddb: stack.client, log: (l) => lines.push(l) });
  expect(summary.sent.map((e) => `${e.handler} ${e.id}`)).toEqual([`Orders ${s2.id}`, `Accounts ${a2.detail.id}`]);
  expect(summary.twins).toEqual([{ handler: 'Orders', id: t2.detail.id, type: 'v1.checkout.session.completed', snapshotEvent: s2.id }]);
  expect(lines.join('\n')).toMatch(new RegExp(`^not sent ${t2.detail.id} \\(v1\\.checkout\\.session\\.completed, \\S+Z\\) → Orders: left to its snapshot twin ${s2.id} \\(snapshot_event\\), missing too: one idempotency record for both$`, 'm'));
  await invokeServer.settled();

  const delivered = invokeServer.invocations.map((i) => i.event as Record<string, any>);
  expect(delivered.map((e) => [e.source, e['detail-type'], e.detail.id, e.detail.object])).toEqual([
    [TEST_EVENT_SOURCE, 'checkout.session.completed', s2.id, 'event'],
    [THIN_SOURCE, 'v2.core.account.created', a2.detail.id, 'v2.core.event'],
  ]);
  // The notification a thin bus delivers, as Stripe sent it: time to the second, no fetched `data`.
  expect(delivered[1].detail).toEqual(a2.detail);
  expect(delivered[1].time).toBe(a2.time);
  expect(await effectsFor(stack.client, stack.businessTable, s2.id)).toBe(1);
  expect(await effectsFor(stack.client, stack.businessTable, a2.detail.id as string)).toBe(1);

  const after = await run();
  expect(after.report.missing).toBe(0);
  expect(after.report.handlers.map((h) => h.processed)).toEqual([4, 2]);
});
