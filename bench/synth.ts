/**
 * Synthesis at scale: how long `app.synth()` takes for 10, 100 and 300 handlers (examples/many-handlers, each
 * handler its own event type, function and rule), the largest template of the 300-handler app, the alarms of
 * examples/babes-club and of the 300-handler app, their fixed monthly cost (list prices, and with CloudWatch's free
 * tier) and the metrics on their dashboards (the free tier covers a dashboard of up to 50). Adds these figures to
 * bench/results/latest.json, keeping the others. Not part of the tests.
 *
 *   npx projen bench:synth
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { writeResults } from './results';
import { BabesClubStack } from '../examples/babes-club/lib/babes-club-stack';
import { ManyHandlersStack } from '../examples/many-handlers/lib/many-handlers-stack';
import { fixedMonthlyCost } from '../src/cli/cost/fixed-cost';

const ROOT = path.join(__dirname, '..');
const OUT = path.join(ROOT, '.tmp', 'bench-synth');
const RUNS = Number(process.env.BENCH_SYNTH_RUNS ?? 3);

function synth(handlers: number): { ms: number; dir: string } {
  const dir = path.join(OUT, String(handlers));
  fs.rmSync(dir, { recursive: true, force: true });
  const started = process.hrtime.bigint();
  const app = new App({ outdir: dir });
  new ManyHandlersStack(app, 'ManyHandlers', { handlers });
  app.synth();
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, dir };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const loadAtStart = Number(os.loadavg()[0].toFixed(2));
synth(10); // warm-up: module loading and the first asset hashing are not synthesis
const figures: Record<string, number> = {};
for (const n of [10, 100, 300]) {
  const times = Array.from({ length: RUNS }, () => synth(n).ms);
  figures[`synth_ms_${n}`] = Math.round(median(times));
  console.log(`${n} handlers: synth ${times.map((t) => Math.round(t)).join(', ')} ms (median ${figures[`synth_ms_${n}`]})`);
}
const large = fixedMonthlyCost(path.join(OUT, '300'));
const babesDir = path.join(OUT, 'babes-club');
fs.rmSync(babesDir, { recursive: true, force: true });
const babesApp = new App({ outdir: babesDir });
new BabesClubStack(babesApp, 'BabesClubPayments', { eventSourceName: 'aws.partner/stripe.com/ed_test_EXAMPLE' });
babesApp.synth();
const babes = fixedMonthlyCost(babesDir);

const report = {
  synth_ms_10: figures.synth_ms_10,
  synth_ms_100: figures.synth_ms_100,
  synth_ms_300: figures.synth_ms_300,
  synth_runs: RUNS,
  synth_load_average_1m_at_start: loadAtStart,
  max_resources_per_template_300: large.maxResourcesPerTemplate,
  templates_300: large.templates,
  alarms_babes_club: babes.alarms,
  alarms_300_handlers: large.alarms,
  fixed_monthly_usd_babes_club: babes.totalMonthly,
  fixed_monthly_usd_babes_club_with_free_tier: babes.totalMonthlyWithFreeTier,
  fixed_monthly_usd_300_handlers: large.totalMonthly,
  fixed_monthly_usd_300_handlers_with_free_tier: large.totalMonthlyWithFreeTier,
  dashboard_metrics_babes_club: babes.dashboardMetrics[0] ?? 0,
  dashboard_metrics_300_handlers: large.dashboardMetrics[0] ?? 0,
};
console.log(report);
writeResults(report);
