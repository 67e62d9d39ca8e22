/**
 * The Babes Club's handlers against DynamoDB Local, on the commerce table as the synthesized template
 * declares it, with real Stripe samples (test/fixtures/data/stripe-events) and, where none exists, events
 * built around Stripe's own object fixtures (fixtures3.json). Each event gets its own evt_ id.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { commerceTableFrom, directContext, synthesizeBabesClub } from './support';
import { DATA, envelope, stripeEvent } from '../../examples/babes-club/replay/stream';
import { ddbClient, ddbEndpoint } from '../support/local-stack';

// The handlers' DynamoDB client is created when their module loads: point the SDK at DynamoDB Local first.
process.env.AWS_ENDPOINT_URL_DYNAMODB = ddbEndpoint();
process.env.AWS_REGION = 'us-east-1';
process.env.AWS_ACCESS_KEY_ID = 'local';
process.env.AWS_SECRET_ACCESS_KEY = 'local';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const handlers = require('../../examples/babes-club/handlers') as typeof import('../../examples/babes-club/handlers');

type Json = Record<string, any>;
// The handlers hand their writes to `context.effects`; here it commits them directly, without the wrapper.
const ctx = directContext();
const sample = (file: string): Json => JSON.parse(fs.readFileSync(path.join(DATA, 'stripe-events', file), 'utf8'));
const fixture = (resource: string): Json => structuredClone(JSON.parse(fs.readFileSync(path.join(DATA, 'stripe-openapi', 'fixtures3.json'), 'utf8')).resources[resource]);
let nextId = 0;
const evt = (label: string) => `evt_1Test${label}${++nextId}`;

let client: DynamoDBClient;
async function item(PK: string, SK: string): Promise<Json | undefined> {
  const Key = { PK: { S: PK }, SK: { S: SK } };
  const out = await client.send(new GetItemCommand({ TableName: process.env.COMMERCE_TABLE, Key, ConsistentRead: true }));
  return out.Item ? unmarshall(out.Item) : undefined;
}

beforeAll(async () => {
  client = ddbClient();
  process.env.COMMERCE_TABLE = await commerceTableFrom(synthesizeBabesClub(), client);
}, 120_000);
afterAll(() => client.destroy());

/** A real checkout.session.completed sample, for a given shop user and session. */
function paidCheckout(userRef: string | null, sessionId: string, type = 'checkout.session.completed'): Json {
  const e = sample('checkout.session.completed__stripe-sync-engine.json');
  const session = { ...e.data.object, id: sessionId, client_reference_id: userRef, payment_intent: `pi_${sessionId}` };
  return envelope(stripeEvent(evt('Checkout'), type, session, e.created));
}

describe('checkout.session.completed and async_payment_succeeded', () => {
  test('a paid session writes the order under the user and completes the session', async () => {
    const event = paidCheckout('ava-001', 'cs_test_order1');
    const result = await handlers.checkoutPaid(event as any, ctx);
    const created = event.detail.data.object.created;
    expect(result).toEqual({ order: { PK: 'USER#ava-001', SK: `ORDER#${created}#cs_test_order1` }, session: 'cs_test_order1' });
    expect(await item('USER#ava-001', `ORDER#${created}#cs_test_order1`)).toMatchObject({
      type: 'ORDER', amount: 999, currency: 'eur', email: 'billz@supabase.io', status: 'paid', paymentIntent: 'pi_cs_test_order1', userId: 'ava-001',
    });
    expect(await item('CHECKOUT#cs_test_order1', 'SESSION')).toMatchObject({ status: 'completed', userId: 'ava-001' });
    expect(await item('PAYMENT_INTENT#pi_cs_test_order1', 'ORDER_REF')).toMatchObject({ orderPK: 'USER#ava-001' });
  });

  test('the second event for the same session (async_payment_succeeded) leaves one identical order', async () => {
    const first = paidCheckout('bea-002', 'cs_test_twice');
    const second = paidCheckout('bea-002', 'cs_test_twice', 'checkout.session.async_payment_succeeded');
    await handlers.checkoutPaid(first as any, ctx);
    const { stripeEvents, ...before } = (await item('USER#bea-002', `ORDER#${first.detail.data.object.created}#cs_test_twice`))!;
    expect(stripeEvents).toEqual([first.detail.id]);
    await handlers.checkoutPaid(second as any, ctx);
    const after = (await item('USER#bea-002', `ORDER#${first.detail.data.object.created}#cs_test_twice`))!;
    expect({ ...after, stripeEvents: undefined }).toEqual({ ...before, stripeEvents: undefined });
    // The audit trail names both events.
    expect(after.stripeEvents).toEqual([first.detail.id, second.detail.id]);
  });

  test('without a client_reference_id the order belongs to the Stripe customer', async () => {
    const result = await handlers.checkoutPaid(paidCheckout(null, 'cs_test_customer') as any, ctx);
    expect(result).toMatchObject({ order: { PK: 'USER#cus_IhGfebO16cMIGN' } });
  });

  test.each([
    ['user#42/../ADMIN', 'USER#user_42____ADMIN'],
    ['  spaced out  ', 'USER#spaced_out'],
    ['###', 'USER#cus_IhGfebO16cMIGN'],
  ])('a user id %j is sanitised before it becomes a key part', async (ref, pk) => {
    const result = await handlers.checkoutPaid(paidCheckout(ref, `cs_test_${Buffer.from(ref).toString('hex')}`) as any, ctx);
    expect(result).toMatchObject({ order: { PK: pk } });
  });

  test('an unpaid completed session (delayed payment) waits; the async success then writes the order', async () => {
    const session: Json = { ...fixture('checkout.session'), id: 'cs_test_delayed', client_reference_id: 'mia-007', amount_total: 12500, currency: 'eur', payment_intent: 'pi_delayed' };
    const unpaid = envelope(stripeEvent(evt('Unpaid'), 'checkout.session.completed', { ...session, payment_status: 'unpaid' }, 1764144000));
    expect(await handlers.checkoutPaid(unpaid as any, ctx)).toEqual({ order: null, session: 'cs_test_delayed', sessionStatus: 'awaiting_payment' });
    expect(await item('CHECKOUT#cs_test_delayed', 'SESSION')).toMatchObject({ status: 'awaiting_payment' });
    expect(await item('USER#mia-007', `ORDER#${session.created}#cs_test_delayed`)).toBeUndefined();

    const paid = envelope(stripeEvent(evt('AsyncPaid'), 'checkout.session.async_payment_succeeded', { ...session, payment_status: 'paid' }, 1764144000 + 86400));
    await handlers.checkoutPaid(paid as any, ctx);
    expect(await item('USER#mia-007', `ORDER#${session.created}#cs_test_delayed`)).toMatchObject({ status: 'paid', amount: 12500 });
    expect(await item('CHECKOUT#cs_test_delayed', 'SESSION')).toMatchObject({ status: 'completed' });
  });

  test('a setup-mode session (no payment required, a real sample) completes without an order', async () => {
    const e = sample('checkout.session.completed__stripe-ruby-mock-setup_mode.json');
    const result = await handlers.checkoutPaid(envelope({ ...e, id: evt('Setup') }) as any, ctx);
    expect(result).toEqual({ order: null, session: 'cs_00000000000000', sessionStatus: 'completed' });
  });
});

describe('checkout.session.expired and async_payment_failed', () => {
  test.each([
    ['checkout.session.expired', 'expired'],
    ['checkout.session.async_payment_failed', 'payment_failed'],
  ])('%s sets the session status to %s', async (type, status) => {
    const session = { ...fixture('checkout.session'), id: `cs_test_${status}` };
    const result = await handlers.checkoutClosed(envelope(stripeEvent(evt('Closed'), type, session, 1764144000)) as any, ctx);
    expect(result).toEqual({ order: null, session: session.id, sessionStatus: status });
    expect(await item(`CHECKOUT#${session.id}`, 'SESSION')).toMatchObject({ status });
  });

  test('a completed session stays completed when an expiry arrives late', async () => {
    await handlers.checkoutPaid(paidCheckout('ivy-004', 'cs_test_late_expiry') as any, ctx);
    const late = envelope(stripeEvent(evt('LateExpiry'), 'checkout.session.expired', { ...fixture('checkout.session'), id: 'cs_test_late_expiry' }, 1764144000));
    expect(await handlers.checkoutClosed(late as any, ctx)).toEqual({ ignored: 'the session is already completed', session: 'cs_test_late_expiry' });
    expect(await item('CHECKOUT#cs_test_late_expiry', 'SESSION')).toMatchObject({ status: 'completed' });
  });
});

describe('charge.refunded', () => {
  function refundOf(paymentIntent: string | null, amountRefunded: number, refunded = true): Json {
    const e = sample('charge.refunded__stripe-sync-engine.json');
    return envelope(stripeEvent(evt('Refund'), 'charge.refunded', { ...e.data.object, payment_intent: paymentIntent, amount_refunded: amountRefunded, refunded }, e.created));
  }

  test('marks the order found through its payment intent refunded', async () => {
    const checkout = paidCheckout('ava-001', 'cs_test_refund');
    await handlers.checkoutPaid(checkout as any, ctx);
    const result = await handlers.chargeRefunded(refundOf('pi_cs_test_refund', 999) as any, ctx);
    const SK = `ORDER#${checkout.detail.data.object.created}#cs_test_refund`;
    expect(result).toEqual({ order: { PK: 'USER#ava-001', SK }, status: 'refunded', amountRefunded: 999 });
    expect(await item('USER#ava-001', SK)).toMatchObject({ status: 'refunded', amountRefunded: 999 });
  });

  test('a partial refund, then a late smaller one: the larger refund stands', async () => {
    const checkout = paidCheckout('kai-006', 'cs_test_partial');
    await handlers.checkoutPaid(checkout as any, ctx);
    await handlers.chargeRefunded(refundOf('pi_cs_test_partial', 500, false) as any, ctx);
    expect(await handlers.chargeRefunded(refundOf('pi_cs_test_partial', 200, false) as any, ctx)).toEqual({ ignored: 'order already has a larger refund than 200' });
    expect(await item('USER#kai-006', `ORDER#${checkout.detail.data.object.created}#cs_test_partial`)).toMatchObject({ status: 'partially_refunded', amountRefunded: 500 });
  });

  test('a refunded order stays refunded when a checkout event for it arrives late', async () => {
    const checkout = paidCheckout('lou-008', 'cs_test_late_checkout');
    await handlers.checkoutPaid(checkout as any, ctx);
    await handlers.chargeRefunded(refundOf('pi_cs_test_late_checkout', 999) as any, ctx);
    await handlers.checkoutPaid(paidCheckout('lou-008', 'cs_test_late_checkout', 'checkout.session.async_payment_succeeded') as any, ctx);
    expect(await item('USER#lou-008', `ORDER#${checkout.detail.data.object.created}#cs_test_late_checkout`)).toMatchObject({ status: 'refunded' });
  });

  test('a refund before its order fails, so that Lambda retries it', async () => {
    await expect(handlers.chargeRefunded(refundOf('pi_not_yet', 100) as any, ctx)).rejects.toThrow(/no order for payment intent pi_not_yet yet/);
  });

  test('a charge without a payment intent (a real sample) is not a Checkout order', async () => {
    const e = sample('charge.refunded__stripe-ruby-mock.json');
    expect(await handlers.chargeRefunded(envelope({ ...e, id: evt('Direct') }) as any, ctx)).toEqual({
      ignored: 'charge ch_000000000000000000000000 has no payment intent, so it is not a Checkout order',
    });
  });
});

describe('customer.subscription.* and invoice.payment_failed', () => {
  function subscriptionEvent(type: string, sub: Json, created = 1764144000, previous?: Json): Json {
    return envelope(stripeEvent(evt('Sub'), type, sub, created, previous));
  }
  /** A subscription event through the handler, with a context bound to the event (for putLatest). */
  const membershipOf = (event: Json) => handlers.subscriptionChanged(event as any, directContext(event));
  const base = () => {
    const e = sample('customer.subscription.created__stripe-sync-engine.json');
    return { ...e.data.object, metadata: { userId: 'sam-010' } } as Json;
  };

  test('a real customer.subscription.created sample writes its membership row and the event to its audit trail', async () => {
    const sub = { ...base(), id: 'sub_test_created', metadata: { userId: 'sam-010' } };
    const event = subscriptionEvent('customer.subscription.created', sub);
    expect(await membershipOf(event)).toEqual({ subscription: 'sub_test_created', user: 'sam-010', written: true, decision: 'newer' });
    expect(await item('USER#sam-010', 'MEMBERSHIP#sub_test_created')).toMatchObject({
      type: 'MEMBERSHIP', status: 'active', stripeStatus: 'active', subscriptionId: 'sub_test_created', currentPeriodEnd: 1625740918, cancelAtPeriodEnd: false,
    });
    expect(await item('USER#sam-010', 'EVENTS#MEMBERSHIP#sub_test_created')).toMatchObject({ stripeEvents: [event.detail.id] });
  });

  test('out of order: the renewal first, then the creation — the row keeps the renewal, and both events are in the audit trail', async () => {
    const sub: Json = { ...base(), id: 'sub_test_ooo', metadata: { userId: 'tom-011' } };
    const renewed = { ...sub, current_period_end: sub.current_period_end + 30 * 86400 };
    const renewal = subscriptionEvent('customer.subscription.updated', renewed, 1764144000 + 30 * 86400);
    const creation = subscriptionEvent('customer.subscription.created', sub);
    await membershipOf(renewal);
    expect(await membershipOf(creation)).toMatchObject({ written: false, decision: 'older' });
    expect(await item('USER#tom-011', 'MEMBERSHIP#sub_test_ooo')).toMatchObject({ currentPeriodEnd: renewed.current_period_end, status: 'active' });
    expect((await item('USER#tom-011', 'EVENTS#MEMBERSHIP#sub_test_ooo'))?.stripeEvents).toEqual([renewal.detail.id, creation.detail.id]);
  });

  test('canceled is final: a real customer.subscription.deleted, then a stale active update of the same second', async () => {
    const deleted = sample('customer.subscription.deleted__stripe-ruby-mock.json');
    const sub = { ...deleted.data.object, metadata: { userId: 'uma-012' } };
    const event = envelope({ ...deleted, id: evt('Deleted'), data: { object: sub } });
    await membershipOf(event);
    expect(await membershipOf(subscriptionEvent('customer.subscription.updated', { ...sub, status: 'active' }, deleted.created))).toMatchObject({ written: false, decision: 'older' });
    expect(await item('USER#uma-012', `MEMBERSHIP#${sub.id}`)).toMatchObject({ status: 'canceled' });
  });

  test('past_due, then the recovery a day later: the row follows; the older past_due delivered again does not undo it', async () => {
    const sub = { ...fixture('subscription'), id: 'sub_1234', status: 'past_due', metadata: { userId: 'vic-013' }, created: 1745000000 };
    const failed = subscriptionEvent('customer.subscription.updated', sub, 1764144000, { status: 'active' });
    const recovered = subscriptionEvent('customer.subscription.updated', { ...sub, status: 'active' }, 1764144000 + 86400, { status: 'past_due' });
    await membershipOf(failed);
    expect(await item('USER#vic-013', 'MEMBERSHIP#sub_1234')).toMatchObject({ status: 'past_due', stripeStatus: 'past_due' });
    await membershipOf(recovered);
    expect(await membershipOf({ ...failed, id: 'redelivered-from-the-archive', detail: { ...failed.detail, id: evt('Again') } })).toMatchObject({ written: false });
    expect(await item('USER#vic-013', 'MEMBERSHIP#sub_1234')).toMatchObject({ status: 'active' });
  });

  test('in one second, statuses that can go back and forth are for Stripe to decide: without a Stripe API the event fails (and is retried)', async () => {
    const sub = { ...fixture('subscription'), id: 'sub_test_tie', status: 'active', metadata: { userId: 'wes-014' }, created: 1745000000 };
    await membershipOf(subscriptionEvent('customer.subscription.updated', sub));
    await expect(membershipOf(subscriptionEvent('customer.subscription.updated', { ...sub, status: 'past_due' }))).rejects.toThrow(/could not decide its order/);
  });

  test('a real invoice.payment_failed (2025 API shape) records the failed attempt for the member, once', async () => {
    const e = sample('invoice.payment_failed__pay-rails-data-only.json');
    const invoice = { ...e.object, customer: 'cus_test_vic' };
    invoice.parent.subscription_details.metadata = { userId: 'vic-013' };
    const event = envelope(stripeEvent(evt('InvoiceFailed'), 'invoice.payment_failed', invoice, 1764144000));
    const SK = `PAYMENT_FAILED#${invoice.id}#${invoice.attempt_count}`;
    expect(await handlers.invoicePaymentFailed(event as any, ctx)).toEqual({ notice: { PK: 'USER#vic-013', SK }, invoice: invoice.id, attempt: invoice.attempt_count });
    expect(await item('USER#vic-013', SK)).toMatchObject({ type: 'PAYMENT_FAILED', subscriptionId: 'sub_1234', stripeEvents: [event.detail.id] });
    // Another event about the same attempt (e.g. from the archive, after its record expired) adds nothing.
    const again = envelope(stripeEvent(evt('InvoiceFailedAgain'), 'invoice.payment_failed', invoice, 1764144000));
    expect(await handlers.invoicePaymentFailed(again as any, ctx)).toEqual({ ignored: `attempt ${invoice.attempt_count} of invoice ${invoice.id} is already noted` });
  });

  test('an invoice without a subscription (a real sample) is ignored', async () => {
    const e = sample('invoice.payment_failed__stripe-ruby-mock.json');
    expect(await handlers.invoicePaymentFailed(envelope({ ...e, id: evt('OneOff') }) as any, ctx)).toEqual({
      ignored: 'invoice in_000000000000000000000000 is not a subscription invoice',
    });
  });
});
