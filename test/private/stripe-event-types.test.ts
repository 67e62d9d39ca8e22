import * as fs from 'node:fs';
import * as path from 'node:path';
import { readStripePackageFacts, renderEventTypesModule } from '../../scripts/stripe-package-facts';
import { isThinEventType } from '../../src/contract/stripe';
import { STRIPE_EVENT_TYPES, STRIPE_THIN_EVENT_TYPES } from '../../src/private/stripe-event-types.generated';

test('the committed event-type lists (snapshot and thin) are exactly what the installed stripe package declares (run `npx projen gen:stripe-event-types` after upgrading it)', () => {
  const committed = fs.readFileSync(path.join(__dirname, '..', '..', 'src', 'private', 'stripe-event-types.generated.ts'), 'utf8');
  expect(committed).toBe(renderEventTypesModule(readStripePackageFacts()));
});

test('the list holds the snapshot types this library is used for, and no thin (v2) types', () => {
  expect(STRIPE_EVENT_TYPES.length).toBeGreaterThan(200);
  for (const type of ['checkout.session.completed', 'checkout.session.async_payment_succeeded', 'charge.refunded', 'customer.subscription.updated', 'invoice.payment_failed']) {
    expect(STRIPE_EVENT_TYPES).toContain(type);
  }
  expect(STRIPE_EVENT_TYPES.filter((t) => /^v\d+\./.test(t))).toEqual([]);
});

test('the thin list is every `type` of Stripe.V2.Core.EventNotification, and the version prefix tells the two styles apart', () => {
  expect(STRIPE_THIN_EVENT_TYPES.length).toBeGreaterThan(300);
  for (const type of ['v2.core.account.updated', 'v2.core.account[requirements].updated', 'v2.core.event_destination.ping',
    'v1.billing.meter.error_report_triggered', 'v1.billing.meter.no_meter_found', 'v1.checkout.session.completed', 'v2.money_management.outbound_payment.posted']) {
    expect(STRIPE_THIN_EVENT_TYPES).toContain(type);
  }
  expect(STRIPE_THIN_EVENT_TYPES.filter((t) => !isThinEventType(t))).toEqual([]);
  expect(STRIPE_EVENT_TYPES.filter(isThinEventType)).toEqual([]);
  expect(STRIPE_THIN_EVENT_TYPES.filter((t) => !/^v[12]\./.test(t))).toEqual([]);
});
