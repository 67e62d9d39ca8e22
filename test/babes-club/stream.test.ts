/**
 * The demo's streams read like a shop's real day: refunds never exceed what was paid, the duplicate share is the one
 * the docs state, and the generated customers are varied, plausible people (not one sample's e-mail on every order).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sanitizeUserId } from '../../examples/babes-club/handlers/keys';
import { defaultStream, GENERATED_DUPLICATE_SHARE, generatedStream } from '../../examples/babes-club/replay/stream';

/** The page that documents the demo's options. */
const DEMO_DOCS = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'local-development.md'), 'utf8');
const stream = generatedStream(1000);
const of = (type: string) => stream.filter((e) => e['detail-type'] === type).map((e) => e.detail.data.object);

test('the 1,000-event stream has the duplicate share docs/local-development.md states', () => {
  const duplicates = stream.length - new Set(stream.map((e) => e.detail.id)).size;
  expect(stream).toHaveLength(1000);
  expect(duplicates / stream.length).toBe(GENERATED_DUPLICATE_SHARE);
  const stated = /--count 1000 --quiet\s+# a generated 1,000-event stream \(~?(\d+) % duplicates/.exec(DEMO_DOCS);
  expect(stated).not.toBeNull();
  expect(Number(stated![1]) / 100).toBe(GENERATED_DUPLICATE_SHARE);
});

test('no refund in the 1,000-event stream exceeds what its order paid, in the order\'s currency', () => {
  const paid = new Map(of('checkout.session.completed').map((s) => [s.payment_intent, s]));
  const refunds = of('charge.refunded');
  expect(refunds.length).toBeGreaterThan(100);
  for (const charge of refunds) {
    const session = paid.get(charge.payment_intent);
    expect(session).toBeDefined();
    expect(charge.amount).toBe(session.amount_total);
    expect(charge.amount_refunded).toBeLessThanOrEqual(session.amount_total);
    expect(charge.currency).toBe(session.currency);
    expect(charge.refunded).toBe(charge.amount_refunded === charge.amount);
  }
  expect(refunds.some((c) => !c.refunded)).toBe(true); // some partial refunds too
});

test('generated customers are varied and plausible: user ids a shop would give, distinct e-mails, several prices', () => {
  const sessions = of('checkout.session.completed');
  const emails = new Set(sessions.map((s) => s.customer_details.email));
  expect(emails.size).toBeGreaterThanOrEqual(50);
  expect([...emails].every((e) => /^[a-z]+\.[a-z]+\d*@example\.com$/.test(e))).toBe(true);
  expect(sessions.every((s) => /^[a-z]+-\d{3}$/.test(s.client_reference_id))).toBe(true);
  expect(new Set(sessions.map((s) => s.amount_total)).size).toBeGreaterThanOrEqual(5);
  expect(sessions.every((s) => /^cs_test_[A-Za-z0-9]{24}$/.test(s.id))).toBe(true);
});

test('the default stream\'s orders belong to plausible customers: no sample e-mail, no user id the shop would have to sanitise', () => {
  const sessions = defaultStream().filter((e) => e['detail-type'] === 'checkout.session.completed' && e.detail.id?.startsWith('evt_')).map((e) => e.detail.data.object);
  for (const s of sessions.filter((x) => x.client_reference_id)) {
    expect(sanitizeUserId(s.client_reference_id)).toBe(s.client_reference_id);
  }
  expect(sessions.map((s) => s.customer_details?.email)).not.toContain('billz@supabase.io');
});
