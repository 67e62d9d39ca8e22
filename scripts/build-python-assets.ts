/**
 * Builds the Python assets of the package. The local Python runtime's bootstrap (src/cli/local/python-bootstrap.py)
 * is copied to assets/cli/local/python-bootstrap/. Two Lambda layers are built without Docker, each from pinned,
 * hashed, pure-Python wheels installed from PyPI with pip into its `python/` (where the Lambda Python runtime finds a
 * layer's packages: /opt/python, docs.aws.amazon.com/lambda/latest/dg/packaging-layers.html):
 *
 * - assets/lambda/python-wrapper/, every wrapped Python function's: src/lambda/python-wrapper/requirements.txt
 *   (Powertools for AWS Lambda (Python)), the wrapper package beside them, and `stripe_eventbridge/_contract.py`
 *   generated from src/contract/ so that the environment names, log fields, outcomes and metric names are defined
 *   once, in TypeScript;
 * - assets/lambda/python-stripe/, only for the functions that can use `context.stripe`:
 *   src/lambda/python-wrapper/stripe-requirements.txt (stripe-python).
 *
 * Run by `npx projen bundle` (task bundle:python). pip runs only when a layer's installed packages differ
 * from its pins; the wrapper's own files and the contract are rewritten every time.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as idempotency from '../src/contract/idempotency';
import * as latestState from '../src/contract/latest-state';
import * as logFields from '../src/contract/log-fields';
import * as metrics from '../src/contract/metrics';
import * as reconcile from '../src/contract/reconcile';
import * as stripe from '../src/contract/stripe';
import * as wrapper from '../src/contract/wrapper';

const ROOT = path.join(__dirname, '..');
const SOURCE = path.join(ROOT, 'src', 'lambda', 'python-wrapper');
const LAYER = path.join(ROOT, 'assets', 'lambda', 'python-wrapper');
const SITE = path.join(LAYER, 'python');
const STRIPE_LAYER = path.join(ROOT, 'assets', 'lambda', 'python-stripe');
const PACKAGE = 'stripe_eventbridge';
/** The oldest Python runtime the layer supports: pip checks every wheel's Requires-Python against it. */
const TARGET_PYTHON = '3.12';
const BOOTSTRAP_SOURCE = path.join(ROOT, 'src', 'cli', 'local', 'python-bootstrap.py');
const BOOTSTRAP = path.join(ROOT, 'assets', 'cli', 'local', 'python-bootstrap', 'bootstrap.py');

/** name==version of every pinned requirement. */
function pins(requirements: string): Array<{ name: string; version: string }> {
  return [...requirements.matchAll(/^([A-Za-z0-9_.-]+)==([^\s\\]+)/gm)].map((m) => ({ name: m[1], version: m[2] }));
}

/** Whether `site` holds exactly the pinned distributions (by their dist-info directories). */
function installedMatches(site: string, requirements: string): boolean {
  if (!fs.existsSync(site)) return false;
  const installed = new Set(fs.readdirSync(site).filter((d) => d.endsWith('.dist-info')).map((d) => d.toLowerCase().replace(/-/g, '_')));
  const wanted = pins(requirements).map(({ name, version }) => `${name}-${version}.dist-info`.toLowerCase().replace(/-/g, '_'));
  return installed.size === wanted.length && wanted.every((w) => installed.has(w));
}

function pipInstall(site: string, requirementsFile: string): void {
  fs.rmSync(site, { recursive: true, force: true });
  fs.mkdirSync(site, { recursive: true });
  const python = process.env.STRIPE_EB_BUILD_PYTHON ?? 'python3';
  execFileSync(python, [
    '-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-input',
    // --no-deps: the two requirements files pin the whole closure (stripe-python's typing_extensions is the wrapper
    // layer's: both layers end up in /opt/python), and leave out on purpose what Lambda provides (boto3) or the
    // layer does without (stripe-python's optional `requests`: it falls back to the standard library's urllib).
    '--root-user-action=ignore', '--require-hashes', '--only-binary=:all:', '--no-compile', '--no-deps',
    '--target', site,
    '--python-version', TARGET_PYTHON, '--implementation', 'py', '--abi', 'none', '--platform', 'any',
    '-r', requirementsFile,
  ], { stdio: 'inherit' });
  // Console scripts (jmespath's jp.py) are of no use in a layer.
  fs.rmSync(path.join(site, 'bin'), { recursive: true, force: true });
}

/** Installs a layer's pinned packages into its `python/` unless they are there already; returns their pins. */
function layerPackages(layer: string, requirementsFile: string): string {
  const requirements = fs.readFileSync(requirementsFile, 'utf8');
  const site = path.join(layer, 'python');
  if (!installedMatches(site, requirements)) pipInstall(site, requirementsFile);
  return pins(requirements).map((p) => `${p.name}==${p.version}`).join(', ');
}

/** A Python literal for a contract value: strings, numbers, arrays of strings, and plain objects of them. */
function pythonLiteral(value: unknown): string | undefined {
  if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) return JSON.stringify(value);
  if (Array.isArray(value)) {
    if (!value.every((v) => typeof v === 'string')) return undefined;
    return value.length === 0 ? '()' : `(${value.map((v) => JSON.stringify(v)).join(', ')},)`;
  }
  // Plain objects only: a RegExp or a function has no Python literal.
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const entries = Object.entries(value).map(([k, v]) => [k, pythonLiteral(v)] as const);
    if (entries.some(([, v]) => v === undefined)) return undefined;
    return `{\n${entries.map(([k, v]) => `    ${JSON.stringify(k)}: ${v},`).join('\n')}\n}`;
  }
  return undefined;
}

/** src/contract/ as a Python module: every exported string, number and object of them. */
export function pythonContract(): string {
  const modules: Record<string, Record<string, unknown>> = { 'idempotency': idempotency, 'latest-state': latestState, 'log-fields': logFields, metrics, reconcile, stripe, wrapper };
  const lines = [
    '"""Generated by scripts/build-python-layer.ts from src/contract/*.ts at build time: do not edit."""',
    '',
  ];
  for (const [file, exports] of Object.entries(modules)) {
    lines.push(`# src/contract/${file}.ts`);
    for (const [name, value] of Object.entries(exports)) {
      const literal = pythonLiteral(value);
      if (literal !== undefined) lines.push(`${name} = ${literal}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

function main(): void {
  const wrapperPackages = layerPackages(LAYER, path.join(SOURCE, 'requirements.txt'));
  const stripePackages = layerPackages(STRIPE_LAYER, path.join(SOURCE, 'stripe-requirements.txt'));

  const target = path.join(SITE, PACKAGE);
  fs.rmSync(target, { recursive: true, force: true });
  fs.mkdirSync(target, { recursive: true });
  for (const file of fs.readdirSync(path.join(SOURCE, PACKAGE)).filter((f) => f.endsWith('.py'))) {
    fs.copyFileSync(path.join(SOURCE, PACKAGE, file), path.join(target, file));
  }
  fs.writeFileSync(path.join(target, '_contract.py'), pythonContract());
  fs.mkdirSync(path.dirname(BOOTSTRAP), { recursive: true });
  fs.copyFileSync(BOOTSTRAP_SOURCE, BOOTSTRAP);
  fs.copyFileSync(path.join(ROOT, 'src', 'cli', 'local', 'python-requirements.txt'), path.join(path.dirname(BOOTSTRAP), 'requirements.txt'));
  console.log(`python wrapper layer: ${path.relative(ROOT, LAYER)} (${wrapperPackages})`);
  console.log(`python stripe layer: ${path.relative(ROOT, STRIPE_LAYER)} (${stripePackages})`);
}

if (require.main === module) main();
