/**
 * The Node.js and Python tables of docs/performance-and-cost.md are what `npx projen bench` and `bench:python` wrote
 * to bench/results/latest.json: every latency, throughput and cold init cell, and the figures quoted below them.
 * (The thin events section: thin-bench-results.test.ts.)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readDoc, REPO_ROOT } from './support/readme';

const latest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'bench', 'results', 'latest.json'), 'utf8'));
const page = readDoc('docs/performance-and-cost.md');
const ms = (n: number) => n.toFixed(2);

/** The table rows of the measured latencies and throughputs of `results`, for `variants`, as the page prints them. */
function rows(results: any, variants: readonly string[]): string[] {
  const cells = (mode: string, phase: string, kind: 'latency' | 'throughput') => variants.map((v) => {
    const r = results[mode][v][phase];
    return kind === 'latency' ? `${ms(r.p50_ms)} / ${ms(r.p99_ms)}` : r.events_per_second.toFixed(1);
  }).join(' | ');
  return [
    `| fresh, sequential: p50 / p99 ms | ${cells('concurrency_1', 'fresh', 'latency')} |`,
    `| fresh, concurrency 10: p50 / p99 ms | ${cells('concurrency_10', 'fresh', 'latency')} |`,
    `| fresh, concurrency 10: events per second | ${cells('concurrency_10', 'fresh', 'throughput')} |`,
    `| duplicates, sequential: p50 / p99 ms | ${cells('concurrency_1', 'duplicate', 'latency')} |`,
    `| duplicates, concurrency 10: p50 / p99 ms | ${cells('concurrency_10', 'duplicate', 'latency')} |`,
    `| duplicates, concurrency 10: events per second | ${cells('concurrency_10', 'duplicate', 'throughput')} |`,
  ];
}

test('the Node.js table and the ratios under it are the recorded benchmark', () => {
  const section = page.slice(page.indexOf('<!-- section:performance -->'), page.indexOf('### The wrapper\'s own CPU'));
  for (const row of rows(latest.results, ['bare', 'powertools', 'wrapper', 'transactional'])) expect(section).toContain(row);
  const c = latest.cold_init_ms;
  expect(section).toContain(`| ${c.bare} ms | ${c.powertools} ms | ${c.wrapper} ms | ${c.transactional} ms |`);
  const b = latest.bundle_bytes_by_variant;
  expect(section).toContain(`| ${[b.bare, b.powertools, b.wrapper, b.transactional].map((n: number) => `${n.toLocaleString('en-US')} B`).join(' | ')} |`);
  expect(section).toContain(`Cold init is ${latest.cold_init_above_powertools_ms.toFixed(1)} ms above (b)`);
  const r = latest.ratios_vs_powertools;
  const x = (n: number) => `${n.toFixed(3)}×`;
  const flat = section.replace(/\s+/g, ' ');
  expect(flat).toContain(`fresh events ${x(r.concurrency_1_fresh.latency_p50)} the p50 latency and ${x(r.concurrency_1_fresh.throughput)} the throughput`
    + ` sequentially, ${x(r.concurrency_10_fresh.latency_p50)} and ${x(r.concurrency_10_fresh.throughput)} at concurrency 10;`
    + ` duplicates ${x(r.concurrency_1_duplicate.latency_p50)} and ${x(r.concurrency_1_duplicate.throughput)} sequentially,`
    + ` ${x(r.concurrency_10_duplicate.latency_p50)} and ${x(r.concurrency_10_duplicate.throughput)} at concurrency 10`);
  expect(section).toContain(`(load average ${latest.environment.load_average_1m_at_start.toFixed(1)} at the start, ${latest.environment.load_average_1m_at_end.toFixed(1)} at the end`);
});

test('the Python table is the recorded benchmark', () => {
  const section = page.slice(page.indexOf('## Python handlers'), page.indexOf('## Thin events'));
  for (const row of rows(latest.python.results, ['bare', 'powertools', 'wrapper'])) expect(section).toContain(row);
  const c = latest.python_cold_init_ms;
  expect(section).toContain(`| cold init, median of 15 fresh processes | ${c.bare} ms | ${c.powertools} ms | ${c.wrapper} ms |`);
  expect(section).toContain(`Cold init is ${latest.python_cold_init_above_powertools_ms.toFixed(1)} ms above (b)`);
});
