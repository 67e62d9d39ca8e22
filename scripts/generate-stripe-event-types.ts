/**
 * Writes src/private/stripe-event-types.generated.ts from the installed `stripe` package: every member
 * of the `Stripe.Event.Type` union (its snapshot event types), the `type` of every member of the
 * `Stripe.V2.Core.EventNotification` union (its thin event types) and the API version the SDK pins.
 * Run with `npx projen gen:stripe-event-types` after upgrading `stripe`; a test fails while they differ.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readStripePackageFacts, renderEventTypesModule } from './stripe-package-facts';

const out = path.join(__dirname, '..', 'src', 'private', 'stripe-event-types.generated.ts');
fs.writeFileSync(out, renderEventTypesModule(readStripePackageFacts()));
console.log(`wrote ${path.relative(process.cwd(), out)}`);
