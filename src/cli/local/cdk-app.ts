/**
 * Synthesizes a CDK app directory with the CDK CLI for a local run, whatever its language: the `app` command of its
 * cdk.json runs as the CLI runs it. A Python app (`python3 app.py`) runs on the given Python (a virtual environment
 * with aws-cdk-lib and this library's wheel), put first on PATH as an activated environment would be.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface CdkAppSynthOptions {
  /** The CDK CLI (`node_modules/.bin/cdk`). */
  readonly cdkCli: string;
  /** Where the cloud assembly goes. */
  readonly outdir: string;
  /** For a Python app: the interpreter of an environment with aws-cdk-lib and babes-stripe-eventbridge. */
  readonly python?: string;
}

/** The `app` command of a CDK app directory's cdk.json. */
export function cdkAppCommand(appDir: string): string {
  const file = path.join(appDir, 'cdk.json');
  if (!fs.existsSync(file)) throw new Error(`${appDir} is not a CDK app: it has no cdk.json`);
  const app = (JSON.parse(fs.readFileSync(file, 'utf8')) as { app?: unknown }).app;
  if (typeof app !== 'string') throw new Error(`${file} has no "app" command`);
  return app;
}

/** Whether the app is written in Python (its `app` command runs python). */
export function isPythonCdkApp(appDir: string): boolean {
  return /^(\S*\/)?python3?(\.\d+)?\s/.test(cdkAppCommand(appDir));
}

export function synthesizeCdkApp(appDir: string, options: CdkAppSynthOptions): void {
  const env = { ...process.env };
  if (isPythonCdkApp(appDir)) {
    if (!options.python) throw new Error(`${appDir} is a Python CDK app: give the Python to synthesize it with (an environment with aws-cdk-lib and babes-stripe-eventbridge)`);
    env.PATH = `${path.dirname(options.python)}${path.delimiter}${env.PATH ?? ''}`;
    env.VIRTUAL_ENV = path.dirname(path.dirname(options.python));
  }
  execFileSync(options.cdkCli, ['synth', '--quiet', '--no-notices', '--output', options.outdir], { cwd: appDir, env, stdio: ['ignore', 'ignore', 'inherit'] });
}
