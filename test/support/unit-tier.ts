/**
 * The unit tier's rule, enforced (jest `setupFiles` of the `unit` project only): a unit test starts no other process.
 * Every way `node:child_process` starts one (spawn, exec, execFile, fork and their Sync forms) throws an error that
 * names the rule and the fix, in this test file's module registry only, so a test that needs an engine fails at
 * once instead of making the fast loop slow. The local engines (DynamoDB Local, Java, Python, npm, cfn-lint,
 * stripe-mock, local Lambda execution environments) belong to the integration tier: files named
 * `*.integration.test.ts`, run by `npm run test:integration` after test/support/global-setup.ts started them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const INTEGRATION_TEST_SUFFIX = '.integration.test.ts';

const STARTERS = ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'] as const;

function refused(name: string, command: unknown): Error {
  const what = typeof command === 'string' ? ` (${command})` : '';
  return new Error(
    `child_process.${name}${what}: unit tests start no external process (npm run test:unit is the fast loop: synth and pure code). `
    + `A test that needs a process or a local engine belongs to the integration tier: name its file *${INTEGRATION_TEST_SUFFIX} `
    + '(npm run test:integration). See test/support/unit-tier.ts.',
  );
}

/** node:child_process with every process starter refusing to run; everything else (types, constants) as it is. */
function guardedChildProcess(): Record<string, unknown> {
  const real = jest.requireActual<Record<string, unknown>>('node:child_process');
  const guarded: Record<string, unknown> = { ...real };
  for (const name of STARTERS) {
    guarded[name] = (command: unknown) => {
      throw refused(name, command);
    };
  }
  return guarded;
}

// Both specifiers: jest keeps `child_process` and `node:child_process` apart in its registry.
jest.mock('node:child_process', guardedChildProcess);
jest.mock('child_process', guardedChildProcess);

// Synth tests read the bundled assets (the wrapper layers, the custom resource and reconciliation functions).
const assets = path.join(__dirname, '..', '..', 'assets');
if (!fs.existsSync(path.join(assets, 'lambda', 'wrapper'))) {
  throw new Error(`${assets} has no bundled assets yet: run \`npx projen bundle\` once (npm test and npm run test:integration do it themselves).`);
}
