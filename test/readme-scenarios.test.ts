/**
 * Every TypeScript block of the docs (README, CONTRIBUTING, docs/) compiles against this package as pasted, and each documented
 * scenario that builds an app synthesizes to the snapshot below (asset hashes masked).
 */
import * as path from 'node:path';
import { readmeBlocks, REPO_ROOT, synthesizeReadmeBlock, typeCheck } from './support/readme';
import { SynthesizedStack } from '../src/cli/local/synthesized-stack';

const tsBlocks = readmeBlocks().filter((b) => b.lang === 'ts');

test('the docs have TypeScript examples', () => {
  expect(tsBlocks.length).toBeGreaterThanOrEqual(2);
});

test('every TypeScript block in the docs compiles', () => {
  const files = Object.fromEntries(tsBlocks.map((b) => [path.join(REPO_ROOT, '.tmp', `${b.file.replace(/\W/g, '-')}-${b.line}.ts`), b.code]));
  expect(typeCheck(files)).toEqual([]);
});

test('scenario "bring your own resources" synthesizes to its snapshot', () => {
  const block = tsBlocks.find((b) => b.section === 'defaults')!;
  const cdkOut = synthesizeReadmeBlock(block.code, { 'handlers/refunds.js': 'exports.handler = async () => null;\n' }, 'byo');
  expect(SynthesizedStack.load(cdkOut, 'Billing').template).toMatchSnapshot();
});
