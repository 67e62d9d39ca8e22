/**
 * How long the offline EventBridge pattern matcher takes to match one Stripe event against 300 rules, the
 * per-bus quota (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html). Run with
 * `npx projen bench:patterns`.
 *
 * The rules look like the ones StripeEventBridgeIntegration creates (src/private/rule-pattern.ts): a
 * `source` prefix, `detail-type` as exact types and (for at most 30 rules, EventBridge's limit for rules
 * with wildcards) a trailing wildcard, and on some rules a `detail` filter (livemode, amounts, currency,
 * `$or`, `exists`, `anything-but`). The events are real Stripe samples in the envelope Stripe delivers: a
 * checkout.session.completed and the largest sample in the repository. Each timed round parses the event
 * once and matches it against all 300 compiled rules, which is what routing one event costs; the figure
 * is the median of many rounds.
 *
 * It then times compiling patterns built to be expensive (bench/pattern-compiling.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { benchmarkCompiling } from './pattern-compiling';
import { EventPattern, parseEvent, toEventBridgeEvent } from '../src/event-pattern';
import { STRIPE_EVENT_TYPES } from '../src/private/stripe-event-types.generated';

const RULES = 300;
const WILDCARD_RULES = 30;
const ROUNDS = 2000;
const BUDGET_MS = 1;

const SAMPLES = ['checkout.session.completed__stripe-ruby-mock.json', 'payment_intent.requires_action__stripe-ruby-mock.json'];

function envelope(file: string): { type: string; json: string } {
  const sample = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'test', 'fixtures', 'data', 'stripe-events', file), 'utf8'));
  return { type: sample.type, json: JSON.stringify(toEventBridgeEvent(sample, { source: 'aws.partner/stripe.com/ed_61Qbench' })) };
}
const events = SAMPLES.map(envelope);

function rule(i: number): object {
  const types = [0, 1, 2].map((k) => STRIPE_EVENT_TYPES[(i * 7 + k * 31) % STRIPE_EVENT_TYPES.length]);
  const detailType: unknown[] = [...types];
  if (i < WILDCARD_RULES) detailType.push({ wildcard: `${types[0].split('.')[0]}.*` });
  // Every 25th rule also takes one of the events under test, so some rules match.
  if (i % 25 === 0) detailType.push(events[(i / 25) % events.length].type);
  const pattern: Record<string, unknown> = { 'source': [{ prefix: 'aws.partner/stripe.com' }], 'detail-type': detailType };
  switch (i % 5) {
    case 1:
      pattern.detail = { livemode: [i % 2 === 0] };
      break;
    case 2:
      pattern.detail = { data: { object: { amount_total: [{ numeric: ['>=', i * 10] }], currency: ['usd', 'eur', { 'equals-ignore-case': 'GBP' }] } } };
      break;
    case 3:
      pattern.detail = { $or: [{ livemode: [false] }, { data: { object: { payment_status: [{ 'anything-but': 'unpaid' }] } } }] };
      break;
    case 4:
      pattern.detail = { data: { object: { customer: [{ exists: true }], metadata: { order_id: [{ prefix: 'ord_' }] } } } };
      break;
    default:
      break;
  }
  return pattern;
}

const patterns = Array.from({ length: RULES }, (_, i) => EventPattern.compile(rule(i)));

function measure(eventJson: string): { matched: number; median: number; p95: number } {
  const round = (): number => {
    const event = parseEvent(eventJson);
    let matched = 0;
    for (const p of patterns) if (p.matches(event)) matched++;
    return matched;
  };
  const matched = round();
  for (let i = 0; i < 200; i++) round(); // warm up
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const start = process.hrtime.bigint();
    round();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { matched, median: times[Math.floor(times.length / 2)], p95: times[Math.floor(times.length * 0.95)] };
}

console.log(`Offline EventBridge pattern matching: one event against ${RULES} rules (${WILDCARD_RULES} with wildcards), Node.js ${process.version}`);
let worst = 0;
for (const event of events) {
  const { matched, median, p95 } = measure(event.json);
  worst = Math.max(worst, median);
  console.log(`  ${event.type} (${event.json.length} bytes): ${median.toFixed(3)} ms per event, median of ${ROUNDS} rounds `
    + `(p95 ${p95.toFixed(3)} ms; parse + ${RULES} rules; ${matched} rules match)`);
}
console.log(`  budget ${BUDGET_MS} ms per event: ${worst < BUDGET_MS ? 'within' : 'EXCEEDED'}`);

console.log();
benchmarkCompiling();
