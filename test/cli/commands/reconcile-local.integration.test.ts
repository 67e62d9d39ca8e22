/**
 * Reconciling one's own app on this machine, as docs/operations.md shows it (section reconcile-local): its replay and
 * reconcile commands run as written, with the bundled CLI for `npx stripe-eventbridge` and the ports of a DynamoDB Local
 * and a stripe-mock started here. The options --stripe-api-base and --dynamodb-endpoint, and their variables.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { StripeEventBridgeIntegration, StripeEventBus, StripeEventHandler } from '../../../src';
import { DynamoDbLocal, startDynamoDbLocal } from '../../../src/cli/local/dynamodb-local';
import { readmeBlocks, REPO_ROOT } from '../../support/readme';
import { DAY, stripeEventAt } from '../../support/reconcile-scenario';
import { StripeEventsServer } from '../../support/stripe-events-server';
import { StripeMock, startStripeMock } from '../../support/stripe-mock';

const CLI = path.join(REPO_ROOT, 'assets', 'cli', 'index', 'index.js');
const [commands] = readmeBlocks().filter((b) => b.section === 'reconcile-local' && b.lang === 'sh');
const envelopes = fs.readFileSync(path.join(REPO_ROOT, 'examples', 'babes-club', 'replay', 'sample-events.jsonl'), 'utf8').trim().split('\n');

let app: string;
let ddb: DynamoDbLocal;
let stripe: StripeMock;
beforeAll(async () => {
  [ddb, stripe] = await Promise.all([startDynamoDbLocal(), startStripeMock()]);
  fs.mkdirSync(path.join(REPO_ROOT, '.tmp'), { recursive: true });
  app = fs.mkdtempSync(path.join(REPO_ROOT, '.tmp', 'reconcile-local-'));
  // `npx cdk synth --quiet`, in this process: the app's assembly in cdk.out.
  const cdkApp = new App({ outdir: path.join(app, 'cdk.out') });
  const stack = new Stack(cdkApp, 'Payments');
  fs.mkdirSync(path.join(app, 'handlers'));
  fs.writeFileSync(path.join(app, 'handlers', 'orders.js'), 'exports.handler = async (event) => ({ order: event.detail.data.object.id });\n');
  const code = lambda.Code.fromAsset(path.join(app, 'handlers'));
  new StripeEventBridgeIntegration(stack, 'Stripe', {
    eventBus: StripeEventBus.fromPartnerEventSource('aws.partner/stripe.com/ed_test_EXAMPLE'),
    handlers: { 'checkout.session.completed': StripeEventHandler.fromCode({ code, handler: 'orders.handler', name: 'Orders' }) },
    alarms: { emailAddresses: ['oncall@example.com'] },
  });
  cdkApp.synth();
  fs.writeFileSync(path.join(app, 'events.jsonl'), `${envelopes[0]}\n${envelopes[1]}\n`);
}, 120_000);
afterAll(async () => {
  await Promise.all([ddb?.stop(), stripe?.stop()]);
  if (app) fs.rmSync(app, { recursive: true, force: true });
});

/**
 * A docs command as run here: the bundled CLI for `npx stripe-eventbridge`, this test's ports for the docs' ones. Not
 * spawnSync: the Stripe stand-in of the second test answers from this process.
 */
function run(command: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string; err: string }> {
  const local = command
    .replace(/npx stripe-eventbridge/, `node ${CLI}`)
    .replace(/http:\/\/127\.0\.0\.1:8000/g, ddb.endpoint)
    .replace(/http:\/\/127\.0\.0\.1:12111/g, stripe.url);
  // Without AWS credentials, and without the variable that silences the AWS SDK's Node.js notice (the tests' own
  // setting): the CLI must need neither, and print no notice (err is '' in every assertion below).
  const withoutCredentials = { ...process.env };
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED']) delete withoutCredentials[name];
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', local], { cwd: app, env: { ...withoutCredentials, HOME: app, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

test('the docs\' commands: replay leaves its records in the DynamoDB Local given; reconcile reads them and stripe-mock\'s events', async () => {
  const lines = commands.code.split('\n');
  expect(lines[0]).toBe('npx cdk synth --quiet');
  const [replay, reconcile] = lines.slice(1);
  expect(replay).toMatch(/^npx stripe-eventbridge replay --synth cdk\.out .*--dynamodb-endpoint http:\/\/127\.0\.0\.1:8000$/);
  expect(reconcile).toMatch(/^STRIPE_API_KEY=rk_test_\w+ npx stripe-eventbridge reconcile --synth cdk\.out .*--stripe-api-base http:\/\/127\.0\.0\.1:12111 --dynamodb-endpoint http:\/\/127\.0\.0\.1:8000$/);

  const replayed = await run(replay);
  expect(replayed.out).toMatch(new RegExp(`^replaying 2 events from events\\.jsonl against DynamoDB at ${ddb.endpoint.replace(/\./g, '\\.')} `, 'm'));
  expect(replayed.out).toMatch(/^2 events in \S+ s: 1 processed, 1 duplicate, /m);
  expect(replayed.code).toBe(0);
  // The records stayed: the replay's tables are there after it ended.
  const client = new DynamoDBClient({ endpoint: ddb.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const tables = await client.send(new ListTablesCommand({})).finally(() => client.destroy());
  expect(tables.TableNames).toEqual([expect.stringMatching(/^replay-StripeIdempotencyTable\w+$/)]);

  // No AWS credentials in the environment: on this machine's addresses, none are needed.
  const reconciled = await run(reconcile);
  expect(reconciled.err).toBe('');
  expect(reconciled.out).toMatch(/^ {2}Orders +0 +0 +0 +0 {2}checkout\.session\.completed$/m);
  // stripe-mock's one fixture, whatever the filters: a plan.created event.
  expect(reconciled.out).toContain('(plan.created, 2009-');
  expect(reconciled.code).toBe(0);

  // A second replay starts from empty tables: the checkout is processed again, not twice a duplicate.
  expect((await run(replay)).out).toMatch(/^2 events in \S+ s: 1 processed, 1 duplicate, /m);
}, 180_000);

test('--stripe-api-base and --dynamodb-endpoint find the records replay left; the variables do the same; the options win', async () => {
  // A Stripe account whose log holds the replayed checkout and one that never reached AWS.
  const events = await StripeEventsServer.start({ apiKey: 'rk_test_123' });
  try {
    const replayed = JSON.parse(envelopes[0]).detail.id;
    events.seed(stripeEventAt(replayed, 'checkout.session.completed', 2 * DAY), stripeEventAt('evt_1LocalNeverArrived', 'checkout.session.completed', DAY));
    expect((await run('npx stripe-eventbridge replay --synth cdk.out --events events.jsonl --dynamodb-endpoint http://127.0.0.1:8000 --quiet')).code).toBe(0);
    const expectMissingOne = (result: Awaited<ReturnType<typeof run>>) => {
      expect(result.err).toBe('');
      expect(result.out).toMatch(/^ {2}Orders +2 +1 +0 +1 {2}checkout\.session\.completed$/m);
      expect(result.out).toMatch(/^Orders: missing evt_1LocalNeverArrived /m);
      expect(result).toMatchObject({ code: 1, err: '' });
    };
    const options = `--stripe-api-base ${events.url} --dynamodb-endpoint http://127.0.0.1:8000`;
    expectMissingOne(await run(`STRIPE_API_KEY=rk_test_123 npx stripe-eventbridge reconcile --synth cdk.out --since 30d ${options}`));
    // The variables, with the credentials and region DynamoDB Local keeps the replay's tables under.
    const variables = { STRIPE_API_KEY: 'rk_test_123', STRIPE_EB_STRIPE_API_BASE: events.url, AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' };
    expectMissingOne(await run('npx stripe-eventbridge reconcile --synth cdk.out --since 30d', variables));
    const nowhere = { ...variables, STRIPE_EB_STRIPE_API_BASE: 'http://127.0.0.1:9', AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9' };
    expectMissingOne(await run(`npx stripe-eventbridge reconcile --synth cdk.out --since 30d ${options}`, nowhere));
    expect(events.violations).toEqual([]);
  } finally {
    await events.close();
  }

  const notUrl = await run('npx stripe-eventbridge reconcile --synth cdk.out --dynamodb-endpoint 127.0.0.1:8000', { STRIPE_API_KEY: 'rk_test_123' });
  expect(notUrl.err).toMatch(/^stripe-eventbridge reconcile: --dynamodb-endpoint needs an http:\/\/ or https:\/\/ URL, e\.g\. http:\/\/127\.0\.0\.1:8000, not '127\.0\.0\.1:8000'\n/);
  expect(notUrl.code).toBe(2);
  const help = (await run('npx stripe-eventbridge reconcile --help')).out;
  for (const name of ['--stripe-api-base <url>', '--dynamodb-endpoint <url>', 'STRIPE_EB_STRIPE_API_BASE', 'AWS_ENDPOINT_URL_DYNAMODB']) expect(help).toContain(name);
}, 120_000);
