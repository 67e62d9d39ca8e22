import * as fs from 'node:fs';
import * as path from 'node:path';
import { readStripePackageFacts, renderEventTypesModule } from '../../scripts/stripe-package-facts';
import { STRIPE_EVENT_TYPES } from '../../src/private/stripe-event-types.generated';

test('the committed event-type list is exactly what the installed stripe package declares (run `npx projen gen:stripe-event-types` after upgrading it)', () => {
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
