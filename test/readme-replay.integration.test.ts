/**
 * The `replay` section of docs/local-development.md and the README's demo section, run as printed: the replay command in examples/babes-club (the bundled CLI,
 * its app synthesized from cdk.json) and `npm run demo` (the demo task's command), compared line by line with the
 * docs' sample outputs, times aside; neither prints bundling progress, CDK's feature-flag notice or the AWS SDK's
 * Node.js version warning. Then the demo's --quiet and a bad --events line.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readmeBlocks, REPO_ROOT } from './support/readme';

const CLI = path.join(REPO_ROOT, 'assets', 'cli', 'index', 'index.js');
const NOISE = /Bundling asset|feature flags|NodeVersionSupportWarning|⚡ Done in|\d+(\.\d+)?kb\b/;

/** Times change from run to run; nothing else may. */
const timeless = (text: string) => text.trim().replace(/\d+\.\d+ s\b/g, 'N s').split('\n');

/** The shell block of a section whose command matches, and the text block right after it. */
function commandAndOutput(section: string, command: RegExp): { command: string; output: string } {
  const blocks = readmeBlocks().filter((b) => b.section === section);
  const i = blocks.findIndex((b) => b.lang === 'sh' && command.test(b.code));
  expect(i).toBeGreaterThanOrEqual(0);
  expect(blocks[i + 1]?.lang).toBe('text');
  return { command: blocks[i].code, output: blocks[i + 1].code };
}

/** The command `npm run demo` runs, from projen's task (told that the test run has built the assets already). */
function demoCommand(): string[] {
  const tasks = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, '.projen', 'tasks.json'), 'utf8'));
  const steps = tasks.tasks.demo.steps as { exec?: string }[];
  expect(steps).toHaveLength(1);
  const exec = steps[0].exec!;
  return exec.split(' ');
}

function runDemo(args: string[]) {
  const [bin, ...rest] = demoCommand();
  const env = { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20', STRIPE_EB_DEMO_BUNDLED: '1' };
  return spawnSync(path.join(REPO_ROOT, 'node_modules', '.bin', bin), [...rest, ...args], { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 280_000 });
}

test('the replay section: its command in examples/babes-club prints the docs\' output, and nothing on standard error', () => {
  const { command, output } = commandAndOutput('replay', /npx stripe-eventbridge replay/);
  const [cd, run] = command.split('\n');
  expect(cd).toBe('cd examples/babes-club');
  const result = spawnSync('bash', ['-c', run.replace(/^npx stripe-eventbridge /, `node ${CLI} `)], { cwd: path.join(REPO_ROOT, 'examples', 'babes-club'), encoding: 'utf8' });
  expect(result.stderr).toBe('');
  expect(timeless(result.stdout)).toEqual(timeless(output));
  expect(result.status).toBe(0);
}, 240_000);

test('the demo section: npm run demo -- --concurrency 1 prints the README\'s output, with no noise', () => {
  const { command, output } = commandAndOutput('commands', /^npm run demo -- --concurrency 1$/);
  const result = runDemo(command.replace(/^npm run demo -- /, '').split(' '));
  expect(`${result.stdout}${result.stderr}`).not.toMatch(NOISE);
  expect(result.stderr).toBe('');
  expect(timeless(result.stdout)).toEqual(timeless(output));
  expect(result.status).toBe(0);
}, 300_000);

test('the demo with --quiet prints the header and the summary, no line per event; a line of --events that is not JSON is reported as file:line, the rest replayed, exit 1', () => {
  const sample = fs.readFileSync(path.join(REPO_ROOT, 'examples', 'babes-club', 'replay', 'sample-events.jsonl'), 'utf8').trim().split('\n');
  fs.mkdirSync(path.join(REPO_ROOT, '.tmp'), { recursive: true });
  const file = path.join(fs.mkdtempSync(path.join(REPO_ROOT, '.tmp', 'demo-events-')), 'events.jsonl');
  fs.writeFileSync(file, [sample[0], '{not json', sample[1]].join('\n'));
  const events = path.relative(REPO_ROOT, file);
  const result = runDemo(['--events', events, '--quiet']);
  expect(result.stderr).toMatch(new RegExp(`^${events}:2: not JSON: .*\\n$`));
  expect(timeless(result.stdout)).toEqual([
    'examples/babes-club through `stripe-eventbridge replay`',
    'BabesClubPayments (synthesized in N s): 5 functions, 5 rules, 2 tables',
    `replaying 2 events from ${events} against DynamoDB Local (8 at a time)`,
    '',
    expect.stringMatching(/^2 events in N s: 1 processed, 1 duplicate, 0 matched no rule, 0 dead-lettered as not Stripe events, 0 failed; \d+ retr(y|ies); 1 entry of the stream could not be replayed \(listed above\)$/),
    `FAILED: 1 entry of ${events} could not be replayed (listed above)`,
  ]);
  expect(result.status).toBe(1);
}, 300_000);
