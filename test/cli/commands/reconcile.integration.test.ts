/**
 * `stripe-eventbridge reconcile --synth`, run as users run it: the bundled CLI in a child process, reading a
 * synthesized integration from its cloud assembly. The Stripe account is a local Events API validated against
 * Stripe's v1 OpenAPI spec (STRIPE_EB_STRIPE_API_BASE); the idempotency records are written in DynamoDB Local
 * by the real assets from cdk.out (wrapper layer and handler); backfill goes through a local stand-in of the
 * Lambda Invoke API running those same assets (AWS_ENDPOINT_URL_LAMBDA): no AWS account here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { StripeEventBridgeIntegration, StripeEventBus, StripeEventHandler } from '../../../src';
import type { LocalLambdaFunction } from '../../../src/cli/local/local-lambda';
import { SynthesizedStack } from '../../../src/cli/local/synthesized-stack';
import { LambdaInvokeServer } from '../../support/lambda-invoke-server';
import { createBusinessTable, ddbClient, effectsFor, TEST_HANDLERS_DIR } from '../../support/local-stack';
import { DAY, HOUR, stripeEventAt } from '../../support/reconcile-scenario';
import { StripeEventsServer } from '../../support/stripe-events-server';
import { envelope, TEST_EVENT_SOURCE } from '../../support/stripe-samples';
import { CliResult, localHandlers, runReconcileCli } from '../../support/synthesized-reconcile';

const REPO = path.join(__dirname, '..', '..', '..');
const KEY = 'rk_test_51ReconcileCli';
const NO_EVENTS_KEY = 'rk_test_51WithoutEventsRead';

const ddb = ddbClient();
let stripe: StripeEventsServer;
let invokeServer: LambdaInvokeServer;
let lambdaEndpoint: string;
let cdkOut: string;
let tablePrefix: string;
let businessTable: string;
let functions: Record<string, LocalLambdaFunction> = {};
let logicalIdOf: Record<string, string> = {};

const events = {
  orderPresent: stripeEventAt('evt_1CliOrderPresent', 'checkout.session.completed', DAY),
  orderMissing: stripeEventAt('evt_1CliOrderMissing', 'checkout.session.completed', 2 * DAY),
  orderMissingToo: stripeEventAt('evt_1CliOrderMissingToo', 'checkout.session.completed', 6 * HOUR),
  subPresent: stripeEventAt('evt_1CliSubPresent', 'customer.subscription.updated', DAY),
  subMissing: stripeEventAt('evt_1CliSubMissing', 'customer.subscription.deleted', 3 * HOUR),
};

function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runReconcileCli(args, { AWS_ENDPOINT_URL_LAMBDA: lambdaEndpoint, STRIPE_EB_STRIPE_API_BASE: stripe.url, STRIPE_API_KEY: KEY, ...env });
}

function synthesize(): string {
  fs.mkdirSync(path.join(REPO, '.tmp'), { recursive: true });
  const outdir = fs.mkdtempSync(path.join(REPO, '.tmp', 'reconcile-cli-'));
  const app = new App({ outdir });
  const stack = new Stack(app, 'Payments', { env: { account: '123456789012', region: 'us-east-1' } });
  const code = lambda.Code.fromAsset(TEST_HANDLERS_DIR);
  new StripeEventBridgeIntegration(stack, 'Stripe', {
    eventBus: StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE),
    handlers: {
      'checkout.session.completed': StripeEventHandler.fromCode({ code, handler: 'effect-counter.handler', name: 'Orders' }),
      'customer.subscription.*': StripeEventHandler.fromCode({ code, handler: 'effect-counter.handler', name: 'Memberships' }),
    },
  });
  app.synth();
  return outdir;
}

beforeAll(async () => {
  stripe = await StripeEventsServer.start({ apiKey: KEY, keyWithoutEventsAccess: NO_EVENTS_KEY });
  stripe.seed(...Object.values(events));
  cdkOut = synthesize();
  const stack = SynthesizedStack.load(cdkOut, 'Payments');
  tablePrefix = `reconcile-${Date.now()}-`;
  businessTable = await createBusinessTable(ddb);
  ({ functions, logicalIdOf } = await localHandlers(ddb, stack, ['Orders', 'Memberships'], { tablePrefix, businessTable }));
  invokeServer = new LambdaInvokeServer(functions);
  lambdaEndpoint = await invokeServer.start();
  // What did reach AWS: delivered by the rules, processed by the real wrapper and handler.
  expect((await functions[logicalIdOf.Orders].invoke(envelope(events.orderPresent))).ok).toBe(true);
  expect((await functions[logicalIdOf.Memberships].invoke(envelope(events.subPresent))).ok).toBe(true);
}, 120_000);

afterAll(async () => {
  Object.values(functions).forEach((f) => f.close());
  await invokeServer?.stop();
  await stripe?.close();
  ddb.destroy();
});

const synthArgs = () => ['--synth', cdkOut, '--stack', 'Payments', '--table-prefix', tablePrefix];

test('reports per handler what was processed and what is missing, with ids, and exits 1', async () => {
  const result = await cli([...synthArgs(), '--since', '3d']);
  expect(result.err).toBe('');
  expect(result.code).toBe(1);
  const lines = result.out.split('\n');
  expect(lines[0]).toMatch(/^Stripe events from \S+Z to \S+Z \(the last 3 days, less the last 15 minutes\): 5 events of the handlers' types$/);
  expect(lines.slice(2, 5).map((l) => l.trim().split(/\s{2,}/))).toEqual([
    ['handler', 'events', 'processed', 'in progress', 'missing', 'event types'],
    ['Orders', '3', '1', '0', '2', 'checkout.session.completed'],
    ['Memberships', '2', '1', '0', '1', 'customer.subscription.*'],
  ]);
  expect(result.out).toMatch(/^Orders: missing evt_1CliOrderMissing \(checkout\.session\.completed, \S+Z\)$/m);
  expect(result.out).toMatch(/^Orders: missing evt_1CliOrderMissingToo /m);
  expect(result.out).toMatch(/^Memberships: missing evt_1CliSubMissing \(customer\.subscription\.deleted, /m);
  expect(result.out).toContain('MISSING: 3 events never reached their handlers.\nDeliver them with --backfill (add --dry-run to list them first).');
  expect(stripe.violations).toEqual([]);
});

test('--json gives the same report for machines (ids, types, times; no payloads)', async () => {
  const result = await cli([...synthArgs(), '--handler', 'Orders', '--json']);
  expect(result.code).toBe(1);
  const json = JSON.parse(result.out);
  expect(json.missing).toBe(2);
  expect(json.handlers).toHaveLength(1);
  expect(json.handlers[0]).toMatchObject({ handler: 'Orders', function: logicalIdOf.Orders, checked: true, events: 3, processed: 1, inProgress: [] });
  expect(json.handlers[0].missing.map((e: { id: string }) => e.id)).toEqual(['evt_1CliOrderMissing', 'evt_1CliOrderMissingToo']);
  expect(result.out).not.toContain('"data"');
});

test('--backfill --dry-run lists what would be sent and invokes nothing', async () => {
  const result = await cli([...synthArgs(), '--backfill', '--dry-run']);
  expect(result.code).toBe(1);
  expect(result.out).toMatch(/^would send evt_1CliOrderMissing \(checkout\.session\.completed, \S+Z\) → Orders$/m);
  expect(result.out).toContain('dry run: 3 of 3 missing events would be sent (nothing invoked)');
  expect(invokeServer.invocations).toHaveLength(0);
});

test('--backfill (local Lambda stand-in) sends the missing events once each, oldest first; then nothing is missing', async () => {
  const first = await cli([...synthArgs(), '--backfill', '--limit', '1']);
  expect(first.out).toContain('backfill: 1 of 3 missing events sent to their functions, 0 failed, 2 left for another run (--limit)');
  expect(first.code).toBe(1);
  const rest = await cli([...synthArgs(), '--backfill']);
  expect(rest.err).toBe('');
  expect(rest.out).toContain('backfill: 2 of 2 missing events sent to their functions, 0 failed');
  expect(rest.code).toBe(0);
  const results = await invokeServer.settled();
  expect(results.every((r) => r.ok)).toBe(true);
  expect(invokeServer.invocations.map((i) => `${i.functionName} ${(i.event as any).detail.id}`)).toEqual([
    `${logicalIdOf.Orders} evt_1CliOrderMissing`,
    `${logicalIdOf.Orders} evt_1CliOrderMissingToo`,
    `${logicalIdOf.Memberships} evt_1CliSubMissing`,
  ]);
  for (const e of ['evt_1CliOrderMissing', 'evt_1CliOrderMissingToo', 'evt_1CliSubMissing']) expect(await effectsFor(ddb, businessTable, e)).toBe(1);

  const after = await cli(synthArgs());
  expect(after.code).toBe(0);
  expect(after.out).toContain('OK: every event the rules take reached its handler.');
});

describe('clear errors, exit code 2', () => {
  test('no key: says where to put one, and that a flag will not take it', async () => {
    const result = await cli(synthArgs(), { STRIPE_API_KEY: '' });
    expect(result.code).toBe(2);
    expect(result.err).toContain('no Stripe key: set STRIPE_API_KEY to a restricted key with Read access to Events');
  });

  test('a key Stripe refuses, and a key without Read access to Events, with what to do', async () => {
    const refused = await cli(synthArgs(), { STRIPE_API_KEY: 'rk_test_51NotThisOne' });
    expect(refused.code).toBe(2);
    // Stripe echoes the key masked; even that is left out.
    expect(refused.err).toMatch(/Stripe answered 401 \(request req_\d+\): Invalid API Key provided: \[redacted key\]\. The key was rejected: use a valid restricted key/);
    expect(refused.err).not.toContain('rk_test_51NotThisOne');
    const forbidden = await cli(synthArgs(), { STRIPE_API_KEY: NO_EVENTS_KEY });
    expect(forbidden.code).toBe(2);
    expect(forbidden.err).toContain("Having the 'rak_event_read' permission would allow this request to continue. The key lacks a permission: give the restricted key Read access to Events");
  });

  test('a window beyond Stripe\'s 30 days, an unknown handler, and --limit without --backfill', async () => {
    const far = await cli([...synthArgs(), '--since', '31d']);
    expect(far.code).toBe(2);
    expect(far.err).toContain("Stripe's Events API keeps 30 days of events, so look back 30 days (30d) at most");
    const unknown = await cli([...synthArgs(), '--handler', 'Ordres']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("--handler: no handler named 'Ordres'; the integration's handlers are Orders, Memberships");
    const limit = await cli([...synthArgs(), '--limit', '5']);
    expect(limit.code).toBe(2);
    expect(limit.err).toContain('--dry-run and --limit only apply with --backfill');
  });
});
