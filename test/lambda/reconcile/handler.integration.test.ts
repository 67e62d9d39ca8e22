/**
 * The scheduled reconciliation as deployed: an integration with `reconciliation` synthesized, and its
 * function's real bundle from cdk.out run in a local Lambda execution environment with the environment the
 * template gives it. Around it, on this machine: DynamoDB Local with tables created from the template and
 * records written by the handlers' real assets; a local Stripe Events API validated against Stripe's v1
 * OpenAPI spec; local stand-ins (no AWS account here) for Secrets Manager's GetSecretValue and for the
 * Lambda API (GetFunctionConfiguration, Invoke) running the handlers' real assets.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { StripeEventBridgeIntegration, StripeEventBus, StripeEventHandler } from '../../../src';
import { LOCAL_AWS_ENV } from '../../../src/cli/local/dynamodb-local';
import { LocalLambdaFunction } from '../../../src/cli/local/local-lambda';
import { SynthesizedStack } from '../../../src/cli/local/synthesized-stack';
import { ENV_RECONCILE_SECRET_ID } from '../../../src/contract/reconcile';
import { LambdaInvokeServer } from '../../support/lambda-invoke-server';
import { createBusinessTable, ddbClient, ddbEndpoint, effectsFor, emfLines, jsonLines, TEST_HANDLERS_DIR } from '../../support/local-stack';
import { DAY, HOUR, stripeEventAt } from '../../support/reconcile-scenario';
import { SecretsManagerStandIn } from '../../support/secrets-manager-stand-in';
import { StripeEventsServer } from '../../support/stripe-events-server';
import { envelope, TEST_EVENT_SOURCE } from '../../support/stripe-samples';
import { localHandlers, scheduledReconcileFunction } from '../../support/synthesized-reconcile';

const REPO = path.join(__dirname, '..', '..', '..');
const KEY = 'rk_test_51ScheduledReconcile';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe/read-events-AbCdEf';
const REVOKED_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe/revoked-GhIjKl';

const ddb = ddbClient();
let stripe: StripeEventsServer;
let secrets: SecretsManagerStandIn;
let invokeServer: LambdaInvokeServer;
let reconcileFn: LocalLambdaFunction;
let stack: SynthesizedStack;
let businessTable: string;
let endpoints: Record<string, string>;
let handlers: Record<string, LocalLambdaFunction> = {};

const present = stripeEventAt('evt_1SchedPresent', 'checkout.session.completed', DAY);
const missing = stripeEventAt('evt_1SchedMissing', 'checkout.session.completed', 2 * DAY);
const refundMissing = stripeEventAt('evt_1SchedRefundMissing', 'charge.refunded', 5 * HOUR);
// An event the Refunds handler always fails on.
const refundPoison = stripeEventAt('evt_1SchedRefundPoison', 'charge.refunded', 6 * HOUR);

function synthesize(): string {
  const outdir = fs.mkdtempSync(path.join(REPO, '.tmp', 'reconcile-fn-'));
  const app = new App({ outdir });
  const s = new Stack(app, 'Payments', { env: { account: '123456789012', region: 'us-east-1' } });
  const code = lambda.Code.fromAsset(TEST_HANDLERS_DIR);
  new StripeEventBridgeIntegration(s, 'Stripe', {
    eventBus: StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE),
    handlers: {
      'checkout.session.completed': StripeEventHandler.fromCode({ code, handler: 'effect-counter.handler', name: 'Orders' }),
      'charge.refunded': StripeEventHandler.fromCode({ code, handler: 'effect-counter.handler', name: 'Refunds' }),
    },
    reconciliation: { apiKeySecret: secretsmanager.Secret.fromSecretCompleteArn(s, 'ReadEventsKey', SECRET_ARN), backfill: true },
  });
  app.synth();
  return outdir;
}

function reconcileFunction(secretId: string): LocalLambdaFunction {
  return scheduledReconcileFunction(stack, { ...endpoints, [ENV_RECONCILE_SECRET_ID]: secretId });
}

beforeAll(async () => {
  stripe = await StripeEventsServer.start({ apiKey: KEY });
  stripe.seed(present, missing, refundMissing, refundPoison);
  secrets = new SecretsManagerStandIn({ [SECRET_ARN]: KEY, [REVOKED_ARN]: 'rk_test_51RevokedLongAgo' });
  stack = SynthesizedStack.load(synthesize(), 'Payments');
  businessTable = await createBusinessTable(ddb);
  ({ functions: handlers } = await localHandlers(ddb, stack, ['Orders', 'Refunds'], {
    tablePrefix: `sched-${Date.now()}-`,
    businessTable,
    environment: { SAMPLE_POISON_IDS: refundPoison.id },
  }));
  invokeServer = new LambdaInvokeServer(handlers);
  endpoints = {
    ...LOCAL_AWS_ENV,
    AWS_ENDPOINT_URL_DYNAMODB: ddbEndpoint(),
    AWS_ENDPOINT_URL_LAMBDA: await invokeServer.start(),
    AWS_ENDPOINT_URL_SECRETS_MANAGER: await secrets.start(),
    STRIPE_EB_STRIPE_API_BASE: stripe.url,
  };
  const orders = Object.values(handlers).find((f) => f.spec.name === 'Orders')!;
  expect((await orders.invoke(envelope(present))).ok).toBe(true);
  reconcileFn = reconcileFunction(SECRET_ARN);
}, 120_000);

afterAll(async () => {
  reconcileFn?.close();
  Object.values(handlers).forEach((f) => f.close());
  await invokeServer?.stop();
  await secrets?.stop();
  await stripe?.close();
  ddb.destroy();
});

test('a run publishes EventsMissed, logs the missing ids (never payloads), and backfills them through the handlers\' functions; the next run does not send again what is still missing', async () => {
  const run = await reconcileFn.invoke({ 'detail-type': 'Scheduled Event', 'source': 'aws.events', 'detail': {} });
  expect(run.error).toBeUndefined();
  expect(run.result).toMatchObject({ listed: 4, missing: 3, backfilled: 3, backfillFailed: 0 });
  expect(run.result).toMatchObject({ processedUnderOtherScopes: 0, backfillWaiting: 0, backfillFailing: 0 });
  expect(secrets.reads).toEqual([SECRET_ARN]);

  const emf = emfLines(run.logs);
  expect(emf).toHaveLength(1);
  expect(emf[0]).toMatchObject({ service: 'Stripe.Reconciliation', EventsMissed: 3, EventsBackfilled: 3 });
  expect(emf[0]._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'StripeEventBridge', Dimensions: [['service']] });
  const warning = jsonLines(run.logs).find((l) => l.level === 'WARN')!;
  expect(warning.message).toBe('3 Stripe events never reached their handlers; 3 sent to them');
  expect(warning.report.handlers.map((h: any) => [h.handler, h.missing.map((e: any) => e.id)])).toEqual([
    ['Orders', ['evt_1SchedMissing']],
    ['Refunds', ['evt_1SchedRefundPoison', 'evt_1SchedRefundMissing']],
  ]);
  // Ids, types and times only: nothing of the Checkout Session or the charge.
  expect(run.logs.join('\n')).not.toMatch(/cs_test_|ch_3|customer_details|billing_details/);

  const delivered = await invokeServer.settled();
  expect(delivered.map((r) => r.ok)).toEqual([true, false, true]);
  const nameOf = (logicalId: string) => stack.functions.find((f) => f.logicalId === logicalId)!.name;
  expect(invokeServer.invocations.map((i) => [nameOf(i.functionName), (i.event as any).source, (i.event as any).detail.id])).toEqual([
    ['Orders', TEST_EVENT_SOURCE, 'evt_1SchedMissing'],
    ['Refunds', TEST_EVENT_SOURCE, 'evt_1SchedRefundPoison'],
    ['Refunds', TEST_EVENT_SOURCE, 'evt_1SchedRefundMissing'],
  ]);
  expect(await effectsFor(ddb, businessTable, 'evt_1SchedMissing')).toBe(1);
  expect(await effectsFor(ddb, businessTable, 'evt_1SchedRefundMissing')).toBe(1);

  // The poison event is still missing; it was sent a moment ago, so it is not sent again (Lambda may still be retrying it).
  const next = await reconcileFn.invoke({});
  expect(next.result).toMatchObject({ listed: 4, missing: 1, backfilled: 0, backfillWaiting: 1, backfillFailing: 0 });
  expect(emfLines(next.logs)[0]).toMatchObject({ EventsMissed: 1, EventsBackfilled: 0 });
  const again = jsonLines(next.logs).find((l) => l.level === 'WARN')!;
  expect(again.message).toBe('1 Stripe event never reached its handler; 0 sent to it');
  expect(again.backfill.sentBefore).toEqual([expect.objectContaining({ handler: 'Refunds', id: 'evt_1SchedRefundPoison', attempts: 1, action: 'waiting' })]);
  expect(invokeServer.invocations).toHaveLength(3);
  expect(stripe.violations).toEqual([]);
});

test('a run that cannot check fails (the function\'s Errors alarm), saying why and never showing the key', async () => {
  const revoked = reconcileFunction(REVOKED_ARN);
  try {
    const run = await revoked.invoke({});
    expect(run.ok).toBe(false);
    expect(run.error?.name).toBe('StripeEventsError');
    expect(run.error?.message).toMatch(/Stripe answered 401 .*The key was rejected/);
    expect(JSON.stringify(run)).not.toContain('rk_test_51RevokedLongAgo');
  } finally {
    revoked.close();
  }
});
