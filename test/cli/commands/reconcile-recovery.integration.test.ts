/**
 * `stripe-eventbridge reconcile --backfill` after a key scope change and with an event its handler always fails
 * on, run as users run it: the bundled CLI in a child process, reading a synthesized integration from its cloud
 * assembly (its handler's key prefix `Payments/Stripe.Orders`). Some events were processed before under the
 * scope `Stripe` (the same function, records under `Stripe.Orders`); one event is poison. The Stripe account is a
 * local Events API validated against Stripe's v1 OpenAPI spec; the records are in DynamoDB Local, written by the
 * real assets from cdk.out; backfill goes through a local stand-in of the Lambda Invoke API running those assets
 * (AWS_ENDPOINT_URL_LAMBDA): no AWS account here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { StripeEventBridgeIntegration, StripeEventBus, StripeEventHandler } from '../../../src';
import { LOCAL_AWS_ENV } from '../../../src/cli/local/dynamodb-local';
import { LocalLambdaFunction } from '../../../src/cli/local/local-lambda';
import { createLocalTables } from '../../../src/cli/local/local-tables';
import { SynthesizedStack } from '../../../src/cli/local/synthesized-stack';
import { ENV_IDEMPOTENCY_KEY_PREFIX } from '../../../src/contract/wrapper';
import { runCli } from '../../support/cli';
import { LambdaInvokeServer } from '../../support/lambda-invoke-server';
import { createBusinessTable, ddbClient, ddbEndpoint, effectsFor, TEST_HANDLERS_DIR } from '../../support/local-stack';
import { readmeBlocks } from '../../support/readme';
import { DAY, HOUR, stripeEventAt } from '../../support/reconcile-scenario';
import { StripeEventsServer } from '../../support/stripe-events-server';
import { envelope, TEST_EVENT_SOURCE } from '../../support/stripe-samples';

const REPO = path.join(__dirname, '..', '..', '..');
const KEY = 'rk_test_51ReconcileRecovery';

const ddb = ddbClient();
let stripe: StripeEventsServer;
let invokeServer: LambdaInvokeServer;
let lambdaEndpoint: string;
let cdkOut: string;
let tablePrefix: string;
let businessTable: string;
let orders: LocalLambdaFunction;

const processedBefore = [
  stripeEventAt('evt_1RecovBefore1', 'checkout.session.completed', 7 * HOUR),
  stripeEventAt('evt_1RecovBefore2', 'checkout.session.completed', 6 * HOUR),
];
const poison = stripeEventAt('evt_1RecovPoison', 'checkout.session.completed', 2 * DAY);
const older = stripeEventAt('evt_1RecovOlder', 'checkout.session.completed', DAY);
const newer = stripeEventAt('evt_1RecovNewer', 'checkout.session.completed', 5 * HOUR);

/** `stripe-eventbridge reconcile` on the cloud assembly `assembly` (default: the app as deployed). */
const cli = (args: string[], assembly = cdkOut) => runCli(['reconcile', '--synth', assembly, '--stack', 'Payments', '--table-prefix', tablePrefix, ...args], {
  ...LOCAL_AWS_ENV,
  AWS_ENDPOINT_URL_DYNAMODB: ddbEndpoint(),
  AWS_ENDPOINT_URL_LAMBDA: lambdaEndpoint,
  STRIPE_EB_STRIPE_API_BASE: stripe.url,
  STRIPE_API_KEY: KEY,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});

/** The app, as deployed after the scope change (keys under `Payments/Stripe`), with `idempotency` props given. */
function synthesize(idempotency: Record<string, unknown> = {}): string {
  fs.mkdirSync(path.join(REPO, '.tmp'), { recursive: true });
  const outdir = fs.mkdtempSync(path.join(REPO, '.tmp', 'reconcile-recovery-'));
  const app = new App({ outdir });
  const stack = new Stack(app, 'Payments', { env: { account: '123456789012', region: 'us-east-1' } });
  new StripeEventBridgeIntegration(stack, 'Stripe', {
    eventBus: StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE),
    handlers: { 'checkout.session.completed': StripeEventHandler.fromCode({ code: lambda.Code.fromAsset(TEST_HANDLERS_DIR), handler: 'effect-counter.handler', name: 'Orders' }) },
    idempotency,
  });
  app.synth();
  return outdir;
}

beforeAll(async () => {
  stripe = await StripeEventsServer.start({ apiKey: KEY });
  stripe.seed(...processedBefore, poison, older, newer);
  cdkOut = synthesize();
  const synthesized = SynthesizedStack.load(cdkOut, 'Payments');
  tablePrefix = `recovery-${Date.now()}-`;
  const tables = await createLocalTables(ddb, synthesized.tables, tablePrefix);
  businessTable = await createBusinessTable(ddb);
  const fn = synthesized.functions.find((f) => f.name === 'Orders')!;
  const env = {
    ...LOCAL_AWS_ENV,
    AWS_ENDPOINT_URL_DYNAMODB: ddbEndpoint(),
    BUSINESS_TABLE: businessTable,
    BUSINESS_TABLE_ENDPOINT: ddbEndpoint(),
    SAMPLE_POISON_IDS: poison.id,
  };
  // The same function before the scope changed: its records under `Stripe.Orders`.
  const before = new LocalLambdaFunction(synthesized.localSpec(fn, (id) => tables[id], { ...env, [ENV_IDEMPOTENCY_KEY_PREFIX]: 'Stripe.Orders' }));
  try {
    for (const e of processedBefore) expect((await before.invoke(envelope(e))).ok).toBe(true);
  } finally {
    before.close();
  }
  orders = new LocalLambdaFunction(synthesized.localSpec(fn, (id) => tables[id], env));
  invokeServer = new LambdaInvokeServer({ [fn.logicalId]: orders });
  lambdaEndpoint = await invokeServer.start();
}, 120_000);

afterAll(async () => {
  orders?.close();
  await invokeServer?.stop();
  await stripe?.close();
  ddb.destroy();
});

test('events processed under the old scope are not sent, each reported with the scope to add; a poison event sent once does not hold back the next one under --limit 1', async () => {
  const first = await cli(['--backfill', '--limit', '1']);
  expect(first.err).toBe('');
  expect(first.code).toBe(1);
  for (const e of processedBefore) {
    expect(first.out).toMatch(new RegExp(`^not sent ${e.id} \\(checkout\\.session\\.completed, \\S+Z\\) → Orders: processed under another key scope \\(Stripe\\.Orders#\\S+, COMPLETED\\): not backfilled; set idempotency\\.previousKeyScopes to include 'Stripe'$`, 'm'));
  }
  expect(first.out).toMatch(/^sent evt_1RecovPoison \(checkout\.session\.completed, \S+Z\) → Orders$/m);
  expect(first.out).toContain('backfill: 1 of 5 missing events sent to their functions, 0 failed, 2 left for another run (--limit), 2 processed under another key scope (not sent: set previousKeyScopes)');
  expect((await invokeServer.settled()).map((r) => r.ok)).toEqual([false]);

  const second = await cli(['--backfill', '--limit', '1']);
  expect(second.code).toBe(1);
  expect(second.out).toMatch(/^sent evt_1RecovOlder /m);
  expect(second.out).toMatch(/^not sent evt_1RecovPoison \(checkout\.session\.completed, \S+Z\) → Orders: sent by 1 backfill, the last \d+ seconds? ago, and not processed yet \(Lambda may still be retrying it\); sent again 1 hour after the last send$/m);
  expect(second.out).toContain('backfill: 1 of 5 missing events sent to their functions, 0 failed, 1 left for another run (--limit), 2 processed under another key scope (not sent: set previousKeyScopes), 1 sent by an earlier backfill and still missing (1 waiting for Lambda\'s retries)');
  // The docs show this run's backfill lines (times and the seconds since the last send differ from run to run).
  const sample = readmeBlocks().find((block) => block.section === 'reconcile-backfill' && block.lang === 'text')!.code;
  const normalized = (text: string) => text.replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z/g, '<time>').replace(/the last \d+ seconds? ago/g, 'the last <n> seconds ago');
  expect(normalized(second.out.split('\n').filter((l) => /^(not sent|sent|backfill:) /.test(l)).join('\n'))).toBe(normalized(sample));
  await invokeServer.settled();

  const json = await cli(['--backfill', '--dry-run', '--json']);
  expect(json.code).toBe(1);
  const report = JSON.parse(json.out);
  expect(report.backfill.wouldSend.map((e: { id: string }) => e.id)).toEqual([newer.id]);
  expect(report.backfill.otherScope.map((e: { id: string; keyScopes: string[] }) => [e.id, e.keyScopes])).toEqual(processedBefore.map((e) => [e.id, ['Stripe']]));
  expect(report.backfill.sentBefore).toEqual([expect.objectContaining({ id: poison.id, attempts: 1, action: 'waiting' })]);

  for (const e of processedBefore) expect(await effectsFor(ddb, businessTable, e.id)).toBe(1);
  expect(await effectsFor(ddb, businessTable, older.id)).toBe(1);
  expect(await effectsFor(ddb, businessTable, poison.id)).toBe(0);
  expect(stripe.violations).toEqual([]);
});

test('with idempotency.previousKeyScopes set as the report says, the events processed under the old scope are reported processed', async () => {
  const fixed = synthesize({ previousKeyScopes: ['Stripe'] });
  const result = await cli(['--json'], fixed);
  const [report] = JSON.parse(result.out).handlers;
  expect(report.processedUnderPreviousScopes).toBe(2);
  expect(report.missing.map((e: { id: string }) => e.id)).not.toContain(processedBefore[0].id);
  expect(report.missing.map((e: { id: string }) => e.id)).not.toContain(processedBefore[1].id);
  const text = await cli([], fixed);
  expect(text.out).toContain('Orders: 2 events of those processed have their records under a previous key scope (previousKeyScopes)');
});
