/**
 * `stripe-eventbridge replay` on handlers that fail and print, as a person debugging them reads it: the bundled CLI in a
 * child process, run from the app's directory on its synthesized assembly (real wrapper layer, a Node.js and a Python
 * handler), each failed attempt with its error, the frames in the app's own files and what the handler printed. The
 * handlers, the command and its output are docs/local-development.md's (section replay-debug).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { StripeEventBridgeIntegration, StripeEventBus, StripeEventHandler } from '../../../src';
import { readmeBlocks } from '../../support/readme';

const ROOT = path.join(__dirname, '..', '..', '..');
const CLI = path.join(ROOT, 'assets', 'cli', 'index', 'index.js');
const docs = readmeBlocks().filter((block) => block.section === 'replay-debug');
const envelopes = fs.readFileSync(path.join(ROOT, 'examples', 'babes-club', 'replay', 'sample-events.jsonl'), 'utf8').trim().split('\n');

let app: string;
let cdkOut: string;
beforeAll(() => {
  fs.mkdirSync(path.join(ROOT, '.tmp'), { recursive: true });
  app = fs.mkdtempSync(path.join(ROOT, '.tmp', 'replay-debug-'));
  const handlers = path.join(app, 'handlers');
  fs.mkdirSync(handlers);
  // The handlers docs/local-development.md shows (section replay-debug).
  const [orders, memberships] = ['js', 'python'].map((lang) => docs.find((block) => block.lang === lang)!.code);
  fs.writeFileSync(path.join(handlers, 'orders.js'), orders);
  fs.writeFileSync(path.join(handlers, 'memberships.py'), memberships);
  const cdkApp = new App({ outdir: path.join(app, 'cdk.out') });
  const stack = new Stack(cdkApp, 'Payments');
  const code = lambda.Code.fromAsset(handlers);
  new StripeEventBridgeIntegration(stack, 'Stripe', {
    eventBus: StripeEventBus.fromPartnerEventSource('aws.partner/stripe.com/ed_test_EXAMPLE'),
    handlers: {
      'checkout.session.completed': StripeEventHandler.fromCode({ code, handler: 'orders.handler', name: 'Orders' }),
      'customer.subscription.*': StripeEventHandler.fromPythonCode({ code, handler: 'memberships.handler', name: 'Memberships' }),
    },
    alarms: { emailAddresses: ['oncall@example.com'] },
  });
  cdkOut = cdkApp.synth().directory;
  // The checkout (no shipping details), a subscription update (its plan has no nickname), a subscription created.
  fs.writeFileSync(path.join(app, 'events.jsonl'), [envelopes[0], envelopes[3], envelopes[4]].join('\n'));
});

function replay(...args: string[]) {
  const out = spawnSync(process.execPath, [CLI, 'replay', '--synth', cdkOut, '--events', 'events.jsonl', '--concurrency', '1', ...args], {
    cwd: app,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: out.status, lines: out.stdout.split('\n').map((l) => l.replace(/ {2,}/g, ' ')), out: out.stdout };
}

test('each failed attempt: its error, the frames in the app\'s files (Node.js and Python), and what the handler printed', () => {
  const { code, lines, out } = replay();
  const at = (prefix: string) => lines.indexOf(lines.find((l) => l.startsWith(prefix))!);
  const checkout = at('events.jsonl:1 ');
  expect(lines.slice(checkout, checkout + 5)).toEqual([
    "events.jsonl:1 evt_1BabesAvaCheckout checkout.session.completed → Orders: dead-letter queue (failed 3 attempts; TypeError: Cannot read properties of null (reading 'address'))",
    " Orders attempts 1-3: TypeError: Cannot read properties of null (reading 'address')",
    ' at shipping (handlers/orders.js:1:56)',
    ' at exports.handler (handlers/orders.js:4:21)',
    ` | order for ${JSON.parse(envelopes[0]).detail.data.object.id}`,
  ]);
  const update = at('events.jsonl:2 ');
  expect(lines.slice(update, update + 6)).toEqual([
    "events.jsonl:2 evt_1BabesAvaSubRenewed customer.subscription.updated → Memberships: dead-letter queue (failed 3 attempts; AttributeError: 'NoneType' object has no attribute 'lower')",
    " Memberships attempts 1-3: AttributeError: 'NoneType' object has no attribute 'lower'",
    ' File "handlers/memberships.py", line 5, in handler',
    ' return {"plan": subscription["plan"]["nickname"].lower()}',
    ' | membership sub_JdIzvfy6o5GZRd active',
    expect.stringMatching(/^events\.jsonl:3 /),
  ]);
  // A delivery that succeeded shows its line only, without --logs; nothing of the wrapper's own lines anywhere.
  expect(lines[update + 5]).toMatch(/→ Memberships: processed$/);
  expect(lines[update + 6]).toBe('');
  expect(out.split('\n').slice(1).join('\n')).not.toMatch(/"outcome"|"_aws"|stripe-eventbridge\/wrapper|node_modules|cdk\.out/);
  expect(code).toBe(1);
}, 120_000);

test('--logs: also what the handlers printed when they succeeded; --json: each attempt\'s frames and printed lines', () => {
  const { lines } = replay('--logs');
  const created = lines.findIndex((l) => l.startsWith('events.jsonl:3 '));
  expect(lines.slice(created + 1, created + 3)).toEqual([' Memberships attempt 1:', ' | membership sub_JdIzvfy6o5GZRd active']);

  const doc = JSON.parse(replay('--json').out);
  const [orders] = doc.events[0].deliveries;
  expect(orders).toMatchObject({ handler: 'Orders', outcome: 'dlq', attempts: 3, output: [`order for ${JSON.parse(envelopes[0]).detail.data.object.id}`] });
  expect(orders.at[0]).toBe('at shipping (handlers/orders.js:1:56)');
  expect(orders.failedAttempts).toHaveLength(2);
  expect(orders.failedAttempts[0]).toMatchObject({ outcome: 'failed', at: orders.at, output: orders.output });
  expect(doc.events[2].deliveries[0]).toMatchObject({ handler: 'Memberships', outcome: 'processed', output: [expect.stringMatching(/^membership sub_/)] });
}, 120_000);

test('the docs\' example, run as printed: the same lines, times aside', () => {
  const [command, output] = [docs.find((b) => b.lang === 'sh')!.code, docs.find((b) => b.lang === 'text')!.code];
  expect(command).toBe('npx stripe-eventbridge replay --synth cdk.out --events events.jsonl --concurrency 1');
  const { out } = replay();
  const timeless = (text: string) => text.trim().replace(/\d+\.\d+ s\b/g, 'N s').replace(/^Payments from \S+:/, 'Payments from cdk.out:').split('\n');
  expect(timeless(out)).toEqual(timeless(output));
}, 120_000);
