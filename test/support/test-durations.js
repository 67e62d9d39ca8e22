#!/usr/bin/env node
/**
 * Writes test/support/test-durations.json, the order test/support/test-sequencer.js starts test files in on a new
 * machine, from the report of a full jest run: `npx jest --ci --json --outputFile=.tmp/jest.json`, then
 * `node test/support/test-durations.js .tmp/jest.json`. Files of 5 s or more, in seconds, slowest first.
 */
const fs = require('node:fs');
const path = require('node:path');

const report = process.argv[2];
if (!report) {
  console.error('usage: node test/support/test-durations.js <jest --json output>');
  process.exit(2);
}
const ROOT = path.join(__dirname, '..', '..');
const { testResults } = JSON.parse(fs.readFileSync(report, 'utf8'));
const durations = testResults
  .map((r) => [path.relative(ROOT, r.name).split(path.sep).join('/'), Math.round((r.endTime - r.startTime) / 100) / 10])
  .filter(([, seconds]) => seconds >= 5)
  .sort((a, b) => b[1] - a[1]);
const out = path.join(__dirname, 'test-durations.json');
fs.writeFileSync(out, `${JSON.stringify(Object.fromEntries(durations), null, 2)}\n`);
console.log(`${path.relative(ROOT, out)}: ${durations.length} files of 5 s or more`);
