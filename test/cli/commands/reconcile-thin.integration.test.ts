/**
 * `stripe-eventbridge reconcile --synth` on an integration of two buses (snapshot and thin), run as users run it: the
 * bundled CLI in a child process. Stripe's event logs are local stand-ins validated against Stripe's specs: GET
 * /v2/core/events against the v2 OpenAPI spec (test/support/stripe-thin-api.ts), which forwards GET /v1/events to the
 * v1 stand-in (test/support/stripe-events-server.ts). Records are written in DynamoDB Local by the real assets from
 * cdk.out; backfill goes through a local stand-in of the Lambda Invoke API running those same assets: no AWS account.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import Stripe from 'stripe';
import { StripeEventBridgeIntegration, StripeEventBus, StripeEventHandler, StripeEventPayload } from '../../../src';
import type { LocalLambdaFunction } from '../../../src/cli/local/local-lambda';
import { SynthesizedStack } from '../../../src/cli/local/synthesized-stack';
import { LambdaInvokeServer } from '../../support/lambda-invoke-server';
import { createBusinessTable, ddbClient, effectsFor, TEST_HANDLERS_DIR } from '../../support/local-stack';
import { readmeBlocks } from '../../support/readme';
import { DAY, HOUR, stripeEventAt } from '../../support/reconcile-scenario';
import { StripeEventsServer } from '../../support/stripe-events-server';
import { envelope, TEST_EVENT_SOURCE, thinEnvelope } from '../../support/stripe-samples';
import { StripeThinApi, v2EventFrom } from '../../support/stripe-thin-api';
import { CliResult, localHandlers, runReconcileCli } from '../../support/synthesized-reconcile';

const REPO = path.join(__dirname, '..', '..', '..');
const KEY = 'rk_test_51ReconcileThinCli';
const THIN_SOURCE = 'aws.partner/stripe.com/ed_test_61ThinCliDestination00000000000000000000000';

const ddb = ddbClient();
let v1: StripeEventsServer;
let api: StripeThinApi;
let invokeServer: LambdaInvokeServer;
let lambdaEndpoint: string;
let cdkOut: string;
let tablePrefix: string;
let businessTable: string;
let functions: Record<string, LocalLambdaFunction> = {};
let logicalIdOf: Record<string, string> = {};

const now = Math.floor(Date.now() / 1000);
const isoAgo = (ageSeconds: number) => new Date((now - ageSeconds) * 1000 + 456).toISOString();
const orderDone = stripeEventAt('evt_1ThinCliOrderDone', 'checkout.session.completed', DAY, {}, now);
const orderMissing = stripeEventAt('evt_1ThinCliOrderMissing', 'checkout.session.completed', 2 * DAY, {}, now);
const thinOrderDone = thinEnvelope({ id: 'evt_test_65ThinCliTwinDone', type: 'v1.checkout.session.completed', created: isoAgo(DAY), snapshot_event: orderDone.id }, { source: THIN_SOURCE });
const thinOrderMissing = thinEnvelope({ id: 'evt_test_65ThinCliTwinMissing', type: 'v1.checkout.session.completed', created: isoAgo(2 * DAY), snapshot_event: orderMissing.id }, { source: THIN_SOURCE });
const accountFields = (id: string) => ({ context: id, related_object: { id, type: 'v2.core.account', url: `/v2/core/accounts/${id}` } });
const accountDone = thinEnvelope({ id: 'evt_test_65ThinCliAccountDone', type: 'v2.core.account.updated', created: isoAgo(3 * HOUR), ...accountFields('acct_1ThinCliA') }, { source: THIN_SOURCE });
const accountMissing = thinEnvelope({ id: 'evt_test_65ThinCliAccountMissing', type: 'v2.core.account.updated', created: isoAgo(5 * HOUR), ...accountFields('acct_1ThinCliB') }, { source: THIN_SOURCE });

function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runReconcileCli(args, { AWS_ENDPOINT_URL_LAMBDA: lambdaEndpoint, STRIPE_EB_STRIPE_API_BASE: api.url, STRIPE_API_KEY: KEY, ...env });
}

function synthesize(): string {
  fs.mkdirSync(path.join(REPO, '.tmp'), { recursive: true });
  const outdir = fs.mkdtempSync(path.join(REPO, '.tmp', 'reconcile-thin-cli-'));
  const app = new App({ outdir });
  const stack = new Stack(app, 'Platform', { env: { account: '123456789012', region: 'us-east-1' } });
  const code = lambda.Code.fromAsset(TEST_HANDLERS_DIR);
  const orders = StripeEventHandler.fromCode({ code, handler: 'effect-counter.handler', name: 'Orders' });
  new StripeEventBridgeIntegration(stack, 'Stripe', {
    eventBus: StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE),
    thinEventBus: StripeEventBus.fromPartnerEventSource(THIN_SOURCE, { payload: StripeEventPayload.THIN }),
    handlers: {
      // A snapshot type and its thin twin on one handler: one record for the pair.
      'checkout.session.completed': orders,
      'v1.checkout.session.completed': orders,
      'v2.core.account.updated': StripeEventHandler.fromCode({ code, handler: 'effect-counter.handler', name: 'Accounts' }),
    },
  });
  app.synth();
  return outdir;
}

beforeAll(async () => {
  // The v2 stand-in forwards /v1/… to the v1 log with its own test key (stripe-mock's), so that one client reads both.
  v1 = await StripeEventsServer.start({ apiKey: 'sk_test_123' });
  v1.seed(orderDone, orderMissing);
  api = await StripeThinApi.start({ apiKey: KEY, apiVersion: Stripe.API_VERSION, v1Upstream: v1.url });
  for (const e of [thinOrderDone, thinOrderMissing, accountDone, accountMissing]) api.seed(v2EventFrom(e.detail));
  cdkOut = synthesize();
  const stack = SynthesizedStack.load(cdkOut, 'Platform');
  tablePrefix = `reconcile-thin-${Date.now()}-`;
  businessTable = await createBusinessTable(ddb);
  ({ functions, logicalIdOf } = await localHandlers(ddb, stack, ['Orders', 'Accounts'], { tablePrefix, businessTable }));
  invokeServer = new LambdaInvokeServer(functions);
  lambdaEndpoint = await invokeServer.start();
  // What did reach AWS: the snapshot order and its thin twin (a duplicate), and one account update.
  expect((await functions[logicalIdOf.Orders].invoke(envelope(orderDone))).ok).toBe(true);
  expect((await functions[logicalIdOf.Orders].invoke(thinOrderDone)).ok).toBe(true);
  expect((await functions[logicalIdOf.Accounts].invoke(accountDone)).ok).toBe(true);
}, 120_000);

afterAll(async () => {
  Object.values(functions).forEach((f) => f.close());
  await invokeServer?.stop();
  await api?.close();
  await v1?.close();
  ddb.destroy();
});

afterEach(() => {
  expect(api.violations).toEqual([]);
  expect(v1.violations).toEqual([]);
});

const synthArgs = () => ['--synth', cdkOut, '--stack', 'Platform', '--table-prefix', tablePrefix];

test('reads snapshot events from GET /v1/events and thin ones from GET /v2/core/events, by the bus of each rule; a thin twin names its snapshot event', async () => {
  const result = await cli([...synthArgs(), '--since', '3d']);
  expect(result.err).toBe('');
  expect(result.code).toBe(1);
  const lines = result.out.split('\n');
  expect(lines.slice(2, 5).map((l) => l.trim().split(/\s{2,}/))).toEqual([
    ['handler', 'events', 'processed', 'in progress', 'missing', 'event types'],
    ['Orders', '4', '2', '0', '2', 'checkout.session.completed, v1.checkout.session.completed'],
    ['Accounts', '2', '1', '0', '1', 'v2.core.account.updated'],
  ]);
  expect(result.out).toMatch(/^Orders: missing evt_test_65ThinCliTwinMissing \(v1\.checkout\.session\.completed, \S+Z, snapshot twin evt_1ThinCliOrderMissing\)$/m);
  expect(result.out).toMatch(/^Accounts: missing evt_test_65ThinCliAccountMissing \(v2\.core\.account\.updated, /m);
  expect(result.out).toContain('MISSING: 3 events never reached their handlers.');
  const json = JSON.parse((await cli([...synthArgs(), '--since', '3d', '--backfill', '--dry-run', '--json'])).out);
  expect(json.handlers[0].missing[1]).toMatchObject({ id: thinOrderMissing.detail.id, snapshotEvent: orderMissing.id });
  expect(json.backfill.twins).toEqual([{ handler: 'Orders', id: thinOrderMissing.detail.id, type: 'v1.checkout.session.completed', snapshotEvent: orderMissing.id }]);
  expect(invokeServer.invocations).toHaveLength(0);
  // The thin types asked for by name, the window as RFC 3339 timestamps.
  expect(api.listQueries).toContainEqual(expect.objectContaining({ 'types[0]': 'v1.checkout.session.completed', 'types[1]': 'v2.core.account.updated' }));
});

test('--backfill (local Lambda stand-in), as docs/operations.md runs it: the snapshot event for the pair, the thin event as the thin bus delivers it; then nothing is missing (exit 0)', async () => {
  const docs = readmeBlocks().filter((b) => b.section === 'reconcile-thin');
  const docsArgs = docs.find((b) => b.lang === 'sh')!.code.trim().replace(/^npx stripe-eventbridge reconcile /, '').split(/\s+/);
  // The deployed stack and the key's secret need an account: the cloud assembly and STRIPE_API_KEY stand in for them.
  expect(docsArgs.slice(0, 4)).toEqual(['--stack', 'Platform', '--secret', 'stripe/read-events']);
  const result = await cli([...synthArgs(), ...docsArgs.slice(4)]);
  expect(result.err).toBe('');
  expect(result.out).toContain('backfill: 2 of 3 missing events sent to their functions, 0 failed, 1 thin event left to its snapshot twin (one record for both)');
  expect(result.code).toBe(0);
  // The docs show this run's output (the times differ from run to run).
  const times = (text: string) => text.trim().replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z/g, '<time>');
  expect(times(result.out)).toBe(times(docs.find((b) => b.lang === 'text')!.code));
  expect((await invokeServer.settled()).every((r) => r.ok)).toBe(true);
  const delivered = invokeServer.invocations.map((i) => [i.functionName, (i.event as any).source, (i.event as any)['detail-type'], (i.event as any).detail.id]);
  expect(delivered).toEqual([
    [logicalIdOf.Orders, TEST_EVENT_SOURCE, 'checkout.session.completed', orderMissing.id],
    [logicalIdOf.Accounts, THIN_SOURCE, 'v2.core.account.updated', accountMissing.detail.id],
  ]);
  expect(await effectsFor(ddb, businessTable, orderMissing.id)).toBe(1);
  expect(await effectsFor(ddb, businessTable, accountMissing.detail.id as string)).toBe(1);

  const after = await cli(synthArgs());
  expect(after.code).toBe(0);
  expect(after.out).toContain('OK: every event the rules take reached its handler.');
});
