/**
 * The chaos run's table in docs/performance-and-cost.md is what `npm run chaos` wrote: seed 1 in
 * bench/results/chaos.json (CI's run), seeds 2 to 6 in bench/results/chaos-seeds.json. And every recorded run kept
 * its promise: no effect missing or repeated, every Python effect exactly once, every forged message refused.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readDoc, REPO_ROOT } from './support/readme';

const results = (file: string) => JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'bench', 'results', file), 'utf8'));
const runs: any[] = [results('chaos.json'), ...results('chaos-seeds.json').runs];

function row(r: any): string {
  return `| ${r.seed} | ${r.valid_events} | ${r.handler_events} (${r.python_handler_events}) | ${r.lost_before_aws} | ${r.faults_injected.total} `
    + `| ${r.effects_exactly_once} (${r.python_effects_exactly_once}) | ${r.effects_missing} | ${r.effects_repeated} | ${r.backfilled} `
    + `| ${r.backfill_held_processed_under_other_scope} | ${r.forged_refused} of ${r.forged_planted} |`;
}

test('the docs\' table is the recorded runs, seeds 1 to 6', () => {
  const page = readDoc('docs/performance-and-cost.md');
  const section = page.slice(page.indexOf('## Exactly once under faults: the chaos run'), page.indexOf('## Latest state wins under reordering'));
  const rows = section.split('\n').filter((l) => /^\| \d+ \|/.test(l));
  expect(rows).toEqual(runs.map(row));
  expect(runs.map((r) => r.seed)).toEqual([1, 2, 3, 4, 5, 6]);
});

test('every recorded run: each effect exactly once per handler, Python\'s included, the lost events backfilled, the forged messages refused', () => {
  for (const r of runs) {
    expect({ seed: r.seed, missing: r.effects_missing, repeated: r.effects_repeated }).toEqual({ seed: r.seed, missing: 0, repeated: 0 });
    expect(r.effects_exactly_once + r.dead_lettered).toBe(r.handler_events);
    expect(r.python_effects_exactly_once).toBe(r.python_handler_events);
    expect(r.backfilled).toBeGreaterThanOrEqual(r.lost_before_aws);
    expect(r.backfill_held_processed_under_other_scope).toBeGreaterThan(0);
    expect([r.forged_refused, r.effects_of_forged_messages, r.real_dead_letters_refused]).toEqual([r.forged_planted, 0, 0]);
  }
});
