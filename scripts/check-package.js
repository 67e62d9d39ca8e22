/**
 * Checks the installed package in <project dir>: run by scripts/test-package.sh.
 *
 * - Every file the tarball publishes is there; no compiled Lambda or CLI module (they ship as bundles).
 * - Every published lib/**\/*.js loads with only the package's dependencies and peer dependencies.
 * - The entry points resolve through the `exports` map: the main entry, `/event-pattern`, `/typed-events`.
 * - TypeScript resolves them too, with `node16` and with the older `node10` module resolution.
 * - The Lambda bundles require nothing but Node.js built-ins and the AWS SDK the Lambda runtime provides.
 * - The CLI runs from its `bin` link.
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { builtinModules } = require('node:module');

const [project, tarball] = process.argv.slice(2);
const pkgDir = path.join(project, 'node_modules', '@babes', 'stripe-eventbridge');
const problems = [];
const fail = (message) => problems.push(message);

const published = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
  .split('\n')
  .filter((f) => f.startsWith('package/') && !f.endsWith('/'))
  .map((f) => f.slice('package/'.length));
for (const file of published) {
  if (!fs.existsSync(path.join(pkgDir, file))) fail(`${file} is in the tarball but not installed`);
  if (/^lib\/(lambda|cli)\//.test(file)) fail(`${file} is published, but lib/lambda and lib/cli need devDependencies; they ship as bundles in assets/`);
  if (/^(src|test|examples|bench|scripts)\//.test(file)) fail(`${file} is published`);
  if (/(^|\/)__pycache__\/|\.pyc$/.test(file)) fail(`${file} is published: compiled Python does not belong in the layer`);
}
const PYTHON_LAYER = 'assets/lambda/python-wrapper/python';
for (const required of [
  'lib/index.js', 'lib/index.d.ts', '.jsii', 'assets/lambda/wrapper/handler/stripe-eventbridge/wrapper.js', 'assets/cli/index/index.js',
  // The Python wrapper layer: the wrapper, its generated contract and Powertools; the local Python runtime's bootstrap.
  `${PYTHON_LAYER}/stripe_eventbridge/wrapper.py`, `${PYTHON_LAYER}/stripe_eventbridge/_contract.py`,
  `${PYTHON_LAYER}/aws_lambda_powertools/utilities/idempotency/persistence/dynamodb.py`,
  // The Python Stripe layer (stripe-python), for the functions that use context.stripe.
  'assets/lambda/python-stripe/python/stripe/__init__.py',
  'assets/cli/local/python-bootstrap/bootstrap.py', 'assets/cli/local/python-bootstrap/requirements.txt',
]) {
  if (!published.includes(required)) fail(`${required} is not published`);
}

// Load every published module from inside the project, as a user's app would.
const libFiles = published.filter((f) => f.startsWith('lib/') && f.endsWith('.js'));
const loader = `
  const failures = [];
  for (const file of ${JSON.stringify(libFiles)}) {
    try { require('@babes/stripe-eventbridge/package.json'); require(require('path').join(${JSON.stringify(pkgDir)}, file)); }
    catch (e) { failures.push(file + ': ' + e.message.split('\\n')[0]); }
  }
  const main = require('@babes/stripe-eventbridge');
  for (const name of ['StripeEventBridgeIntegration', 'StripeEventRoute', 'StripeEventHandler', 'StripeEventBus', 'StripeEventDestination', 'EventPatternTester']) {
    if (typeof main[name] !== 'function') failures.push('main entry: ' + name + ' is not exported');
  }
  const patterns = require('@babes/stripe-eventbridge/event-pattern');
  if (!patterns.matchesPattern({ 'detail-type': ['x'] }, { 'detail-type': 'x', source: 's', detail: {} }).matches) failures.push('event-pattern: matchesPattern does not match');
  require.resolve('@babes/stripe-eventbridge/typed-events');
  console.log(JSON.stringify(failures));
`;
const loadFailures = JSON.parse(execFileSync(process.execPath, ['-e', loader], { cwd: project, encoding: 'utf8' }));
loadFailures.forEach(fail);

// TypeScript users, with both module resolutions a CDK app may use.
const tsc = require.resolve('typescript/bin/tsc');
const source = `
import { StripeEventBridgeIntegration, StripeEventHandler } from '@babes/stripe-eventbridge';
import { matchesPattern } from '@babes/stripe-eventbridge/event-pattern';
import type { StripeEventBridgeHandler } from '@babes/stripe-eventbridge/typed-events';
export const handler: StripeEventBridgeHandler<'checkout.session.completed'> = async (event) => event.detail.data.object.amount_total;
export const used = [StripeEventBridgeIntegration, StripeEventHandler, matchesPattern];
`;
fs.writeFileSync(path.join(project, 'app.ts'), source);
for (const [moduleKind, resolution] of [['node16', 'node16'], ['commonjs', 'node10']]) {
  const config = {
    compilerOptions: {
      noEmit: true, strict: true, esModuleInterop: true, skipLibCheck: true, target: 'es2022', module: moduleKind, moduleResolution: resolution,
      // TypeScript 6 deprecates node10; projects on TypeScript 5 use it without this.
      ignoreDeprecations: '6.0', types: ['node'], typeRoots: [path.join(__dirname, '..', 'node_modules', '@types')],
    },
    files: ['app.ts'],
  };
  const configFile = path.join(project, `tsconfig.${resolution}.json`);
  fs.writeFileSync(configFile, JSON.stringify(config));
  try {
    execFileSync(process.execPath, [tsc, '-p', configFile], { cwd: project, encoding: 'utf8', stdio: 'pipe' });
  } catch (e) {
    fail(`TypeScript (moduleResolution ${resolution}) cannot use the package: ${(e.stdout || e.message).trim()}`);
  }
}

// Lambda bundles: only built-ins and the AWS SDK (provided by the Lambda Node.js runtime) may stay external.
for (const bundle of published.filter((f) => f.startsWith('assets/lambda/') && f.endsWith('.js'))) {
  const text = fs.readFileSync(path.join(pkgDir, bundle), 'utf8');
  for (const [, id] of text.matchAll(/require\(\s*["']([^"']+)["']\s*\)/g)) {
    const bare = id.replace(/^node:/, '');
    if (!builtinModules.includes(bare) && !id.startsWith('@aws-sdk/')) fail(`${bundle} requires '${id}', which a Lambda runtime does not provide`);
  }
}

// The CLI, from its bin link.
try {
  execFileSync(path.join(project, 'node_modules', '.bin', 'stripe-eventbridge'), ['--help'], { cwd: project, encoding: 'utf8', stdio: 'pipe' });
} catch (e) {
  fail(`the stripe-eventbridge CLI does not run: ${e.message}`);
}

if (problems.length > 0) {
  console.error(`test:package: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}`).join('\n')}`);
  process.exit(1);
}
console.log(`test:package: ${published.length} published files; ${libFiles.length} modules load; entry points resolve for node16 and node10; bundles and CLI fine`);
