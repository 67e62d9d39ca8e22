/** How a replay reads: each event in stream order, and what its delivery attempts found, in words. */
import type { EventReport } from '../../../src/cli/local/replay';
import { describeEvent, detailLines, inStreamOrder, shortWhere } from '../../../src/cli/local/replay-output';

const report = (index: number, deliveries: EventReport['deliveries']): EventReport => ({
  index,
  stripeEventId: 'evt_1BabesAvaCheckout',
  type: 'checkout.session.completed',
  deliveries,
});

test('a duplicate found on a retry says that the first attempt found the event in progress in another delivery', () => {
  const line = describeEvent(report(0, [{
    handler: 'CheckoutPaid',
    outcome: 'duplicate',
    attempts: 2,
    failedAttempts: [{ outcome: 'in_progress', error: 'IdempotencyAlreadyInProgressError: …', at: [], output: [] }],
    output: [],
  }]), 'events.jsonl:1');
  expect(line.replace(/ +/g, ' ')).toBe(
    'events.jsonl:1 evt_1BabesAvaCheckout checkout.session.completed → CheckoutPaid: duplicate on attempt 2 (attempt 1 found the event in progress in another delivery; Lambda retried)',
  );
});

test('a delivery that succeeded on a retry names the error of each failed attempt', () => {
  const line = describeEvent(report(0, [{
    handler: 'Refunds',
    outcome: 'processed',
    attempts: 3,
    failedAttempts: [{ outcome: 'failed', error: 'OrderNotFoundYetError: no order yet', at: [], output: [] }, { outcome: 'in_progress', error: 'x', at: [], output: [] }],
    output: [],
  }]), 'e.jsonl:7');
  expect(line).toMatch(/→ Refunds: processed on attempt 3 \(attempt 1 failed: OrderNotFoundYetError: no order yet; attempt 2 found the event in progress in another delivery; Lambda retried\)$/);
});

test('events finishing in any order are printed in stream order, each as soon as all before it are done', () => {
  const printed: number[] = [];
  const print = inStreamOrder((r) => printed.push(r.index));
  for (const i of [2, 0, 3, 1, 4]) print(report(i, []));
  expect(printed).toEqual([0, 1, 2, 3, 4]);
  expect([shortWhere('/a/b/events.jsonl:3'), shortWhere('standard input:2'), shortWhere('dir/x.json[1]')]).toEqual(['events.jsonl:3', 'stdin:2', 'x.json[1]']);
});

test('under an event: failed attempts that failed alike once, others each; an in-progress attempt and a Stripe-invalid event none', () => {
  const at = ['at handler (handlers/refunds.js:3:11)'];
  const lines = detailLines(report(0, [{
    handler: 'Refunds',
    outcome: 'dlq',
    attempts: 3,
    failedAttempts: [
      { outcome: 'failed', error: 'OrderNotFoundYetError: no order yet', at, output: ['looking up ch_1'] },
      { outcome: 'in_progress', error: 'IdempotencyAlreadyInProgressError: …', at: [], output: [] },
    ],
    error: 'TypeError: x is null',
    at,
    output: ['looking up ch_1', 'found nothing'],
  }]));
  expect(lines).toEqual([
    '    Refunds attempt 1: OrderNotFoundYetError: no order yet',
    '      at handler (handlers/refunds.js:3:11)',
    '      | looking up ch_1',
    '    Refunds attempt 3: TypeError: x is null',
    '      at handler (handlers/refunds.js:3:11)',
    '      | looking up ch_1',
    '      | found nothing',
  ]);
  const invalid = { ...report(0, [{ handler: 'Refunds', outcome: 'dlq', attempts: 3, failedAttempts: [], error: 'InvalidStripeEventError: MISSING_EVENT_ID', at: [], output: [] }]), invalidReason: 'MISSING_EVENT_ID' };
  expect(detailLines(invalid, true)).toEqual([]);
});
