/**
 * The Python that local Python execution environments run on: a virtual environment with what the Lambda Python
 * runtime provides (boto3; python-requirements.txt, pinned and hashed), created from PyPI on first use and reused
 * while its requirements are unchanged. Used by the tests' global setup, the benchmark and the local replay; they
 * pass its interpreter to python-sandbox.ts through STRIPE_EB_LOCAL_PYTHON.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageAsset } from '../../package/package-assets';

/** python-requirements.txt, copied next to the bootstrap by `npx projen bundle`. */
const REQUIREMENTS = packageAsset('cli', 'local', 'python-bootstrap', 'requirements.txt');

export interface LocalPythonOptions {
  /** Where the virtual environment lives. */
  readonly dir: string;
  /** The interpreter the environment is made from. @default 'python3' */
  readonly python?: string;
  /** Called before a (slow) install, with what is about to happen. */
  readonly onInstall?: (what: string) => void;
}

/** Creates (or reuses) the virtual environment and returns its interpreter. */
export function ensureLocalPython(options: LocalPythonOptions): string {
  const requirements = fs.readFileSync(REQUIREMENTS, 'utf8');
  const stamp = createHash('sha256').update(requirements).digest('hex');
  const stampFile = path.join(options.dir, '.requirements.sha256');
  const interpreter = path.join(options.dir, 'bin', 'python');
  if (fs.existsSync(interpreter) && fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp) return interpreter;

  options.onInstall?.(`creating the local Python runtime environment in ${options.dir} (boto3 from PyPI)`);
  fs.rmSync(options.dir, { recursive: true, force: true });
  const run = (file: string, args: string[]) => execFileSync(file, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  run(options.python ?? 'python3', ['-m', 'venv', options.dir]);
  run(interpreter, [
    '-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-input',
    '--require-hashes', '--only-binary=:all:', '-r', REQUIREMENTS,
  ]);
  fs.writeFileSync(stampFile, stamp);
  return interpreter;
}

/**
 * When some of `runtimes` are Python runtimes and no interpreter is set yet, makes the environment in `dir` and
 * points local Python execution environments at it (STRIPE_EB_LOCAL_PYTHON).
 */
export function preparePythonFunctions(runtimes: readonly string[], options: LocalPythonOptions): void {
  if (process.env.STRIPE_EB_LOCAL_PYTHON || !runtimes.some((r) => /^python\d/.test(r))) return;
  process.env.STRIPE_EB_LOCAL_PYTHON = ensureLocalPython(options);
}
