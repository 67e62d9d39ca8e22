/**
 * The order jest starts test files in (jest `testSequencer`): jest's own (files that failed last time first, then
 * files it has no duration for, largest first, then the others, slowest first), except that among the files it has
 * no duration for, the integration tier's come before the unit tier's. On a new machine, as CI always is, jest
 * remembers no durations: ordered by size alone, a short, slow integration file (cfn-lint over 300 templates) could
 * start last and keep one worker busy while the others have nothing left; unit files take about a second each and
 * fill the end instead. Plain JavaScript: jest loads the sequencer without transforming it.
 */
const Sequencer = require('@jest/test-sequencer').default;

const INTEGRATION = /\.integration\.test\.ts$/;

class TierSequencer extends Sequencer {
  sort(tests) {
    const group = (test) => {
      if (this.hasFailed(test)) return 0;
      if (test.duration != null) return 3;
      return INTEGRATION.test(test.path) ? 1 : 2;
    };
    // Array.prototype.sort is stable: within a group, jest's own order stays.
    return super.sort(tests).sort((a, b) => group(a) - group(b));
  }
}

module.exports = TierSequencer;
