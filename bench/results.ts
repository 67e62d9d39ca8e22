/** bench/results/latest.json, which every benchmark writes its figures into, keeping the others'. */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const RESULTS = path.join(__dirname, 'results', 'latest.json');

/** Writes `figures` into bench/results/latest.json, keeping the keys other benchmarks wrote there (in their places). */
export function writeResults(figures: Record<string, unknown>): void {
  fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
  const others = fs.existsSync(RESULTS) ? JSON.parse(fs.readFileSync(RESULTS, 'utf8')) : {};
  fs.writeFileSync(RESULTS, JSON.stringify({ ...others, ...figures }, null, 2) + '\n');
}
