/**
 * The order jest starts test files in (jest `testSequencer`). Jest's own order: files that failed last time first,
 * then the slowest first by the durations it remembers from earlier runs on this machine, and files it has no
 * duration for by size. On a new machine, as CI always is, it remembers nothing, and size says little here: the
 * slowest unit files are small ones that type-check the docs or the examples, and a short integration file lints 300
 * templates. Started last, such a file runs on alone while the other workers have nothing left.
 *
 * So for a file jest has no duration for, this sequencer takes the one in test/support/test-durations.json (seconds
 * of a parallel run; only files of 5 s or more are listed), and a file in neither starts after the listed ones,
 * integration files before unit files (most unit files take about a second). The list only orders files: a stale
 * one costs time, never a result. To refresh it after a full run with `--json --outputFile=.tmp/jest.json`:
 * `node test/support/test-durations.js .tmp/jest.json`. Plain JavaScript: jest loads a sequencer untransformed.
 */
const fs = require('node:fs');
const path = require('node:path');
const Sequencer = require('@jest/test-sequencer').default;

const ROOT = path.join(__dirname, '..', '..');
const INTEGRATION = /\.integration\.test\.ts$/;

function recordedDurations() {
  try {
    return JSON.parse(fs.readFileSync(path.join(__dirname, 'test-durations.json'), 'utf8'));
  } catch {
    return {};
  }
}

class TierSequencer extends Sequencer {
  sort(tests) {
    const recorded = recordedDurations();
    const seconds = (test) => recorded[path.relative(ROOT, test.path).split(path.sep).join('/')];
    const group = (test) => {
      if (this.hasFailed(test)) return 0;
      if (test.duration != null) return 4;
      if (seconds(test) !== undefined) return 1;
      return INTEGRATION.test(test.path) ? 2 : 3;
    };
    // Jest's order within each group (Array.prototype.sort is stable), the recorded ones slowest first.
    return super.sort(tests).sort((a, b) => group(a) - group(b) || (group(a) === 1 ? seconds(b) - seconds(a) : 0));
  }
}

module.exports = TierSequencer;
