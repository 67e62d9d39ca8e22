/**
 * Thin events through the real Python wrapper layer (with the pinned stripe-python) in local Lambda environments,
 * against DynamoDB Local: the handler (test/fixtures/handlers/thin_accounts.py) fetches the event's related object
 * with `context.event_notification` / `context.stripe` from a local Stripe API validated against Stripe's v2 OpenAPI
 * spec (test/support/stripe-thin-api.ts), authenticated with a key read from a Secrets Manager stand-in (Secrets
 * Manager needs an account), and commits with `context.effects.transact_write`: exactly once, on the same records as
 * the Node.js wrapper.
 */
import Stripe from 'stripe';
import { LocalLambdaFunction } from '../../../src/cli/local/local-lambda';
import { ENV_STRIPE_API_BASE } from '../../../src/contract/reconcile';
import { ENV_EVENT_PAYLOADS, ENV_STRIPE_API_KEY_SECRET_ID } from '../../../src/contract/wrapper';
import { effectsFor, idempotencyRecords, outcomeLine, PYTHON_RUNTIME, useLocalStack } from '../../support/local-stack';
import { SecretsManagerStandIn } from '../../support/secrets-manager-stand-in';
import { envelope, loadSample, StripeEventSample, thinEnvelope, withId } from '../../support/stripe-samples';
import { StripeThinApi, v2Account, v2EventFrom } from '../../support/stripe-thin-api';

const KEY = 'rk_test_51ThinPythonRestrictedKey0000000000000';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe/python-key-AbCdEf';
const CHECKOUT = loadSample<StripeEventSample>('checkout.session.completed__stripe-ruby-mock.json');

const stack = useLocalStack();
let secrets: SecretsManagerStandIn;
let secretsUrl: string;
let api: StripeThinApi;

beforeAll(async () => {
  secrets = new SecretsManagerStandIn({ [SECRET_ARN]: KEY });
  secretsUrl = await secrets.start();
  api = await StripeThinApi.start({ apiKey: KEY, apiVersion: Stripe.API_VERSION });
});
afterAll(async () => {
  await api?.close();
  await secrets?.stop();
});
afterEach(() => expect(api.violations).toEqual([]));

function pythonFunction(keyPrefix: string, mode = 'notification', secret = true): LocalLambdaFunction {
  return stack.wrapped({
    runtime: PYTHON_RUNTIME,
    handlerName: 'Accounts',
    keyPrefix,
    userHandler: 'thin_accounts.handler',
    environment: {
      SAMPLE_MODE: mode,
      [ENV_EVENT_PAYLOADS]: 'snapshot,thin',
      ...(secret ? { [ENV_STRIPE_API_KEY_SECRET_ID]: SECRET_ARN } : {}),
      [ENV_STRIPE_API_BASE]: api.url,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsUrl,
    },
  });
}

function accountUpdated(eventId: string, accountId: string) {
  const event = thinEnvelope({
    id: eventId,
    type: 'v2.core.account.updated',
    context: accountId,
    related_object: { id: accountId, type: 'v2.core.account', url: `/v2/core/accounts/${accountId}` },
  });
  api.seed(v2EventFrom(event.detail), v2Account(accountId));
  return event;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('v2.core.account.updated: stripe-python fetches the account with the key and the event\'s context; one effect; a redelivery is a duplicate', async () => {
  const f = pythonFunction('Test.PyThin.Fetch');
  const reads = secrets.reads.length;
  const first = await f.invoke(accountUpdated('evt_65PyThinFetch', 'acct_1PyFetch'));
  expect(first.error).toBeUndefined();
  // stripe-python's own classes: the notification of the type, the v2 Account it fetched.
  expect(first.result).toEqual({ handled: 'evt_65PyThinFetch', account: 'acct_1PyFetch', display_name: 'Shop acct_1PyFetch', class: 'Account' });
  expect(api.requests.filter((r) => r.path === '/v2/core/accounts/acct_1PyFetch')).toEqual([
    expect.objectContaining({ stripeContext: 'acct_1PyFetch', trigger: 'event=evt_65PyThinFetch', status: 200 }),
  ]);
  expect(outcomeLine(first.logs)).toMatchObject({ outcome: 'processed', related_object_id: 'acct_1PyFetch', transaction_actions: 2 });
  const again = await f.invoke({ ...accountUpdated('evt_65PyThinFetch', 'acct_1PyFetch'), id: 'another-envelope' });
  expect(outcomeLine(again.logs)).toMatchObject({ outcome: 'duplicate' });
  const client = await f.invoke(accountUpdated('evt_65PyThinSecond', 'acct_1PySecond'));
  expect(client.error).toBeUndefined();
  expect(secrets.reads.slice(reads)).toEqual([SECRET_ARN]);
  expect(await effectsFor(stack.client, stack.businessTable, 'evt_65PyThinFetch')).toBe(1);
  expect([...first.logs, ...again.logs].join('\n')).not.toContain(KEY);
});

test('context.stripe is a stripe.StripeClient with the event\'s context; reading the notification needs no key', async () => {
  const client = await pythonFunction('Test.PyThin.Client', 'client').invoke(accountUpdated('evt_65PyThinClient', 'acct_1PyClient'));
  expect(client.result).toMatchObject({ account: 'acct_1PyClient', class: 'Account' });
  expect(api.requests.filter((r) => r.path === '/v2/core/accounts/acct_1PyClient')).toEqual([expect.objectContaining({ stripeContext: 'acct_1PyClient' })]);
  const readOnly = await pythonFunction('Test.PyThin.ReadOnly', 'read-only', false).invoke(accountUpdated('evt_65PyThinRead', 'acct_1PyRead'));
  expect(readOnly.result).toEqual({ handled: 'evt_65PyThinRead', related: 'acct_1PyRead', type: 'v2.core.account.updated', class: 'V2CoreAccountUpdatedEventNotification' });
});

test('the environment dies between the fetch and the commit: nothing written; the retry commits once', async () => {
  const f = pythonFunction('Test.PyThin.Crash', 'crash-between');
  const event = accountUpdated('evt_65PyThinCrash', 'acct_1PyCrash');
  const crashed = await f.invoke(event, { timeoutMs: 3_000 });
  expect(crashed.ok).toBe(false);
  const [record] = await idempotencyRecords(stack.client, stack.idempotencyTable, 'Test.PyThin.Crash');
  expect(record.status).toBe('INPROGRESS');
  expect(await effectsFor(stack.client, stack.businessTable, 'evt_65PyThinCrash')).toBe(0);
  await sleep(Math.max(0, record.in_progress_expiration - Date.now()) + 50);
  expect(outcomeLine((await f.invoke({ ...event, id: 'retry' })).logs)).toMatchObject({ outcome: 'processed' });
  expect(outcomeLine((await f.invoke({ ...event, id: 'replay' })).logs)).toMatchObject({ outcome: 'duplicate' });
  expect(await effectsFor(stack.client, stack.businessTable, 'evt_65PyThinCrash')).toBe(1);
});

test('snapshot twins run the handler once; a thin event reusing a snapshot id for another type is EVENT_ID_REUSED', async () => {
  const f = pythonFunction('Test.PyThin.Twins');
  const snapshot = await f.invoke(envelope(withId(CHECKOUT, 'evt_1PyTwin')));
  expect(outcomeLine(snapshot.logs)?.outcome).toBe('processed');
  const thin = thinEnvelope({ id: 'evt_65PyTwin', type: 'v1.checkout.session.completed', snapshot_event: 'evt_1PyTwin' });
  expect(outcomeLine((await f.invoke(thin)).logs)).toMatchObject({ outcome: 'duplicate', snapshot_event_id: 'evt_1PyTwin', stripe_event_id: 'evt_65PyTwin' });
  const forged = await f.invoke(thinEnvelope({ id: 'evt_65PyForged', type: 'v1.invoice.paid', snapshot_event: 'evt_1PyTwin' }));
  expect(outcomeLine(forged.logs)).toMatchObject({ outcome: 'invalid', reason: 'EVENT_ID_REUSED', snapshot_event_id: 'evt_1PyTwin' });
  expect(await effectsFor(stack.client, stack.businessTable, 'evt_1PyTwin')).toBe(1);
});

test('without a key secret, fetching raises StripeApiKeyError naming stripeApiKeySecret', async () => {
  const out = await pythonFunction('Test.PyThin.NoKey', 'notification', false).invoke(accountUpdated('evt_65PyThinNoKey', 'acct_1PyNoKey'));
  expect(out.ok).toBe(false);
  expect(out.error).toMatchObject({ name: 'StripeApiKeyError', message: expect.stringContaining('set stripeApiKeySecret') });
});

describe('stripe-python is loaded only when a handler uses it', () => {
  const probe = (keyPrefix: string, stripeLayer?: boolean) => stack.wrapped({
    runtime: PYTHON_RUNTIME,
    handlerName: 'Probe',
    keyPrefix,
    userHandler: 'stripe_probe.handler',
    // A function the construct gives the Stripe layer: thin events and a key secret (never read: nothing is fetched).
    environment: { [ENV_EVENT_PAYLOADS]: 'snapshot,thin', [ENV_STRIPE_API_KEY_SECRET_ID]: SECRET_ARN },
    stripeLayer,
  });

  test('a snapshot event in a fresh environment with the Stripe layer: the wrapper and handler run without importing stripe (nor latest_state, which only put_latest loads)', async () => {
    const f = probe('Test.PyThin.Probe');
    const cold = await f.invoke(envelope(withId(CHECKOUT, 'evt_1PyProbeCold')));
    expect(cold.error).toBeUndefined();
    expect(cold.result).toEqual({ stripe_imported: false, notification_class: null, latest_state_imported: false });
    expect(outcomeLine(cold.logs)).toMatchObject({ outcome: 'processed' });
    // The same environment, a thin event read through context.event_notification: now it is imported (the probe can tell).
    const thin = await f.invoke(thinEnvelope({ id: 'evt_65PyProbeThin', type: 'v2.core.account.updated', related_object: { id: 'acct_1PyProbe', type: 'v2.core.account', url: '/v2/core/accounts/acct_1PyProbe' } }));
    expect(thin.result).toEqual({ stripe_imported: true, notification_class: 'V2CoreAccountUpdatedEventNotification', latest_state_imported: false });
  });

  test('without the Stripe layer, using context.event_notification fails with StripeSdkMissingError naming the fix; snapshot events still run', async () => {
    const f = probe('Test.PyThin.NoLayer', false);
    const snapshot = await f.invoke(envelope(withId(CHECKOUT, 'evt_1PyNoLayer')));
    expect(snapshot.result).toEqual({ stripe_imported: false, notification_class: null, latest_state_imported: false });
    const thin = await f.invoke(thinEnvelope({ id: 'evt_65PyNoLayer', type: 'v2.core.account.updated' }));
    expect(thin.ok).toBe(false);
    expect(thin.error).toMatchObject({
      name: 'StripeSdkMissingError',
      message: expect.stringContaining('need stripe-python, which this function does not have'),
    });
    expect(thin.error?.message).toContain('Set stripeApiKeySecret on the integration or on this handler');
    expect(outcomeLine(thin.logs)).toMatchObject({ outcome: 'failed' });
  });
});
