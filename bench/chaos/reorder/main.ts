/**
 * `npm run chaos -- --reorder`: the reordering chaos run (run.ts), one seed or several, with its figures written to
 * bench/results/chaos-reorder.json (a seed's run replaces that seed's earlier one; the others stay).
 *
 *   npm run chaos -- --reorder --seed 3            # one seed
 *   npm run chaos -- --reorder --seeds 1,2,3,4,5,6 # several, one after the other
 *   npm run chaos -- --reorder --seed 1 --plain    # the same stream through a plain transactWrite of each state:
 *                                                  # it must end with mismatches or regressions (recorded apart)
 *
 * Exits 1 when a putLatest run ends with a mismatch, a regression, a repeated or missing effect, an event left in the
 * dead-letter queue or a response the Stripe spec refuses, or when a plain run shows no failure (the run could then not
 * tell the difference); 2 on an error.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_REORDER_OPTIONS, ReorderResult, runReorderSeed } from './run';

const RESULTS = path.join(__dirname, '..', '..', 'results', 'chaos-reorder.json');

function parseArgs(argv: string[]): { seeds: number[]; plain: boolean } {
  const out = { seeds: [1], plain: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '--reorder') continue;
    else if (arg === '--seed') out.seeds = [Number(value())];
    else if (arg === '--seeds') out.seeds = value().split(',').map(Number);
    else if (arg === '--plain') out.plain = true;
    else throw new Error(`unknown argument ${arg} for --reorder; use --seed <n>, --seeds <n,n,…> or --plain`);
  }
  if (out.seeds.some((s) => !Number.isInteger(s) || s <= 0)) throw new Error('seeds are positive whole numbers');
  return out;
}

/** What the figures must be for the run to pass. */
export function failures(r: ReorderResult): string[] {
  if (r.handler !== 'putLatest') {
    return r.final_state_mismatches + r.state_regressions_observed > 0 ? [] : ['a plain transactWrite of each state showed no mismatch and no regression: the run cannot tell the difference'];
  }
  const checks: Array<[string, unknown]> = [
    ['final_state_mismatches', r.final_state_mismatches], ['state_regressions_observed', r.state_regressions_observed], ['effects_repeated', r.effects_repeated],
    ['effects_missing', r.effects_missing], ['dead_lettered', r.dead_lettered], ['stripe_api_violations', r.stripe_api_violations],
  ];
  return checks.filter(([, n]) => n !== 0).map(([name, n]) => `${name}: ${n}`);
}

/** The results file with these runs in place of earlier runs of the same seeds and handler. */
function merged(runs: ReorderResult[]): Record<string, unknown> {
  const before = fs.existsSync(RESULTS) ? JSON.parse(fs.readFileSync(RESULTS, 'utf8')) : {};
  const field = runs[0].handler === 'putLatest' ? 'runs' : 'plain_transact_write_runs';
  const kept = ((before[field] ?? []) as ReorderResult[]).filter((r) => !runs.some((n) => n.seed === r.seed));
  return { ...before, generated_at: new Date().toISOString(), [field]: [...kept, ...runs].sort((a, b) => a.seed - b.seed) };
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const runs: ReorderResult[] = [];
  let failed = 0;
  for (const seed of args.seeds) {
    const options = { ...DEFAULT_REORDER_OPTIONS, seed, handler: args.plain ? 'plain' as const : 'latest' as const };
    console.log(`reordering chaos run, seed ${seed}: ${options.handler === 'latest' ? 'putLatest' : 'a plain transactWrite of each state'}`);
    const result = await runReorderSeed(options);
    runs.push(result);
    console.log(JSON.stringify(result, null, 2));
    const problems = failures(result);
    for (const p of problems) console.log(`FAILED: seed ${seed}: ${p}`);
    if (problems.length > 0) failed++;
  }
  fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
  fs.writeFileSync(RESULTS, JSON.stringify(merged(runs), null, 2) + '\n');
  console.log(`written to ${path.relative(process.cwd(), RESULTS)}`);
  return failed > 0 ? 1 : 0;
}
