/** How a replay reads: each event in stream order, and what its delivery attempts found, in words. */
import type { EventReport } from '../../../src/cli/local/replay';
import { describeEvent, inStreamOrder, shortWhere } from '../../../src/cli/local/replay-output';

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
    failedAttempts: [{ outcome: 'in_progress', error: 'IdempotencyAlreadyInProgressError: …' }],
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
    failedAttempts: [{ outcome: 'failed', error: 'OrderNotFoundYetError: no order yet' }, { outcome: 'in_progress', error: 'x' }],
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
