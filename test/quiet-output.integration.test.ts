/**
 * The test runs print what a person should read and not the notices nobody running them can act on: the AWS
 * SDK's Node.js version notice (silenced by test/support/quiet-env.ts, jest's setupFiles, with the variable @aws-sdk/core really
 * reads) and esbuild's per-bundle size summary (the bundle tasks run at log level warning).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './support/readme';

/** A child Node.js process that makes an AWS SDK client (the notice comes with the first client). */
function makeSdkClient(env: NodeJS.ProcessEnv): string {
  const code = "const { SQSClient } = require('@aws-sdk/client-sqs'); new SQSClient({ region: 'us-east-1' });";
  const run = spawnSync(process.execPath, ['-e', code], { cwd: REPO_ROOT, env, encoding: 'utf8' });
  expect(run.status).toBe(0);
  return run.stderr;
}

test("the AWS SDK's NodeVersionSupportWarning is silenced in test runs, by the variable @aws-sdk/core reads", () => {
  const { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: _, ...without } = process.env;
  expect(process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED).toBe('true');
  expect(makeSdkClient(process.env)).not.toContain('NodeVersionSupportWarning');
  // Without it, the notice is there on Node.js below 22 (where the tests run on CI): the variable is the right one.
  const major = Number(process.versions.node.split('.')[0]);
  expect(makeSdkClient(without).includes('NodeVersionSupportWarning')).toBe(major < 22);
});

test('a bundle task prints no esbuild size summary (log level warning), and still writes its bundle', () => {
  const tasks = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, '.projen', 'tasks.json'), 'utf8')).tasks;
  const bundles = Object.keys(tasks).filter((name) => name.startsWith('bundle:') && tasks[name].steps?.[0]?.execArgs?.[0] === 'esbuild');
  expect(bundles.length).toBeGreaterThanOrEqual(5);
  for (const name of bundles) expect(tasks[name].steps[0].execArgs).toContain('--log-level=warning');
  // The smallest bundle, built for real into a scratch file.
  const args: string[] = tasks['bundle:cli/local/lambda-sandbox'].steps[0].execArgs.slice(1);
  const outfile = path.join(REPO_ROOT, '.tmp', `quiet-bundle-${process.pid}.js`);
  const run = spawnSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'esbuild'), args.map((a) => (a.startsWith('--outfile=') ? `--outfile=${outfile}` : a)), {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  try {
    expect(run.status).toBe(0);
    expect(`${run.stdout}${run.stderr}`).toBe('');
    expect(fs.statSync(outfile).size).toBeGreaterThan(1000);
  } finally {
    fs.rmSync(outfile, { force: true });
  }
});
