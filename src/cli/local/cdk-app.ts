/**
 * Synthesizes a CDK app directory for a local run, whatever its language: the `app` command of its cdk.json runs as the
 * CDK CLI runs it. A Python app (`python3 app.py`) started from the wheel's `stripe-eventbridge` script runs on the
 * Python that started it (python-app.ts); one whose cdk.json names an interpreter runs on that one.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { callingPython, condenseJsiiTraceback, missingModuleHint, withPythonFirst } from './python-app';
import { artifactMetadata } from '../../cloud-assembly/cloud-assembly';

/** The `app` command of a CDK app directory's cdk.json. */
export function cdkAppCommand(appDir: string): string {
  const file = path.join(appDir, 'cdk.json');
  if (!fs.existsSync(file)) throw new Error(`${appDir} is not a CDK app: it has no cdk.json`);
  const app = (JSON.parse(fs.readFileSync(file, 'utf8')) as { app?: unknown }).app;
  if (typeof app !== 'string') throw new Error(`${file} has no "app" command`);
  return app;
}

/** Whether the app is written in Python (its `app` command runs python, by name or by path). */
export function isPythonCdkApp(appDir: string): boolean {
  return /^(\S*\/)?python3?(\.\d+)?\s/.test(cdkAppCommand(appDir));
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
 * Since aws-cdk-lib 2.2xx an app that finds problems in its templates reports them itself (stderr, ending with "A copy of
 * this report can be found in: <cdk.out>/validation-report.json") unless told that the caller will: the CDK CLI does
 * that (aws/aws-cdk-cli#1650), and so does this, as the report's file is gone when a replay ends. Older releases ignore it.
 */
const CALLER_REPORTS_VALIDATION = '@aws-cdk/core:failSynthOnValidationErrors';
const VALIDATION_REPORT_FILE = 'validation-report.json';

/**
 * The context a CDK app gets from its directory, as the CDK CLI gives it: the CLI's defaults (construct paths and
 * asset paths in the template's metadata, every stack's assets bundled; aws-cdk's `contextFromSettings`; the
 * validation report left to the caller), then cdk.context.json, then cdk.json's `context`.
 */
function appContext(appDir: string): Record<string, unknown> {
  const read = (file: string) => (fs.existsSync(path.join(appDir, file)) ? JSON.parse(fs.readFileSync(path.join(appDir, file), 'utf8')) : {});
  const defaults = {
    'aws:cdk:enable-path-metadata': true,
    'aws:cdk:enable-asset-metadata': true,
    'aws:cdk:bundling-stacks': ['**'],
    [CALLER_REPORTS_VALIDATION]: false,
  };
  return { ...defaults, ...read('cdk.context.json'), ...(read('cdk.json').context ?? {}) };
}

interface Messages {
  readonly warnings: string[];
  readonly errors: string[];
}

/** The warnings and errors the app's constructs recorded in the assembly (what `cdk synth` prints). */
function assemblyMessages(outdir: string, into: Messages): void {
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as { artifacts?: Record<string, unknown> };
  for (const artifact of Object.values(manifest.artifacts ?? {})) {
    for (const [where, entries] of Object.entries(artifactMetadata(outdir, artifact))) {
      for (const entry of entries) {
        if (entry.type === 'aws:cdk:warning') into.warnings.push(`${where}: ${String(entry.data)}`);
        if (entry.type === 'aws:cdk:error') into.errors.push(`${where}: ${String(entry.data)}`);
      }
    }
  }
}

/** What the app's validation plugins found (aws-cdk-lib's own CloudFormation checks among them), from the report it wrote. */
function validationReportMessages(outdir: string, into: Messages): void {
  const file = path.join(outdir, VALIDATION_REPORT_FILE);
  if (!fs.existsSync(file)) return;
  const report = JSON.parse(fs.readFileSync(file, 'utf8')) as { pluginReports?: any[] };
  for (const plugin of report.pluginReports ?? []) {
    if (plugin.conclusion === 'failure' && (plugin.violations ?? []).length === 0 && plugin.metadata?.error) into.errors.push(String(plugin.metadata.error));
    for (const violation of plugin.violations ?? []) {
      // Annotations appear in the report too when a feature flag says so: they are read from the metadata already.
      if (violation.ruleMetadata?.['cdk:annotation']) continue;
      const fix = violation.suggestedFix ? ` ${violation.suggestedFix}` : '';
      const where = (violation.violatingConstructs ?? []).map((c: any) => c.constructPath).filter(Boolean).join(', ') || 'the app';
      const line = `${where}: ${violation.description}${fix} [${plugin.pluginName} ${violation.ruleName}]`;
      (['error', 'fatal'].includes(violation.severity) ? into.errors : into.warnings).push(line);
    }
  }
}

/**
 * The environment the app command runs in: this process's, with the Python the CLI was started from first on PATH
 * (python-app.ts) and jsii's notices about this machine's Node.js version silenced (an 11-line banner from every Python
 * app on an end-of-life Node.js; the variables are the ones jsii's runtime reads, @jsii/check-node).
 */
export function appEnvironment(appDir: string, env: NodeJS.ProcessEnv, caller: string | undefined = callingPython(env)): NodeJS.ProcessEnv {
  const python = isPythonCdkApp(appDir) ? caller : undefined;
  const major = process.versions.node.split('.')[0];
  // Set by jsii's runtime for this CLI when it runs from the wheel; the app's own runtime sets its own.
  const { JSII_AGENT: agent, ...own } = env;
  // The wheel's script turns jsii's package cache off for itself (JSII_RUNTIME_PACKAGE_CACHE=disabled unless set);
  // passed on, the app's runtime would unpack aws-cdk-lib anew on every replay (20 s and more).
  if (agent?.startsWith('Python/') && own.JSII_RUNTIME_PACKAGE_CACHE === 'disabled') delete own.JSII_RUNTIME_PACKAGE_CACHE;
  return {
    ...(python ? withPythonFirst(own, python) : own),
    JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: [env.JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION, major].filter(Boolean).join(','),
    JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION: '1',
    JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION: '1',
  };
}

/**
 * Synthesizes a CDK app into `outdir` by running the `app` command of its cdk.json, as the CDK CLI runs it (through
 * the shell, in the app's directory, with `CDK_OUTDIR` and the context of cdk.json and cdk.context.json), without
 * needing the CDK CLI. Bundling progress is dropped; anything else the app prints, and its warnings, are returned.
 * A failing app, or an error annotation or violation, throws with what the app printed (a Python app's error once).
 */
export function synthesizeAppCommand(appDir: string, outdir: string, env: NodeJS.ProcessEnv = process.env): AppCommandSynthesis {
  const command = cdkAppCommand(appDir);
  fs.rmSync(outdir, { recursive: true, force: true });
  fs.mkdirSync(outdir, { recursive: true });
  const appEnv = appEnvironment(appDir, env);
  const run = spawnSync(command, {
    cwd: appDir,
    shell: true,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...appEnv, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(appContext(appDir)) },
  });
  const printed = `${run.stdout ?? ''}${run.stderr ?? ''}`.split('\n');
  if (run.error || run.status !== 0) {
    const output = condenseJsiiTraceback(printed, appDir).join('\n').trim();
    const hint = missingModuleHint(output, appDir, appEnv);
    throw new Error(`\`${command}\` (the app command of ${path.join(appDir, 'cdk.json')}) failed${run.error ? `: ${run.error.message}` : ` with exit code ${run.status}`}:\n${output}${hint ? `\n\n${hint}` : ''}`);
  }
  if (!fs.existsSync(path.join(outdir, 'manifest.json'))) {
    throw new Error(`\`${command}\` wrote no cloud assembly: does the app call app.synth() (Python) or create a cdk App?`);
  }
  const messages: Messages = { warnings: [], errors: [] };
  assemblyMessages(outdir, messages);
  validationReportMessages(outdir, messages);
  if (messages.errors.length > 0) throw new Error(`the app has errors:\n${messages.errors.map((e) => `  ${e}`).join('\n')}`);
  return { output: printed.filter((line) => !SYNTH_NOISE.some((noise) => noise.test(line))), warnings: messages.warnings };
}
