/**
 * Synthesizes a CDK app directory with the CDK CLI for a local run, whatever its language: the `app` command of its
 * cdk.json runs as the CLI runs it. A Python app (`python3 app.py`) runs on the given Python (a virtual environment
 * with aws-cdk-lib and this library's wheel), put first on PATH as an activated environment would be.
 */
import { execFileSync, spawnSync } from 'node:child_process';
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

/** What a CDK app prints while it synthesizes that nobody needs to act on: asset bundling progress (esbuild's). */
const SYNTH_NOISE = [
  /^Bundling asset \S+\.\.\.$/,
  /^\s*\S+\s+\d+(\.\d+)?\s*(b|kb|mb)\b/i, // esbuild: `cdk.out/bundling-temp-…/index.js  1.2kb`
  /^⚡ Done in \d+ms$/, // esbuild
  /^\s*$/,
];

export interface AppCommandSynthesis {
  /** What the app printed that is not bundling noise (shown to the user). */
  readonly output: string[];
  /** The assembly's warnings (`Annotations`), as `path: message`. */
  readonly warnings: string[];
}

/**
 * The context a CDK app gets from its directory, as the CDK CLI gives it: the CLI's defaults (construct paths and
 * asset paths in the template's metadata, every stack's assets bundled; aws-cdk's `contextFromSettings`), then
 * cdk.context.json, then cdk.json's `context`.
 */
function appContext(appDir: string): Record<string, unknown> {
  const read = (file: string) => (fs.existsSync(path.join(appDir, file)) ? JSON.parse(fs.readFileSync(path.join(appDir, file), 'utf8')) : {});
  const defaults = { 'aws:cdk:enable-path-metadata': true, 'aws:cdk:enable-asset-metadata': true, 'aws:cdk:bundling-stacks': ['**'] };
  return { ...defaults, ...read('cdk.context.json'), ...(read('cdk.json').context ?? {}) };
}

/** The warnings and errors the app's constructs recorded in the assembly (what `cdk synth` prints). */
function assemblyMessages(outdir: string): { warnings: string[]; errors: string[] } {
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as { artifacts?: Record<string, { metadata?: Record<string, { type: string; data: unknown }[]> }> };
  const warnings: string[] = [];
  const errors: string[] = [];
  for (const artifact of Object.values(manifest.artifacts ?? {})) {
    for (const [where, entries] of Object.entries(artifact.metadata ?? {})) {
      for (const entry of entries) {
        if (entry.type === 'aws:cdk:warning') warnings.push(`${where}: ${String(entry.data)}`);
        if (entry.type === 'aws:cdk:error') errors.push(`${where}: ${String(entry.data)}`);
      }
    }
  }
  return { warnings, errors };
}

/**
 * Synthesizes a CDK app into `outdir` by running the `app` command of its cdk.json, as the CDK CLI runs it (through
 * the shell, in the app's directory, with `CDK_OUTDIR` and the context of cdk.json and cdk.context.json), without
 * needing the CDK CLI. Bundling progress is dropped; anything else the app prints, and its warnings, are returned.
 * A failing app, or an error annotation, throws with what the app printed.
 */
export function synthesizeAppCommand(appDir: string, outdir: string, env: NodeJS.ProcessEnv = process.env): AppCommandSynthesis {
  const command = cdkAppCommand(appDir);
  fs.rmSync(outdir, { recursive: true, force: true });
  fs.mkdirSync(outdir, { recursive: true });
  const run = spawnSync(command, {
    cwd: appDir,
    shell: true,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(appContext(appDir)) },
  });
  const printed = `${run.stdout ?? ''}${run.stderr ?? ''}`.split('\n');
  if (run.error || run.status !== 0) {
    throw new Error(`\`${command}\` (the app command of ${path.join(appDir, 'cdk.json')}) failed${run.error ? `: ${run.error.message}` : ` with exit code ${run.status}`}:\n${printed.join('\n').trim()}`);
  }
  if (!fs.existsSync(path.join(outdir, 'manifest.json'))) {
    throw new Error(`\`${command}\` wrote no cloud assembly to ${outdir}: does the app call app.synth() (Python) or create a cdk App?`);
  }
  const { warnings, errors } = assemblyMessages(outdir);
  if (errors.length > 0) throw new Error(`the app has errors:\n${errors.map((e) => `  ${e}`).join('\n')}`);
  return { output: printed.filter((line) => !SYNTH_NOISE.some((noise) => noise.test(line))), warnings };
}
