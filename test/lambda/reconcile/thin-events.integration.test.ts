/**
 * The scheduled reconciliation of an integration of two buses (snapshot and thin), as deployed: the function's real
 * bundle from cdk.out in a local Lambda execution environment, with the environment the template gives it. Around it:
 * DynamoDB Local with tables from the template and records written by the handlers' real assets; Stripe's event logs
 * as local stand-ins validated against Stripe's specs (GET /v2/core/events against the v2 OpenAPI spec,
 * test/support/stripe-thin-api.ts, forwarding GET /v1/events to test/support/stripe-events-server.ts); local stand-ins
 * (no AWS account here) for Secrets Manager's GetSecretValue and the Lambda API running the handlers' real assets.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import Stripe from 'stripe';
import { StripeEventBridgeIntegration, StripeEventBus, StripeEventHandler, StripeEventPayload } from '../../../src';
import { LOCAL_AWS_ENV } from '../../../src/cli/local/dynamodb-local';
import type { LocalLambdaFunction } from '../../../src/cli/local/local-lambda';
import { SynthesizedStack } from '../../../src/cli/local/synthesized-stack';
import { LambdaInvokeServer } from '../../support/lambda-invoke-server';
import { createBusinessTable, ddbClient, ddbEndpoint, effectsFor, jsonLines, TEST_HANDLERS_DIR } from '../../support/local-stack';
import { DAY, HOUR, stripeEventAt } from '../../support/reconcile-scenario';
import { SecretsManagerStandIn } from '../../support/secrets-manager-stand-in';
import { StripeEventsServer } from '../../support/stripe-events-server';
import { TEST_EVENT_SOURCE, thinEnvelope } from '../../support/stripe-samples';
import { StripeThinApi, v2EventFrom } from '../../support/stripe-thin-api';
import { localHandlers, scheduledReconcileFunction } from '../../support/synthesized-reconcile';

const REPO = path.join(__dirname, '..', '..', '..');
const KEY = 'rk_test_51ScheduledReconcileThin';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe/read-events-thin-AbCdEf';
const THIN_SOURCE = 'aws.partner/stripe.com/ed_test_61ThinScheduledDestination0000000000000000';

const ddb = ddbClient();
let v1: StripeEventsServer;
let api: StripeThinApi;
let secrets: SecretsManagerStandIn;
let invokeServer: LambdaInvokeServer;
let reconcileFn: LocalLambdaFunction;
let stack: SynthesizedStack;
let businessTable: string;
let handlers: Record<string, LocalLambdaFunction> = {};

const now = Math.floor(Date.now() / 1000);
const isoAgo = (ageSeconds: number) => new Date((now - ageSeconds) * 1000 + 789).toISOString();
const orderMissing = stripeEventAt('evt_1SchedThinOrderMissing', 'checkout.session.completed', 2 * DAY, {}, now);
const twinMissing = thinEnvelope({ id: 'evt_test_65SchedThinTwinMissing', type: 'v1.checkout.session.completed', created: isoAgo(2 * DAY), snapshot_event: orderMissing.id }, { source: THIN_SOURCE });
const account = (id: string) => ({ context: id, related_object: { id, type: 'v2.core.account', url: `/v2/core/accounts/${id}` } });
const accountDone = thinEnvelope({ id: 'evt_test_65SchedThinAccountDone', type: 'v2.core.account.updated', created: isoAgo(HOUR), ...account('acct_1SchedA') }, { source: THIN_SOURCE });
const accountMissing = thinEnvelope({ id: 'evt_test_65SchedThinAccountMissing', type: 'v2.core.account.created', created: isoAgo(5 * HOUR), ...account('acct_1SchedB') }, { source: THIN_SOURCE });

function synthesize(): string {
  fs.mkdirSync(path.join(REPO, '.tmp'), { recursive: true });
  const outdir = fs.mkdtempSync(path.join(REPO, '.tmp', 'reconcile-thin-fn-'));
  const app = new App({ outdir });
  const s = new Stack(app, 'Platform', { env: { account: '123456789012', region: 'us-east-1' } });
  const code = lambda.Code.fromAsset(TEST_HANDLERS_DIR);
  const orders = StripeEventHandler.fromCode({ code, handler: 'effect-counter.handler', name: 'Orders' });
  new StripeEventBridgeIntegration(s, 'Stripe', {
    eventBus: StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE),
    thinEventBus: StripeEventBus.fromPartnerEventSource(THIN_SOURCE, { payload: StripeEventPayload.THIN }),
    handlers: {
      'checkout.session.completed': orders,
      'v1.checkout.session.completed': orders,
      'v2.core.account.*': StripeEventHandler.fromCode({ code, handler: 'effect-counter.handler', name: 'Accounts' }),
    },
    reconciliation: { apiKeySecret: secretsmanager.Secret.fromSecretCompleteArn(s, 'ReadEventsKey', SECRET_ARN), backfill: true },
  });
  app.synth();
  return outdir;
}

beforeAll(async () => {
  // The v2 stand-in forwards /v1/… to the v1 log with its own test key (stripe-mock's), so that one client reads both.
  v1 = await StripeEventsServer.start({ apiKey: 'sk_test_123' });
  v1.seed(orderMissing);
  api = await StripeThinApi.start({ apiKey: KEY, apiVersion: Stripe.API_VERSION, v1Upstream: v1.url });
  for (const e of [twinMissing, accountDone, accountMissing]) api.seed(v2EventFrom(e.detail));
  secrets = new SecretsManagerStandIn({ [SECRET_ARN]: KEY });
  stack = SynthesizedStack.load(synthesize(), 'Platform');
  businessTable = await createBusinessTable(ddb);
  ({ functions: handlers } = await localHandlers(ddb, stack, ['Orders', 'Accounts'], { tablePrefix: `sched-thin-${Date.now()}-`, businessTable }));
  invokeServer = new LambdaInvokeServer(handlers);
  const endpoints = {
    ...LOCAL_AWS_ENV,
    AWS_ENDPOINT_URL_DYNAMODB: ddbEndpoint(),
    AWS_ENDPOINT_URL_LAMBDA: await invokeServer.start(),
    AWS_ENDPOINT_URL_SECRETS_MANAGER: await secrets.start(),
    STRIPE_EB_STRIPE_API_BASE: api.url,
  };
  const accounts = Object.values(handlers).find((f) => f.spec.name === 'Accounts')!;
  expect((await accounts.invoke(accountDone)).ok).toBe(true);
  reconcileFn = scheduledReconcileFunction(stack, endpoints);
}, 120_000);

afterAll(async () => {
  reconcileFn?.close();
  Object.values(handlers).forEach((f) => f.close());
  await invokeServer?.stop();
  await secrets?.stop();
  await api?.close();
  await v1?.close();
  ddb.destroy();
});

test('a run lists both logs, backfills a thin event from the thin bus\'s source and leaves a thin twin to its snapshot event', async () => {
  const run = await reconcileFn.invoke({ 'detail-type': 'Scheduled Event', 'source': 'aws.events', 'detail': {} });
  expect(run.error).toBeUndefined();
  expect(run.result).toMatchObject({ listed: 4, missing: 3, backfilled: 2, backfillFailed: 0, leftToSnapshotTwins: 1 });
  const warning = jsonLines(run.logs).find((l) => l.level === 'WARN')!;
  expect(warning.message).toBe('3 Stripe events never reached their handlers; 2 sent to them; 1 thin, left to its snapshot twin (one record for both)');
  expect(warning.report.handlers.map((h: any) => [h.handler, h.missing.map((e: any) => e.id)])).toEqual([
    ['Orders', [orderMissing.id, twinMissing.detail.id]],
    ['Accounts', [accountMissing.detail.id]],
  ]);
  expect(warning.report.handlers[0].missing[1].snapshotEvent).toBe(orderMissing.id);

  await invokeServer.settled();
  const nameOf = (logicalId: string) => stack.functions.find((f) => f.logicalId === logicalId)!.name;
  expect(invokeServer.invocations.map((i) => [nameOf(i.functionName), (i.event as any).source, (i.event as any).detail.id])).toEqual([
    ['Orders', TEST_EVENT_SOURCE, orderMissing.id],
    ['Accounts', THIN_SOURCE, accountMissing.detail.id],
  ]);
  expect((invokeServer.invocations[1].event as any).detail).toEqual(accountMissing.detail);
  expect(await effectsFor(ddb, businessTable, orderMissing.id)).toBe(1);
  expect(await effectsFor(ddb, businessTable, accountMissing.detail.id as string)).toBe(1);

  const next = await reconcileFn.invoke({});
  expect(next.result).toMatchObject({ listed: 4, missing: 0, backfilled: 0 });
  expect(api.violations).toEqual([]);
  expect(v1.violations).toEqual([]);
});
