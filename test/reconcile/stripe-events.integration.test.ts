/**
 * The Stripe Events API client (src/reconcile/stripe-events.ts) against stripe-mock, Stripe's own mock of
 * its API, which checks authentication and validates every request's parameters against Stripe's OpenAPI
 * spec: the requests the client makes are requests Stripe accepts. stripe-mock is stateless (every list
 * is one fixture with `has_more: false`), so for pagination a proxy in front of it says `has_more: true` on
 * the first page, and stripe-mock validates the next page's request.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { reconcile } from '../../src/reconcile/reconcile';
import { formatReport, reportJson } from '../../src/reconcile/report-text';
import { ReconcileRoute, routeFromEnvironment } from '../../src/reconcile/routes';
import { eventQueries, listStripeEvents, createStripeClient, StripeEventsError } from '../../src/reconcile/stripe-events';
import { startStripeMock, StripeMock } from '../support/stripe-mock';

let mock: StripeMock;
const window = { since: 1764000000, until: 1764259200 };

beforeAll(async () => {
  mock = await startStripeMock();
}, 120_000);

afterAll(async () => {
  await mock?.stop();
});

/** stripe-mock's log since `from`, once it shows `count` responses (it prints each after answering). */
async function logSince(from: number, count: number): Promise<string> {
  for (let i = 0; i < 250 && (mock.output().slice(from).match(/status=\d+/g) ?? []).length < count; i++) await new Promise((r) => setTimeout(r, 20));
  return mock.output().slice(from);
}

/** A proxy to stripe-mock that records each request and can rewrite the first response. */
async function proxy(rewriteFirst: (body: any) => any): Promise<{ url: string; urls: string[]; close(): Promise<void> }> {
  const urls: string[] = [];
  const server = http.createServer((req, res) => {
    urls.push(req.url!);
    const upstream = http.request(`${mock.url}${req.url}`, { method: req.method, headers: req.headers }, (up) => {
      let body = '';
      up.on('data', (c) => (body += c));
      up.on('end', () => {
        const rewritten = urls.length === 1 && up.statusCode === 200 ? JSON.stringify(rewriteFirst(JSON.parse(body))) : body;
        res.writeHead(up.statusCode!, { 'content-type': 'application/json', 'request-id': String(up.headers['request-id'] ?? '') });
        res.end(rewritten);
      });
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, urls, close: () => new Promise((r) => server.close(() => r())) };
}

describe('which list requests cover the handlers\' patterns', () => {
  const pattern = (...types: unknown[]) => ({ 'source': [{ prefix: 'aws.partner/stripe.com' }], 'detail-type': types });

  test('exact types in one types[] request, each wildcard group in its own type request, covered exact types left out', () => {
    expect(eventQueries([pattern('checkout.session.completed', { wildcard: 'customer.subscription.*' }), pattern('customer.subscription.updated', 'invoice.payment_failed')])).toEqual([
      { types: ['checkout.session.completed', 'invoice.payment_failed'] },
      { type: 'customer.subscription.*' },
    ]);
  });

  test('more than 20 exact types take several requests (types[] holds up to 20)', () => {
    const types = Array.from({ length: 45 }, (_, i) => `invoice.type_${String(i).padStart(2, '0')}`);
    const queries = eventQueries([pattern(...types)]);
    expect(queries.map((q) => ('types' in q ? q.types.length : 0))).toEqual([20, 20, 5]);
  });

  test('a pattern without detail-type (the key *), or with a filter Stripe cannot express, lists every event', () => {
    expect(eventQueries([pattern('invoice.paid'), { source: [{ prefix: 'aws.partner/stripe.com' }] }])).toEqual([{ all: true }]);
    expect(eventQueries([pattern({ prefix: 'invoice.' })])).toEqual([{ all: true }]);
  });
});

describe('against stripe-mock', () => {
  test('authentication: a test-mode restricted key is accepted; the request shapes (types[], type, created, limit) pass its validation', async () => {
    const stripe = createStripeClient('rk_test_51LocalReconcile', mock.url);
    const queries = [{ types: ['checkout.session.completed', 'charge.refunded'] }, { type: 'customer.subscription.*' }, { all: true as const }];
    const before = mock.output().length;
    const events = await listStripeEvents(stripe, queries, window);
    // stripe-mock answers every list with its one fixture event: the same id three times, listed once.
    expect(events).toHaveLength(1);
    expect(events[0].object).toBe('event');
    const log = await logSince(before, 3);
    expect(log.split('\n').filter((l) => l.startsWith('Request: GET /v1/events'))).toHaveLength(3);
    expect(log.match(/status=\d+/g)).toEqual(['status=200', 'status=200', 'status=200']);
  });

  test('authentication: a key stripe-mock refuses is a StripeEventsError with its 401, a hint, and never the key', async () => {
    const key = 'rk_live_51NotForStripeMock';
    const before = mock.output().length;
    const error = await listStripeEvents(createStripeClient(key, mock.url), [{ all: true }], window).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StripeEventsError);
    expect((error as StripeEventsError).statusCode).toBe(401);
    expect((error as Error).message).toMatch(/^listing events \(GET \/v1\/events\): Stripe answered 401: Please authenticate by specifying an `Authorization` header/);
    expect((error as Error).message).toContain('The key was rejected: use a valid restricted key');
    expect((error as Error).message).not.toContain(key);
    expect((await logSince(before, 1)).match(/status=\d+/g)).toEqual(['status=401']);
  });

  test('stripe-mock does validate parameters: a created[gte] that is not a Unix time is refused', async () => {
    const before = mock.output().length;
    const res = await fetch(`${mock.url}/v1/events?created[gte]=yesterday`, { headers: { authorization: 'Bearer rk_test_51LocalReconcile' } });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain("object property 'created' validation failed");
    // stripe-mock logs a response after sending it: wait for the line, so it never lands in the next test's log.
    expect((await logSince(before, 1)).match(/status=\d+/g)).toEqual(['status=400']);
  });

  test('pagination: after a page with has_more, the next request carries starting_after = the last id, and stripe-mock accepts it', async () => {
    const p = await proxy((body) => ({ ...body, has_more: true }));
    const before = mock.output().length;
    try {
      const events = await listStripeEvents(createStripeClient('rk_test_51LocalReconcile', p.url), [{ types: ['checkout.session.completed'] }], window, { pageSize: 1 });
      expect(events).toHaveLength(1);
      expect(p.urls).toHaveLength(2);
      const [first, second] = p.urls.map((u) => new URL(u, 'http://x').searchParams);
      expect(Object.fromEntries(first)).toEqual({ 'created[gte]': '1764000000', 'created[lte]': '1764259200', 'limit': '1', 'types[0]': 'checkout.session.completed' });
      expect(Object.fromEntries(second)).toEqual({ ...Object.fromEntries(first), starting_after: events[0].id });
      expect((await logSince(before, 2)).match(/status=\d+/g)).toEqual(['status=200', 'status=200']);
    } finally {
      await p.close();
    }
  });
});

describe('the reconciliation against stripe-mock', () => {
  const pattern = (filter: object) => ({ 'source': [{ prefix: 'aws.partner/stripe.com/' }], 'detail-type': ['checkout.session.completed'], 'detail': filter });
  const route = (patterns: object[]): ReconcileRoute => routeFromEnvironment({
    functionName: 'Orders',
    patterns,
    environment: { STRIPE_EB_HANDLER_NAME: 'Orders', STRIPE_EB_IDEMPOTENCY_TABLE: 'records', STRIPE_EB_IDEMPOTENCY_KEY_PREFIX: 'Payments/Stripe.Orders' },
  });
  // No record is read: stripe-mock's one event is taken by no rule, so DynamoDB is never asked.
  const ddb = new DynamoDBClient({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  afterAll(() => ddb.destroy());

  test('an event of a type no handler takes (stripe-mock answers every list with its plan.created fixture) is reported as such, not as filtered out', async () => {
    const now = Math.floor(Date.now() / 1000);
    const { report } = await reconcile({
      routes: [route([pattern({ livemode: [false] })])],
      stripe: createStripeClient('rk_test_51LocalReconcile', mock.url),
      ddb,
      window: { since: now - 3 * 86400, until: now },
      now,
    });
    expect(report.unrouted).toHaveLength(1);
    expect(report.unrouted[0]).toMatchObject({ type: 'plan.created', reason: 'type' });
    expect(report.unrouted[0].detail).toMatch(/^detail-type is "plan.created", which does not match/);
    const text = formatReport(report, now).join('\n');
    expect(text).toContain('0 events of the handlers\' types');
    expect(text).toMatch(/^No handler takes 1 event of its type \(plan\.created\); not checked:\n {2}evt_\w+ \(plan\.created, /m);
    expect(text).not.toContain('content filter');
    expect(reportJson(report).unrouted).toEqual([expect.objectContaining({ type: 'plan.created', reason: 'type' })]);
  });

  test('an event of a handler\'s type that a content filter leaves out says which field (stripe-mock\'s fixture, under a rule that takes its type)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const planPattern = { 'source': [{ prefix: 'aws.partner/stripe.com/' }], 'detail-type': ['plan.created'], 'detail': { livemode: [true] } };
    const { report } = await reconcile({
      routes: [route([pattern({ livemode: [false] })]), { ...route([planPattern]), handler: 'Plans' }],
      stripe: createStripeClient('rk_test_51LocalReconcile', mock.url),
      ddb,
      window: { since: now - 3 * 86400, until: now },
      now,
    });
    expect(report.unrouted).toEqual([expect.objectContaining({ type: 'plan.created', reason: 'filter', detail: 'detail.livemode is false, which does not match [true]' })]);
    const text = formatReport(report, now).join('\n');
    expect(text).toMatch(/^No rule would take 1 event of the handlers' types \(a content filter leaves it out\):\n {2}evt_\w+ \(plan\.created, \S+, livemode false\): detail\.livemode is false, which does not match \[true\]$/m);
  });
});
