/**
 * The Java tools the integration tests run (ElasticMQ for SQS, Event Ruler for EventBridge patterns) come from Maven
 * Central: `mvn dependency:build-classpath` resolves a pom's dependencies into the workspace's .tmp/m2 and writes the
 * classpath to a file. The global setup resolves every pom once, before test files run in parallel, so that two Maven
 * processes never fill the one local repository at the same time; the test support resolves again only if a
 * classpath file is missing.
 */
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const REPO = path.join(__dirname, '..', '..');
const LOCAL_REPOSITORY = path.join(REPO, '.tmp', 'm2');
const TIMEOUT_MS = 300_000;

/** A pom of the tests and the file its classpath goes to. */
export interface MavenClasspath {
  readonly pom: string;
  readonly classpathFile: string;
}

function args(c: MavenClasspath): string[] {
  return ['-q', '-B', '-f', c.pom, `-Dmaven.repo.local=${LOCAL_REPOSITORY}`, 'dependency:build-classpath', `-Dmdep.outputFile=${c.classpathFile}`];
}

/** Whether the classpath file is missing or older than its pom. */
export function needsResolving(c: MavenClasspath): boolean {
  return !fs.existsSync(c.classpathFile) || fs.statSync(c.pom).mtimeMs > fs.statSync(c.classpathFile).mtimeMs;
}

function failed(c: MavenClasspath, output: string): Error {
  return new Error(`mvn ${args(c).join(' ')} failed (Java and Maven are needed for the integration tests):\n${output}`);
}

/** Resolves the classpath if needed and returns it. */
export function classpathOf(c: MavenClasspath): string {
  if (needsResolving(c)) {
    fs.mkdirSync(path.dirname(c.classpathFile), { recursive: true });
    try {
      execFileSync('mvn', args(c), { stdio: ['ignore', 'pipe', 'pipe'], timeout: TIMEOUT_MS });
    } catch (err) {
      const e = err as { stdout?: Buffer; stderr?: Buffer; message: string };
      throw failed(c, `${e.stdout ?? ''}${e.stderr ?? ''}` || e.message);
    }
  }
  return fs.readFileSync(c.classpathFile, 'utf8').trim();
}

/** Resolves each classpath that needs it, one Maven at a time, without blocking the caller's event loop. */
export async function resolveClasspaths(classpaths: readonly MavenClasspath[]): Promise<void> {
  for (const c of classpaths.filter(needsResolving)) {
    fs.mkdirSync(path.dirname(c.classpathFile), { recursive: true });
    await new Promise<void>((resolve, reject) => {
      execFile('mvn', args(c), { timeout: TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => (err ? reject(failed(c, `${stdout}${stderr}` || err.message)) : resolve()));
    });
  }
}
