/**
 * examples/platform-accounts/replay: the stream and the Stripe objects are what replay/stream.ts writes (regenerate
 * with `npx ts-node replay/stream.ts` in the example), every account follows Stripe's v2 OpenAPI spec, and every
 * event is a thin event the pinned SDK knows, for the example's own handlers.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { events, stripeObjects } from '../../examples/platform-accounts/replay/stream';
import { StripeObjects } from '../../src/cli/local/stripe-api/objects';
import { STRIPE_THIN_EVENT_TYPES } from '../../src/private/stripe-event-types.generated';

const REPLAY = path.join(__dirname, '..', '..', 'examples', 'platform-accounts', 'replay');

test('replay/events.jsonl and replay/stripe-objects.json are what replay/stream.ts writes', () => {
  expect(fs.readFileSync(path.join(REPLAY, 'events.jsonl'), 'utf8')).toBe(`${events().map((e) => JSON.stringify(e)).join('\n')}\n`);
  expect(fs.readFileSync(path.join(REPLAY, 'stripe-objects.json'), 'utf8')).toBe(`${JSON.stringify(stripeObjects(), null, 2)}\n`);
});

test('the accounts match Stripe\'s v2 spec strictly, and every event is a thin type of the pinned SDK', () => {
  const objects = new StripeObjects();
  objects.addSeedFile(path.join(REPLAY, 'stripe-objects.json'));
  expect(objects.errors).toEqual([]);
  expect(objects.notes).toEqual([]);
  const types = events().map((e) => e['detail-type'] ?? e.type);
  expect(types.filter((t) => !(STRIPE_THIN_EVENT_TYPES as readonly string[]).includes(t))).toEqual([]);
  expect(new Set(types)).toEqual(new Set(['v2.core.account.created', 'v2.core.account.updated', 'v2.core.account.closed', 'v2.core.account[requirements].updated']));
});
