/**
 * The thin events figures of docs/performance-and-cost.md and docs/thin-events.md are what `npx projen bench:thin`
 * wrote to bench/results/latest.json, and the recorded run kept the wrapper's promise: a thin event that fetches costs
 * the DynamoDB requests of a snapshot event (2 fresh with transactional effects, 1 duplicate), one Stripe API read per
 * processed event and none per duplicate, each event's effect exactly once.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readDoc, REPO_ROOT } from './support/readme';

const latest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'bench', 'results', 'latest.json'), 'utf8'));
const thin = latest.thin;
/** `5.5 %` for 0.055. */
const percent = (share: number) => `${Number((share * 100).toFixed(1))} %`;
const ms = (n: number) => n.toFixed(2);

test('the recorded run kept the promise: 2 DynamoDB requests per fresh thin event, 1 per duplicate, one Stripe read per processed event', () => {
  expect([latest.thin_ddb_requests_per_fresh_event, latest.thin_ddb_requests_per_duplicate]).toEqual([2, 1]);
  expect([latest.thin_stripe_requests_per_fresh_event, latest.thin_stripe_requests_per_duplicate]).toEqual([1, 0]);
  expect(Object.values(thin.targets).every((t: any) => t.met)).toBe(true);
  expect(typeof thin.correctness).toBe('string');
  expect(thin.environment.load_average_1m_at_start).toEqual(expect.any(Number));
});

test('docs/performance-and-cost.md\'s thin events section is the recorded run', () => {
  const page = readDoc('docs/performance-and-cost.md');
  const section = page.slice(page.indexOf('## Thin events'), page.indexOf('## Cost per million Stripe events'));
  const [c1, c10] = [thin.results.concurrency_1_fresh, thin.results.concurrency_10_fresh];
  expect(section).toContain(`| fresh, sequential: p50 / p99 ms | ${ms(c1.snapshot_p50_ms)} / ${ms(c1.snapshot_p99_ms)} | ${ms(c1.thin_p50_ms)} / ${ms(c1.thin_p99_ms)} |`);
  expect(section).toContain(`| fresh, concurrency 10: p50 / p99 ms | ${ms(c10.snapshot_p50_ms)} / ${ms(c10.snapshot_p99_ms)} | ${ms(c10.thin_p50_ms)} / ${ms(c10.thin_p99_ms)} |`);
  expect(section).toContain(`| fresh, concurrency 10: events per second | ${c10.snapshot_events_per_second} | ${c10.thin_events_per_second} |`);
  expect(section).toContain(`| – | ${ms(c1.fetch_p50_ms)} ms / ${ms(c10.fetch_p50_ms)} ms |`);
  expect(section).toContain(`| ${latest.thin_ddb_requests_per_fresh_event} / ${latest.thin_ddb_requests_per_duplicate} | ${latest.thin_ddb_requests_per_fresh_event} / ${latest.thin_ddb_requests_per_duplicate} |`);
  expect(section).toContain(`| ${thin.cold_first_invoke_ms.snapshot} ms | ${thin.cold_first_invoke_ms.thin} ms |`);
  expect(section).toContain(`${latest.thin_latency_ratio_vs_snapshot.toFixed(2)}× a snapshot event's p50 latency`);
  expect(section).toContain(`(${c1.latency_p50_ratio.toFixed(2)}× sequentially)`);
  expect(section).toContain(`the fetch is ${percent(latest.thin_fetch_share_of_latency)} of its p50 (${percent(c1.fetch_share_of_latency)} sequentially)`);
  expect(section).toContain(`(load average ${thin.environment.load_average_1m_at_start} to ${thin.environment.load_average_1m_at_end})`);
  expect(section).toContain(`${thin.config.events_per_phase} \`v2.core.account.updated\` events`);
  expect(section).toContain(`medians of ${thin.config.runs} runs`);
});

test('docs/thin-events.md states the recorded cost of a thin event', () => {
  const page = readDoc('docs/thin-events.md');
  expect(page).toContain(`the fetch was ${percent(latest.thin_fetch_share_of_latency)} of its p50 latency at concurrency 10, and its p50 ${latest.thin_latency_ratio_vs_snapshot.toFixed(2)}× the snapshot`);
  expect(page).toContain(`makes the same ${latest.thin_ddb_requests_per_fresh_event} DynamoDB requests per`);
});
