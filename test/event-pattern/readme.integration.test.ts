/**
 * The "Testing rule patterns offline" section of docs/local-development.md does what it says: its files are written out, each
 * shell command runs the bundled CLI in that directory (with `cdk.out` synthesized from the README's own
 * quick start) and prints exactly the output shown under it, and the TypeScript example runs (it type-checks in
 * typecheck.test.ts, with every other TypeScript block of the docs).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { blockLocation, readmeBlocks, REPO_ROOT, synthesizeReadmeBlock } from '../support/readme';

const CLI = path.join(REPO_ROOT, 'assets', 'cli', 'index', 'index.js');
const section = readmeBlocks().filter((b) => b.section === 'pattern-testing');
const quickstart = readmeBlocks().filter((b) => b.section === 'quickstart-ts');

let work: string;

beforeAll(() => {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npx projen bundle\` first`);
  // The quick start's app, synthesized into its own cdk.out as `cdk synth` writes it (construct paths recorded on
  // each resource, `…/Rule/Resource`): the --synth example runs against it.
  const cdkOut = synthesizeReadmeBlock(quickstart.find((b) => b.lang === 'ts')!.code, {
    'handlers/orders.js': 'exports.handler = async () => null;\n',
    'handlers/memberships.js': 'exports.handler = async () => null;\n',
  }, 'pattern-testing', { asCdkCli: true });
  work = path.dirname(cdkOut);
  const [rule, event] = section.filter((b) => b.lang === 'json');
  fs.writeFileSync(path.join(work, 'rule.json'), rule.code);
  fs.writeFileSync(path.join(work, 'event.json'), event.code);
}, 120_000);

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

test('the section has its files, commands and example', () => {
  expect(section.map((b) => b.lang)).toEqual(['json', 'json', 'sh', 'text', 'sh', 'text', 'sh', 'text', 'sh', 'text', 'ts']);
});

describe('each command prints what the docs show', () => {
  const commands = section.flatMap((b, i) => (b.lang === 'sh' ? [{ command: b.code, expected: section[i + 1].code, location: blockLocation(b) }] : []));

  test.each(commands)('$location: $command', ({ command, expected }) => {
    expect(command).toContain('npx stripe-eventbridge ');
    const result = spawnSync('bash', ['-c', command.replace(/npx stripe-eventbridge /g, `node ${CLI} `)], { cwd: work, encoding: 'utf8' });
    expect(`${result.stdout}${result.stderr}`.trimEnd()).toBe(expected.trimEnd());
    // The exit code the docs promise for what it printed.
    const code = expected.startsWith('INVALID') || expected.startsWith('stripe-eventbridge') ? 2 : expected.startsWith('NO MATCH') ? 1 : 0;
    expect(result.status).toBe(code);
  });
});

test('the TypeScript example runs', () => {
  const code = section.find((b) => b.lang === 'ts')!.code;
  const compilerOptions = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true };
  const js = ts.transpileModule(code, { compilerOptions }).outputText;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const localRequire = (id: string): unknown => (id === '@babes/stripe-eventbridge' ? require('../../src') : require(id));
  const cwd = process.cwd();
  process.chdir(work);
  try {
    const module = { exports: {} };
    new Function('require', 'module', 'exports', js)(localRequire, module, module.exports);
  } finally {
    process.chdir(cwd);
  }
});
