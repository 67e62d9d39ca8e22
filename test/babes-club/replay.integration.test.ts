/**
 * The local replay end to end: the synthesized Babes Club stack (code and wrapper layer from cdk.out,
 * environment from the template), its tables created from the template in DynamoDB Local, the default
 * stream routed by the offline pattern matcher over the synthesized rules.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { synthesizeBabesClub } from './support';
import { defaultStream, generatedStream, sessionId } from '../../examples/babes-club/replay/stream';
import { replay, ReplayReport } from '../../src/cli/local/replay';
import { ddbClient, ddbEndpoint } from '../support/local-stack';

const client = ddbClient();
afterAll(() => client.destroy());

async function commerceItems(report: ReplayReport): Promise<Record<string, any>[]> {
  const table = Object.entries(report.tables).find(([id]) => id.startsWith('CommerceTable'))![1];
  const out = await client.send(new ScanCommand({ TableName: table, ConsistentRead: true }));
  return (out.Items ?? []).map((i) => unmarshall(i));
}

test('the default stream: every event routed to the right handler with the expected outcome, and the resulting state', async () => {
  const stack = synthesizeBabesClub();
  const report = await replay({ stack, events: defaultStream(), ddb: { endpoint: ddbEndpoint(), client }, tablePrefix: `replay-${Date.now()}-` });

  // Per Stripe event (deliveries of one event may race, so which one is "processed" can vary).
  const byEvent: Record<string, string[]> = {};
  for (const e of report.events) {
    const key = e.stripeEventId ?? (e.type ? `${e.type} without an evt_ id` : '?');
    byEvent[key] = [...(byEvent[key] ?? []), ...(e.deliveries.length ? e.deliveries.map((d) => `${d.handler}:${d.outcome}`) : ['unmatched'])].sort();
  }
  expect(byEvent).toEqual({
    'evt_1BabesAvaCheckout': ['CheckoutPaid:duplicate', 'CheckoutPaid:processed'], // redelivered in a new envelope
    'evt_1BabesLiamCheckout': ['CheckoutPaid:processed'],
    'evt_1BabesMiaCompleted': ['CheckoutPaid:processed'], // unpaid for now
    'evt_1BabesSetupMode': ['CheckoutPaid:processed'],
    'evt_1BabesExpired': ['CheckoutClosed:processed'],
    'evt_1BabesAvaSubRenewed': ['Memberships:processed'], // the renewal first…
    'evt_1BabesAvaSubCreated': ['Memberships:duplicate', 'Memberships:processed'], // …then the creation, and again
    'evt_1BabesMiaAsyncPaid': ['CheckoutPaid:processed'],
    'evt_1BabesAsyncFailed': ['CheckoutClosed:processed'],
    'evt_1BabesNoahInvoiceFailed': ['InvoicePaymentFailed:processed'],
    'evt_1BabesNoahPastDue': ['Memberships:processed'],
    'evt_1BabesCustomerCreated': ['unmatched'], // no rule for customer.created
    'evt_1BabesAvaRefund': ['Refunds:duplicate', 'Refunds:processed'],
    'evt_1BabesNoahRecovered': ['Memberships:processed'],
    'evt_1BabesZoeCanceled': ['Memberships:processed'],
    'checkout.session.completed without an evt_ id': ['CheckoutPaid:dlq'], // the malformed event
  });
  expect(report.events[17].invalidReason).toMatch(/^MISSING_EVENT_ID/);
  expect(report.events[17].deliveries[0].error).toMatch(/^InvalidStripeEventError: MISSING_EVENT_ID/);
  expect(report.counts).toMatchObject({ processed: 14, duplicate: 3, unmatched: 1, dlq: 1, expectedDlq: 1 });
  // A redelivery that raced the first one found it in progress, failed, and was retried until it found it done.
  for (const d of report.events.flatMap((e) => e.deliveries).filter((x) => x.outcome === 'duplicate')) {
    expect(d.failedAttempts.map((a) => a.outcome)).toEqual(Array(d.attempts - 1).fill('in_progress'));
  }

  const items = await commerceItems(report);
  const orders = items.filter((i) => i.type === 'ORDER').map((o) => [o.PK, o.status, o.amount]);
  expect(orders.sort()).toEqual([
    ['USER#ava-001', 'refunded', 999],
    ['USER#liam-012', 'paid', 3000],
    ['USER#mia-007', 'paid', 12500],
  ]);
  // One row per subscription, each its subscription's latest state (context.effects.putLatest).
  const memberships = Object.fromEntries(items.filter((i) => i.type === 'MEMBERSHIP').map((m) => [m.SK, [m.PK, m.status, m.currentPeriodEnd]]));
  expect(memberships).toEqual({
    'MEMBERSHIP#sub_JdIzvfy6o5GZRd': ['USER#ava-001', 'active', 1628332918], // the renewal's period, despite the creation arriving later
    'MEMBERSHIP#sub_1QBabesNoahMonthly': ['USER#noah-005', 'active', 1776969906], // past_due, then recovered
    'MEMBERSHIP#sub_1QBabesZoeMonthly': ['USER#zoe-009', 'canceled', 1650998496],
  });
  // The audit trail of a subscription names each of its events once, whichever state won.
  expect(items.find((i) => i.SK === 'EVENTS#MEMBERSHIP#sub_JdIzvfy6o5GZRd')?.stripeEvents.sort()).toEqual(['evt_1BabesAvaSubCreated', 'evt_1BabesAvaSubRenewed']);
  const sessions = Object.fromEntries(items.filter((i) => i.SK === 'SESSION').map((s) => [s.PK.replace('CHECKOUT#', ''), s.status]));
  expect(sessions).toMatchObject({ cs_test_babes_abandoned: 'expired', cs_test_babes_bounced: 'payment_failed', cs_test_babes_mia_sepa: 'completed', [sessionId('setup')]: 'completed' });
}, 120_000);

test('a generated stream of 300 events with duplicates out of order: every distinct event processed once, nothing dead-lettered', async () => {
  const stack = synthesizeBabesClub();
  const events = generatedStream(300, 7);
  const distinct = new Set(events.map((e) => e.detail.id)).size;
  const report = await replay({ stack, events, ddb: { endpoint: ddbEndpoint(), client }, tablePrefix: `replay-gen-${Date.now()}-` });
  expect(report.counts.dlq).toBe(0);
  expect(report.counts.processed).toBe(distinct);
  expect(report.counts.duplicate).toBe(events.length - distinct);
  const items = await commerceItems(report);
  const orders = items.filter((i) => i.type === 'ORDER');
  expect(orders).toHaveLength(new Set(events.filter((e) => e['detail-type'] === 'checkout.session.completed').map((e) => e.detail.data.object.id)).size);
  // Refunds never exceed what was paid.
  expect(orders.filter((o) => o.amountRefunded > o.amount)).toEqual([]);
  expect(orders.filter((o) => o.amountRefunded !== undefined).length).toBeGreaterThan(20);

  // Each event's effect, committed with its idempotency record, is in the items' audit trails exactly once;
  // an event its handler decided needs no change (a stale subscription update) left none.
  const trail = new Map<string, number>();
  for (const id of items.flatMap((i) => (i.stripeEvents ?? []) as string[])) trail.set(id, (trail.get(id) ?? 0) + 1);
  const processed = report.events.flatMap((e) => e.deliveries.filter((d) => d.outcome === 'processed').map((d) => ({ id: e.stripeEventId!, result: d.result as Record<string, unknown> })));
  const wrong = processed.filter(({ id, result }) => (trail.get(id) ?? 0) !== (result.changed === false || 'ignored' in result ? 0 : 1));
  expect(wrong).toEqual([]);
  expect(processed.filter(({ result }) => result.changed !== false).length).toBeGreaterThan(distinct / 2);
}, 120_000);
