/**
 * How long the offline EventBridge pattern matcher takes to compile (validate) patterns built to be
 * expensive: many wildcards, long literals between them, many `$or` alternatives, deep nesting, many
 * fields, all within EventBridge's 2,048-character limit (test/event-pattern/support/adversarial-patterns.ts,
 * whose answers the tests check against Event Ruler). Compiling is what `test-pattern --pattern` and
 * `--synth`, `EventPattern.compile`, `EventPatternTester` and the local replay do first with a pattern.
 *
 * For each pattern the figure is the median of several compiles after a few to warm up; the slowest of
 * those medians must stay under the budget. The first, cold compile of each is printed too: it includes
 * the JavaScript engine compiling the matcher's own code, which a one-shot CLI run pays once.
 */
import * as os from 'node:os';
import { EventPattern, InvalidEventPatternError } from '../src/event-pattern';
import { adversarialPatterns } from '../test/event-pattern/support/adversarial-patterns';

const WARMUP = 3;
const ROUNDS = 15;
export const COMPILE_BUDGET_MS = 50;

function compileOnce(pattern: string): { ms: number; answer: string } {
  const start = process.hrtime.bigint();
  let answer = 'accepted';
  try {
    EventPattern.compile(pattern);
  } catch (e) {
    if (!(e instanceof InvalidEventPatternError)) throw e;
    answer = /too complex/.test(e.message) ? 'too complex' : e.name === 'EventPatternLimitError' ? 'past a limit' : 'invalid';
  }
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, answer };
}

/** Prints the compile time of every adversarial pattern; returns the slowest median, in milliseconds. */
export function benchmarkCompiling(): number {
  const results = adversarialPatterns().map((p) => {
    const first = compileOnce(p.pattern);
    for (let i = 0; i < WARMUP; i++) compileOnce(p.pattern);
    const times = Array.from({ length: ROUNDS }, () => compileOnce(p.pattern).ms).sort((a, b) => a - b);
    return { name: p.name, length: p.pattern.length, answer: first.answer, first: first.ms, median: times[Math.floor(ROUNDS / 2)] };
  });
  console.log(`Compiling ${results.length} adversarial patterns (at most 2,048 characters each): median of ${ROUNDS} compiles, first compile in brackets`
    + ` (${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(1)})`);
  for (const r of results) {
    console.log(`  ${r.name.padEnd(56)} ${String(r.length).padStart(5)} chars  ${r.answer.padEnd(12)} ${r.median.toFixed(2).padStart(7)} ms  (${r.first.toFixed(1)} ms)`);
  }
  const worst = results.reduce((a, b) => (b.median > a.median ? b : a));
  console.log(`  worst compile: ${worst.median.toFixed(2)} ms (${worst.name}); budget ${COMPILE_BUDGET_MS} ms: ${worst.median < COMPILE_BUDGET_MS ? 'within' : 'EXCEEDED'}`);
  return worst.median;
}
