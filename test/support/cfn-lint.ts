/**
 * cfn-lint (PyPI, AWS's CloudFormation linter), installed on first use into .tmp/ with pip, pinned, so a new
 * machine gets the same version: `npm test` needs only Python 3 and PyPI.
 */
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './readme';

export const CFN_LINT_VERSION = '1.58.0';
const VENV = path.join(REPO_ROOT, '.tmp', `cfn-lint-${CFN_LINT_VERSION}`);

/** The cfn-lint executable, installed into its own virtual environment if it is not there yet. */
export function cfnLintBinary(): string {
  const bin = path.join(VENV, 'bin', 'cfn-lint');
  if (!fs.existsSync(bin)) {
    execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
    execFileSync(path.join(VENV, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', `cfn-lint==${CFN_LINT_VERSION}`], { stdio: 'inherit' });
  }
  return bin;
}

export interface CfnLintFinding {
  readonly file: string;
  readonly rule: string;
  readonly message: string;
}

function lintChunk(templates: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cfnLintBinary(), ['--regions', 'us-east-1', '--format', 'parseable', '--', ...templates], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      // Exit codes: 0 clean, bit 2 errors, bit 4 warnings, bit 8 informational; anything else (1, 32) is cfn-lint failing.
      const code = (error as { code?: unknown } | null)?.code ?? 0;
      if (typeof code !== 'number' || code % 2 === 1 || code >= 16) reject(new Error(`cfn-lint failed (exit ${String(code)}): ${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Lints the templates (for us-east-1) in two processes, and returns every finding; errors are the rules starting with E. */
export async function cfnLint(templates: readonly string[]): Promise<CfnLintFinding[]> {
  cfnLintBinary();
  const half = Math.ceil(templates.length / 2);
  const outputs = await Promise.all([templates.slice(0, half), templates.slice(half)].filter((c) => c.length > 0).map(lintChunk));
  return outputs
    .join('\n')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line) => {
      const m = /^(.*?):\d+:\d+:\d+:\d+:([EWI]\d+):(.*)$/.exec(line);
      if (!m) throw new Error(`unexpected cfn-lint output: ${line}`);
      return { file: path.basename(m[1]), rule: m[2], message: m[3] };
    });
}
