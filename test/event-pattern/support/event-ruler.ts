/**
 * Runs Event Ruler (the open-source engine behind EventBridge, from Maven Central) on pattern/event pairs
 * through test/event-ruler/EventRulerHarness.java, one JVM per batch. The jar and its dependencies are
 * fetched by Maven into .tmp/m2 and the harness is compiled into .tmp/event-ruler: nothing is cached
 * outside the workspace.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EventPattern, InvalidEventPatternError, INVALID_PATTERN_PREFIX } from '../../../src/event-pattern';
import { MAX_WILDCARD_COMPLEXITY, TOO_COMPLEX } from '../../../src/event-pattern/complexity';
import { classpathOf, MavenClasspath } from '../../support/maven';

export const REPO = path.join(__dirname, '..', '..', '..');
const HARNESS_DIR = path.join(REPO, 'test', 'event-ruler');
const WORK = path.join(REPO, '.tmp', 'event-ruler');
const CLASSES = path.join(WORK, 'classes');
/** Event Ruler and its dependencies (resolved once for the run by the global setup). */
export const EVENT_RULER_CLASSPATH: MavenClasspath = { pom: path.join(HARNESS_DIR, 'pom.xml'), classpathFile: path.join(WORK, 'classpath.txt') };

function newer(a: string, b: string): boolean {
  return !fs.existsSync(b) || fs.statSync(a).mtimeMs > fs.statSync(b).mtimeMs;
}

/** Resolves Event Ruler with Maven and compiles the harness if needed; returns the java classpath. */
export function prepareHarness(): string {
  fs.mkdirSync(CLASSES, { recursive: true });
  const dependencies = classpathOf(EVENT_RULER_CLASSPATH);
  const source = path.join(HARNESS_DIR, 'EventRulerHarness.java');
  if (newer(source, path.join(CLASSES, 'EventRulerHarness.class'))) {
    execFileSync('javac', ['-d', CLASSES, '-cp', dependencies, source], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  }
  return `${CLASSES}${path.delimiter}${dependencies}`;
}

export interface PairInput {
  readonly id: number;
  readonly pattern: string;
  readonly event: string;
}

export type RulerAnswer =
  | {
    readonly kind: 'MATCH' | 'NO_MATCH';
    readonly complexity: number;
    /** The answer with each `$or` alternative as its own rule (any matching). */
    readonly alternatives: 'MATCH' | 'NO_MATCH';
    /** Event Ruler kept fewer alternatives than the pattern has (see "known differences"). */
    readonly dropped: boolean;
  }
  | { readonly kind: 'INVALID' | 'ERROR'; readonly message: string };

/** Event Ruler's answer for every pair (one JVM for the whole batch). */
export function askEventRuler(classpath: string, pairs: readonly PairInput[]): Map<number, RulerAnswer> {
  const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
  const input = pairs.map((p) => `${p.id}\t${b64(p.pattern)}\t${b64(p.event)}\n`).join('');
  const result = spawnSync('java', ['-cp', classpath, 'EventRulerHarness'], { input, maxBuffer: 256 * 1024 * 1024, timeout: 120_000, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`Event Ruler harness failed (${result.status}): ${result.stderr}`);
  const answers = new Map<number, RulerAnswer>();
  for (const line of result.stdout.split('\n').filter(Boolean)) {
    const [id, kind, detail, alternatives, dropped] = line.split('\t');
    answers.set(Number(id), kind === 'MATCH' || kind === 'NO_MATCH'
      ? { kind, complexity: Number(detail), alternatives: alternatives as 'MATCH' | 'NO_MATCH', dropped: dropped === 'true' }
      : { kind: kind as 'INVALID' | 'ERROR', message: Buffer.from(detail, 'base64').toString('utf8') });
  }
  return answers;
}

/**
 * What EventBridge answers according to Event Ruler: its match result, its compiler's message, or the
 * complexity limit EventBridge applies on top (see src/event-pattern/complexity.ts). Where Event Ruler
 * drops a `$or` alternative (known difference 1), the documented answer is any alternative matching.
 */
export function eventBridgeVerdict(answer: RulerAnswer): string {
  switch (answer.kind) {
    case 'MATCH':
    case 'NO_MATCH':
      if (answer.complexity > MAX_WILDCARD_COMPLEXITY) return `INVALID ${INVALID_PATTERN_PREFIX}${TOO_COMPLEX}`;
      return answer.dropped ? answer.alternatives : answer.kind;
    case 'INVALID':
      return `INVALID ${INVALID_PATTERN_PREFIX}${answer.message}`;
    default:
      return `ERROR ${answer.message}`;
  }
}

/** The offline matcher's verdict, in the same form. */
export function ourVerdict(pattern: string, event: string): string {
  try {
    return EventPattern.compile(pattern).matches(event) ? 'MATCH' : 'NO_MATCH';
  } catch (e) {
    if (e instanceof InvalidEventPatternError) return `INVALID ${e.message}`;
    return `ERROR ${String(e)}`;
  }
}
