/**
 * The reordering chaos run's table in docs/performance-and-cost.md is what `npm run chaos -- --reorder` wrote to
 * bench/results/chaos-reorder.json, seeds 1 to 6, and every recorded run kept its promise: through putLatest, every
 * object at its final state, no state gone backwards, each effect once; through a plain transactWrite of each event's
 * state, the same stream caught out.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './support/readme';

test('the reordering chaos run\'s table is what bench/results/chaos-reorder.json recorded, and every run kept its promise', () => {
  const results = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'bench', 'results', 'chaos-reorder.json'), 'utf8'));
  const plain = new Map<number, any>(results.plain_transact_write_runs.map((r: any) => [r.seed, r]));
  const row = (r: any) => {
    const p = plain.get(r.seed);
    return `| ${r.seed} | ${r.objects} | ${r.events} (${r.events_by_style.thin}) | ${r.deliveries} | ${r.fetches} | ${r.final_state_mismatches} `
      + `| ${r.state_regressions_observed} | ${r.effects_repeated} | ${p.final_state_mismatches}, ${p.state_regressions_observed} |`;
  };
  const page = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'performance-and-cost.md'), 'utf8');
  const section = page.slice(page.indexOf('## Latest state wins under reordering'), page.indexOf('## Fixed monthly cost'));
  expect(section.split('\n').filter((l) => /^\| \d+ \|/.test(l))).toEqual(results.runs.map(row));
  expect(results.runs.map((r: any) => r.seed)).toEqual([1, 2, 3, 4, 5, 6]);
  for (const r of results.runs) {
    const figures = [
      r.final_state_mismatches, r.state_regressions_observed, r.effects_repeated, r.effects_missing, r.dead_lettered, r.stripe_api_violations,
    ];
    expect({ seed: r.seed, figures }).toEqual({ seed: r.seed, figures: [0, 0, 0, 0, 0, 0] });
    const p = plain.get(r.seed);
    expect({ seed: r.seed, failures: p.final_state_mismatches + p.state_regressions_observed > 0 }).toEqual({ seed: r.seed, failures: true });
  }
});
