/**
 * A realistic day of The Babes Club's Stripe events, built from real published Stripe samples
 * (test/fixtures/data/stripe-events; provenance in test/fixtures/data/SOURCES.md) and, where no sample
 * exists, from Stripe's own current object fixtures (stripe-openapi/fixtures3.json) wrapped in an event.
 * The samples reuse ids across files, so each event here gets its own `evt_` id; fields changed to tie
 * events together (a refund's payment intent, a subscription's user id) are set explicitly below.
 *
 * The stream holds duplicates in new envelopes, an out-of-order subscription pair, an event no rule
 * matches and one malformed event.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const DATA = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'data');
export const EVENT_SOURCE = 'aws.partner/stripe.com/ed_test_EXAMPLE';
const DAY = 86400;

type Json = Record<string, any>;

const sample = (file: string): Json => JSON.parse(fs.readFileSync(path.join(DATA, 'stripe-events', file), 'utf8'));
const fixture = (resource: string): Json => structuredClone(JSON.parse(fs.readFileSync(path.join(DATA, 'stripe-openapi', 'fixtures3.json'), 'utf8')).resources[resource]);

/** A deterministic UUID-shaped EventBridge id, so runs are repeatable. */
function envelopeId(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A Checkout Session id shaped like Stripe's (`cs_test_` and 24 letters and digits), the same for the same seed. */
export function sessionId(seed: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = createHash('sha256').update(`session:${seed}`).digest();
  return `cs_test_a1${[...bytes.subarray(0, 22)].map((b) => alphabet[b % alphabet.length]).join('')}`;
}

/** A Stripe snapshot event around `object`. */
export function stripeEvent(id: string, type: string, object: Json, created: number, previous?: Json): Json {
  return {
    id,
    object: 'event',
    api_version: '2026-10-28.endive',
    created,
    data: previous ? { object, previous_attributes: previous } : { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  };
}

/** The EventBridge envelope Stripe's destination delivers the event in; `delivery` varies the envelope id. */
export function envelope(event: Json, delivery = 1): Json {
  return {
    'version': '0',
    'id': envelopeId(`${event.id}#${delivery}`),
    'detail-type': event.type,
    'source': EVENT_SOURCE,
    'account': '123456789012',
    'time': new Date(event.created * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'region': 'us-east-1',
    'resources': [`arn:aws:events:us-east-1::event-source/${EVENT_SOURCE}`],
    'detail': event,
  };
}

/** The default stream: one of everything the shop's handlers care about, and the ways delivery goes wrong. */
export function defaultStream(): Json[] {
  const t0 = 1764144000; // 2025-11-26T08:00:00Z

  // Ava buys earrings (a real checkout.session.completed sample; the shop passes its user id).
  const ava = sample('checkout.session.completed__stripe-sync-engine.json');
  ava.data.object.client_reference_id = 'ava-001';
  ava.data.object.customer_details = { ...ava.data.object.customer_details, email: 'ava.martin@example.com', name: 'Ava Martin' };
  const avaPaid = { ...ava, id: 'evt_1BabesAvaCheckout' };

  // Liam buys a ring (another real checkout.session.completed sample, from a different library and API version).
  const liam = sample('checkout.session.completed__stripe-ruby-mock.json');
  Object.assign(liam.data.object, { id: sessionId('liam'), client_reference_id: 'liam-012', payment_intent: 'pi_3QBabesLiamRing' });
  liam.data.object.customer_details = { ...liam.data.object.customer_details, email: 'liam.okafor@example.com', name: 'Liam Okafor' };
  const liamPaid = { ...liam, id: 'evt_1BabesLiamCheckout' };

  // Mia pays by bank debit: completed (unpaid), then async_payment_succeeded (paid). From Stripe's fixture.
  const miaSession: Json = { ...fixture('checkout.session'), id: 'cs_test_babes_mia_sepa', client_reference_id: 'mia-007', amount_total: 12500, currency: 'eur', created: t0, status: 'complete', payment_intent: 'pi_babes_mia' };
  miaSession.customer_details = { ...miaSession.customer_details, email: 'mia@example.com' };
  const miaCompleted = stripeEvent('evt_1BabesMiaCompleted', 'checkout.session.completed', { ...miaSession, payment_status: 'unpaid' }, t0 + 60);
  const miaSucceeded = stripeEvent('evt_1BabesMiaAsyncPaid', 'checkout.session.async_payment_succeeded', { ...miaSession, payment_status: 'paid' }, t0 + 2 * DAY);

  // A card saved for later (setup mode, a real sample): the session completes, no order.
  const setupSample = sample('checkout.session.completed__stripe-ruby-mock-setup_mode.json');
  setupSample.data.object.id = sessionId('setup');
  const setup = { ...setupSample, id: 'evt_1BabesSetupMode' };

  // Abandoned and failed checkouts, from Stripe's fixture.
  const expired = stripeEvent('evt_1BabesExpired', 'checkout.session.expired', { ...fixture('checkout.session'), id: 'cs_test_babes_abandoned', status: 'expired', created: t0 }, t0 + DAY);
  const failed = stripeEvent('evt_1BabesAsyncFailed', 'checkout.session.async_payment_failed', { ...fixture('checkout.session'), id: 'cs_test_babes_bounced', client_reference_id: 'leo-003', status: 'complete', created: t0 }, t0 + 3 * DAY);

  // Ava returns the earrings: a real charge.refunded sample, tied to her order's payment intent.
  const refund = sample('charge.refunded__stripe-sync-engine.json');
  Object.assign(refund.data.object, {
    payment_intent: ava.data.object.payment_intent,
    amount: ava.data.object.amount_total,
    amount_captured: ava.data.object.amount_total,
    amount_refunded: ava.data.object.amount_total,
    currency: ava.data.object.currency,
  });
  const avaRefund = { ...refund, id: 'evt_1BabesAvaRefund' };

  // Ava's membership: a real subscription sample; the renewal's update arrives before the creation.
  const created = sample('customer.subscription.created__stripe-sync-engine.json');
  created.data.object.metadata = { userId: 'ava-001' };
  const subCreated = { ...created, id: 'evt_1BabesAvaSubCreated' };
  const renewed = structuredClone(created.data.object);
  renewed.current_period_start = created.data.object.current_period_end;
  renewed.current_period_end = created.data.object.current_period_end + 30 * DAY;
  const subRenewed = stripeEvent('evt_1BabesAvaSubRenewed', 'customer.subscription.updated', renewed, created.created + 30 * DAY, {
    current_period_start: created.data.object.current_period_start,
    current_period_end: created.data.object.current_period_end,
  });

  // Noah's renewal fails (a real invoice.payment_failed sample, 2025 API shape), and his subscription goes past_due…
  const noahInvoice = { ...sample('invoice.payment_failed__pay-rails-data-only.json').object, customer: 'cus_babes_noah' };
  noahInvoice.parent.subscription_details.subscription = 'sub_1QBabesNoahMonthly';
  noahInvoice.parent.subscription_details.metadata = { userId: 'noah-005' };
  const noahFailed = stripeEvent('evt_1BabesNoahInvoiceFailed', 'invoice.payment_failed', noahInvoice, t0 + 4 * DAY);
  // …and he pays a day later: his subscription goes from past_due back to active.
  const noahSub: Json = { ...fixture('subscription'), id: noahInvoice.parent.subscription_details.subscription, customer: 'cus_babes_noah', status: 'active', metadata: { userId: 'noah-005' }, created: t0 - 60 * DAY, cancel_at: null, canceled_at: null, ended_at: null };
  noahSub.items.data[0].current_period_end = Math.max(...noahInvoice.lines.data.map((l: Json) => l.period.end));
  const noahPastDue = stripeEvent('evt_1BabesNoahPastDue', 'customer.subscription.updated', { ...noahSub, status: 'past_due' }, t0 + 4 * DAY, { status: 'active' });
  const noahRecovered = stripeEvent('evt_1BabesNoahRecovered', 'customer.subscription.updated', noahSub, t0 + 5 * DAY, { status: 'past_due' });

  // Zoe cancels (a real customer.subscription.deleted sample).
  const zoeCanceled = sample('customer.subscription.deleted__stripe-ruby-mock.json');
  zoeCanceled.data.object.metadata = { userId: 'zoe-009' };
  zoeCanceled.data.object.id = 'sub_1QBabesZoeMonthly';
  const zoe = { ...zoeCanceled, id: 'evt_1BabesZoeCanceled' };

  // A Stripe event type the shop has no handler for (a real sample): no rule matches it.
  const customerCreated = { ...sample('customer.created__stripe-dotnet-connect-account.json'), id: 'evt_1BabesCustomerCreated' };

  // Malformed: a Checkout Session posted as if it were the event (detail has no evt_ id).
  const malformed = { ...envelope(avaPaid, 99), detail: ava.data.object };

  return [
    envelope(avaPaid),
    envelope(avaPaid, 2), // EventBridge redelivers in a new envelope
    envelope(liamPaid),
    envelope(miaCompleted),
    envelope(setup),
    envelope(expired),
    envelope(subRenewed), // out of order: the renewal first…
    envelope(subCreated), // …then the creation, which must not move the membership back
    envelope(miaSucceeded),
    envelope(failed),
    envelope(noahFailed),
    envelope(noahPastDue),
    envelope(customerCreated),
    envelope(avaRefund),
    envelope(noahRecovered),
    envelope(avaRefund, 2),
    envelope(zoe),
    malformed,
    envelope(subCreated, 2),
  ];
}

const FIRST_NAMES = ['ava', 'mia', 'liam', 'noah', 'zoe', 'emma', 'olivia', 'lucas', 'ines', 'hugo', 'chloe', 'leo', 'sofia', 'jules', 'nina', 'theo', 'lea', 'adam', 'maya', 'oscar'];
const LAST_NAMES = ['martin', 'bernard', 'dubois', 'okafor', 'nguyen', 'rossi', 'schmidt', 'garcia', 'kowalski', 'silva', 'murphy', 'jensen', 'haddad', 'moreau', 'novak'];
/** The shop's prices, in cents (euros): earrings, rings, necklaces, bracelets, a gift card. */
const PRICES = [2900, 3900, 4500, 5900, 6500, 8900, 12500, 999];

/** Member `m` of the generated stream: a user id the shop would give (`first-nnn`), a name and an e-mail. */
export function member(m: number): { userId: string; name: string; email: string } {
  const first = FIRST_NAMES[m % FIRST_NAMES.length];
  const last = LAST_NAMES[(m * 7) % LAST_NAMES.length];
  const cap = (w: string) => w[0].toUpperCase() + w.slice(1);
  return { userId: `${first}-${String(m).padStart(3, '0')}`, name: `${cap(first)} ${cap(last)}`, email: `${first}.${last}${m >= FIRST_NAMES.length ? m : ''}@example.com` };
}

/** The share of a generated stream's events that are redeliveries of an earlier event, in new envelopes. */
export const GENERATED_DUPLICATE_SHARE = 0.2;

/**
 * A long stream for load: `count` events cycling through checkouts (each a new order, from the real Checkout sample,
 * for one of 97 members at one of the shop's prices), refunds of earlier orders (in full, or half for every third; never
 * more than was paid) and subscription updates, 20 % of them duplicates in new envelopes, delivered out of order.
 */
export function generatedStream(count: number, seed = 1): Json[] {
  let state = seed >>> 0 || 1;
  const random = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const base = sample('checkout.session.completed__stripe-sync-engine.json');
  const refundSample = sample('charge.refunded__stripe-sync-engine.json');
  const subSample = sample('customer.subscription.created__stripe-sync-engine.json');
  const price = (i: number) => PRICES[(i * 5 + Math.floor(i / 7)) % PRICES.length];
  const events: Json[] = [];
  const distinct = count - Math.round(count * GENERATED_DUPLICATE_SHARE);
  for (let i = 0; i < distinct; i++) {
    const n = String(i).padStart(6, '0');
    const kind = i % 10;
    let event: Json;
    if (kind < 6 || i < 10) {
      const who = member(i % 97);
      const session = {
        ...structuredClone(base.data.object),
        id: sessionId(`gen-${i}`),
        client_reference_id: who.userId,
        payment_intent: `pi_3QGen${n}`,
        amount_subtotal: price(i),
        amount_total: price(i),
        created: base.data.object.created + i,
      };
      session.customer_details = { ...session.customer_details, email: who.email, name: who.name };
      event = stripeEvent(`evt_1Gen${n}Checkout`, 'checkout.session.completed', session, base.created + i);
    } else if (kind < 8) {
      // Refunds the checkout six events earlier (i % 10 is 0 or 1 there: a checkout): in full, or half of it.
      const paid = price(i - 6);
      const refunded = i % 3 === 0 ? Math.floor(paid / 2) : paid;
      const charge = {
        ...structuredClone(refundSample.data.object),
        id: `ch_3QGen${n}`,
        payment_intent: `pi_3QGen${String(i - 6).padStart(6, '0')}`,
        amount: paid,
        amount_captured: paid,
        amount_refunded: refunded,
        currency: base.data.object.currency,
        refunded: refunded === paid,
      };
      event = stripeEvent(`evt_1Gen${n}Refund`, 'charge.refunded', charge, base.created + i);
    } else {
      const who = member(i % 50);
      const sub = { ...structuredClone(subSample.data.object), id: `sub_1QGen${String(i % 50).padStart(3, '0')}`, metadata: { userId: who.userId }, current_period_end: subSample.data.object.current_period_end + i * 60 };
      event = stripeEvent(`evt_1Gen${n}Sub`, 'customer.subscription.updated', sub, base.created + i);
    }
    events.push(envelope(event));
  }
  while (events.length < count) {
    const original = events[Math.floor(random() * distinct)];
    events.push(envelope(original.detail, 2 + events.length));
  }
  // Shuffle: EventBridge promises no order…
  for (let i = events.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [events[i], events[j]] = [events[j], events[i]];
  }
  // …but a refund cannot precede the purchase it refunds by days, as it could in a shuffle: move each
  // refund after the first delivery of its checkout.
  const refunds = events.filter((e) => e['detail-type'] === 'charge.refunded');
  const ordered = events.filter((e) => e['detail-type'] !== 'charge.refunded');
  for (const refund of refunds) {
    const checkout = ordered.findIndex((e) => e['detail-type'] === 'checkout.session.completed' && e.detail.data.object.payment_intent === refund.detail.data.object.payment_intent);
    const at = Math.max(checkout + 1, Math.floor(random() * (ordered.length + 1)));
    ordered.splice(at, 0, refund);
  }
  return ordered;
}
