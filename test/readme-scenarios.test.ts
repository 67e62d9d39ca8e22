/**
 * Each documented scenario that builds an app synthesizes to the snapshot below (asset hashes masked). That every
 * TypeScript block of the docs compiles as pasted is checked in typecheck.test.ts.
 */
import { readmeBlocks, synthesizeReadmeBlock } from './support/readme';
import { SynthesizedStack } from '../src/cli/local/synthesized-stack';

const tsBlocks = readmeBlocks().filter((b) => b.lang === 'ts');

test('the docs have TypeScript examples', () => {
  expect(tsBlocks.length).toBeGreaterThanOrEqual(2);
});

test('scenario "bring your own resources" synthesizes to its snapshot', () => {
  const block = tsBlocks.find((b) => b.section === 'defaults')!;
  const cdkOut = synthesizeReadmeBlock(block.code, { 'handlers/refunds.js': 'exports.handler = async () => null;\n' }, 'byo');
  expect(SynthesizedStack.load(cdkOut, 'Billing').template).toMatchSnapshot();
});
