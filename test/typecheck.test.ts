/**
 * What TypeScript users copy type-checks against the package's types as pasted: the example apps (typed events, thin
 * typed events included), each with its own tsconfig, and every TypeScript block of the docs (README, CONTRIBUTING,
 * docs/). One file, so that the programs share their parsed declaration files (test/support/typecheck.ts).
 */
import * as path from 'node:path';
import { readmeBlocks, REPO_ROOT, typeCheck } from './support/readme';
import { exampleDiagnostics } from './support/typecheck';

test('examples/babes-club type-checks with its own tsconfig', () => {
  expect(exampleDiagnostics('babes-club', 'handlers/checkout.ts')).toEqual([]);
});

test('examples/platform-accounts type-checks with its own tsconfig', () => {
  expect(exampleDiagnostics('platform-accounts', 'handlers/requirements.ts')).toEqual([]);
});

test('every TypeScript block in the docs compiles', () => {
  const tsBlocks = readmeBlocks().filter((b) => b.lang === 'ts');
  expect(tsBlocks.length).toBeGreaterThanOrEqual(2);
  const files = Object.fromEntries(tsBlocks.map((b) => [path.join(REPO_ROOT, '.tmp', `${b.file.replace(/\W/g, '-')}-${b.line}.ts`), b.code]));
  expect(typeCheck(files)).toEqual([]);
});

test('a type error is reported, with its file', () => {
  const file = path.join(REPO_ROOT, '.tmp', 'typecheck-negative.ts');
  expect(typeCheck({ [file]: "import { StripeEventBridgeIntegration } from '@babes/stripe-eventbridge';\nconst n: number = StripeEventBridgeIntegration;\n" })).toEqual([
    expect.stringMatching(new RegExp(`^${file.replace(/[.]/g, '\\.')}: Type 'typeof StripeEventBridgeIntegration' is not assignable to type 'number'`)),
  ]);
});
