/**
 * Thin events through the real bundled wrapper (the layer's wrapper.js and stripe-client.js) in local Lambda
 * environments, against DynamoDB Local: the handler (test/fixtures/handlers/thin-accounts.js) fetches the event's
 * related object with `context.eventNotification` / `context.stripe` from a local Stripe API validated against
 * Stripe's v2 OpenAPI spec (test/support/stripe-thin-api.ts; v1 objects from stripe-mock), authenticated with a key
 * read from a Secrets Manager stand-in (Secrets Manager needs an account), and commits with
 * `context.effects.transactWrite`: exactly once on the thin event id, or on its snapshot twin's.
 */
import { createHash } from 'node:crypto';
import Stripe from 'stripe';
import { LocalLambdaFunction } from '../../../src/cli/local/local-lambda';
import { ENV_STRIPE_API_BASE } from '../../../src/contract/reconcile';
import { ENV_EVENT_PAYLOADS, ENV_STRIPE_API_KEY_SECRET_ID } from '../../../src/contract/wrapper';
import { effectsFor, idempotencyRecords, jsonLines, outcomeLine, scanAll, useLocalStack, WrappedFunctionOptions } from '../../support/local-stack';
import { SecretsManagerStandIn } from '../../support/secrets-manager-stand-in';
import { startStripeMock, StripeMock } from '../../support/stripe-mock';
import { envelope, loadSample, StripeEventSample, thinEnvelope, withId } from '../../support/stripe-samples';
import { StripeThinApi, v2Account, v2EventFrom } from '../../support/stripe-thin-api';

const KEY = 'rk_test_51ThinRuntimeRestrictedKey000000000000';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe/restricted-key-AbCdEf';
const CHECKOUT = loadSample<StripeEventSample>('checkout.session.completed__stripe-ruby-mock.json');
const CONNECT_CUSTOMER = loadSample<StripeEventSample>('customer.created__stripe-dotnet-connect-account.json');

const stack = useLocalStack();
let secrets: SecretsManagerStandIn;
let secretsUrl: string;
let api: StripeThinApi;
let stripeMock: StripeMock;

beforeAll(async () => {
  secrets = new SecretsManagerStandIn({ [SECRET_ARN]: KEY });
  secretsUrl = await secrets.start();
  stripeMock = await startStripeMock();
  api = await StripeThinApi.start({ apiKey: KEY, apiVersion: Stripe.API_VERSION, v1Upstream: stripeMock.url });
}, 120_000);
afterAll(async () => {
  await api?.close();
  await stripeMock?.stop();
  await secrets?.stop();
});
afterEach(() => expect(api.violations).toEqual([]));

function thinFunction(keyPrefix: string, mode = 'notification', options: Partial<WrappedFunctionOptions> & { secret?: boolean; payloads?: string } = {}): LocalLambdaFunction {
  return stack.wrapped({
    handlerName: 'Accounts',
    keyPrefix,
    userHandler: 'thin-accounts.handler',
    ...options,
    environment: {
      SAMPLE_MODE: mode,
      [ENV_EVENT_PAYLOADS]: options.payloads ?? 'snapshot,thin',
      ...(options.secret === false ? {} : { [ENV_STRIPE_API_KEY_SECRET_ID]: SECRET_ARN }),
      [ENV_STRIPE_API_BASE]: api.url,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsUrl,
      ...options.environment,
    },
  });
}

/** A v2.core.account.updated thin event for a connected account, its full event and the account seeded in the local API. */
function accountUpdated(eventId: string, accountId: string, fields: { snapshot_event?: string } = {}) {
  const event = thinEnvelope({
    id: eventId,
    type: 'v2.core.account.updated',
    context: accountId,
    related_object: { id: accountId, type: 'v2.core.account', url: `/v2/core/accounts/${accountId}` },
    ...fields,
  });
  api.seed(v2EventFrom(event.detail), v2Account(accountId));
  return event;
}

/** The record key the wrapper writes for an id (src/contract/idempotency.ts). */
function recordKey(prefix: string, id: string): string {
  return `${prefix}#${createHash('md5').update(JSON.stringify(id)).digest('base64')}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a thin event whose handler fetches its related object', () => {
  test('v2.core.account.updated: fetched with the restricted key and the event\'s context, committed once; a redelivery is a duplicate', async () => {
    const f = thinFunction('Test.Thin.Fetch');
    const event = accountUpdated('evt_65ThinFetch1', 'acct_1ThinFetch');
    const before = api.requests.length;

    const first = await f.invoke(event);
    expect(first.error).toBeUndefined();
    expect(first.result).toEqual({ handled: 'evt_65ThinFetch1', account: 'acct_1ThinFetch', display_name: 'Shop acct_1ThinFetch' });
    expect(api.requests.slice(before)).toEqual([
      { method: 'GET', path: '/v2/core/accounts/acct_1ThinFetch', stripeContext: 'acct_1ThinFetch', stripeAccount: undefined, trigger: 'event=evt_65ThinFetch1', status: 200 },
    ]);
    expect(await effectsFor(stack.client, stack.businessTable, 'evt_65ThinFetch1')).toBe(1);
    expect(outcomeLine(first.logs)).toMatchObject({
      outcome: 'processed',
      stripe_event_id: 'evt_65ThinFetch1',
      stripe_event_type: 'v2.core.account.updated',
      related_object_id: 'acct_1ThinFetch',
      transaction_actions: 2,
    });
    expect(outcomeLine(first.logs)?.event_age_ms).toBeGreaterThanOrEqual(0);
    expect(outcomeLine(first.logs)).not.toHaveProperty('snapshot_event_id');
    // Keyed on the thin event's own id, with the record contract's key form.
    expect((await idempotencyRecords(stack.client, stack.idempotencyTable, 'Test.Thin.Fetch')).map((r) => [r.id, r.status])).toEqual([
      [recordKey('Test.Thin.Fetch', 'evt_65ThinFetch1'), 'COMPLETED'],
    ]);

    const again = await f.invoke({ ...event, id: 'another-envelope' });
    expect(outcomeLine(again.logs)).toMatchObject({ outcome: 'duplicate' });
    expect(again.result).toEqual(first.result);
    expect(api.requests.length).toBe(before + 1);
    expect(await effectsFor(stack.client, stack.businessTable, 'evt_65ThinFetch1')).toBe(1);
    // The key never reaches a log line.
    expect([...first.logs, ...again.logs].join('\n')).not.toContain(KEY);
  });

  test('the key is read from Secrets Manager (stand-in) once per execution environment, on the first request', async () => {
    const f = thinFunction('Test.Thin.KeyOnce');
    const reads = secrets.reads.length;
    for (const n of [1, 2, 3]) await f.invoke(accountUpdated(`evt_65ThinKeyOnce${n}`, `acct_1KeyOnce${n}`));
    expect(secrets.reads.slice(reads)).toEqual([SECRET_ARN]);
    // A handler that only reads the notification's fields needs no key and makes no request.
    const readOnly = thinFunction('Test.Thin.ReadOnly', 'read-only');
    const out = await readOnly.invoke(accountUpdated('evt_65ThinReadOnly', 'acct_1ReadOnly'));
    expect(out.result).toEqual({ handled: 'evt_65ThinReadOnly', related: 'acct_1ReadOnly', type: 'v2.core.account.updated', context: 'acct_1ReadOnly' });
    expect(secrets.reads.slice(reads)).toEqual([SECRET_ARN]);
  });

  test('context.stripe is the SDK client with the event\'s context applied; fetchEvent() reads GET /v2/core/events/{id}', async () => {
    const client = await thinFunction('Test.Thin.Client', 'client').invoke(accountUpdated('evt_65ThinClient', 'acct_1Client'));
    expect(client.result).toMatchObject({ account: 'acct_1Client' });
    expect(api.requests.filter((r) => r.path === '/v2/core/accounts/acct_1Client')).toEqual([expect.objectContaining({ stripeContext: 'acct_1Client', status: 200 })]);

    const full = await thinFunction('Test.Thin.FetchEvent', 'fetch-event').invoke(accountUpdated('evt_65ThinFullEvent', 'acct_1FullEvent'));
    expect(full.error).toBeUndefined();
    expect(api.requests.filter((r) => r.trigger === 'event=evt_65ThinFullEvent').map((r) => `${r.path} ${r.stripeContext}`)).toEqual([
      '/v2/core/events/evt_65ThinFullEvent acct_1FullEvent',
      '/v2/core/accounts/acct_1FullEvent acct_1FullEvent',
    ]);
  });

  test('a v1 related object (v1.billing.meter.error_report_triggered → /v1/billing/meters/{id}) is fetched too (stripe-mock)', async () => {
    const event = thinEnvelope({
      id: 'evt_65ThinMeter',
      type: 'v1.billing.meter.error_report_triggered',
      related_object: { id: 'mtr_123', type: 'billing.meter', url: '/v1/billing/meters/mtr_123' },
    });
    const out = await thinFunction('Test.Thin.Meter').invoke(event);
    expect(out.error).toBeUndefined();
    expect(out.result).toMatchObject({ handled: 'evt_65ThinMeter' });
    expect(api.requests.filter((r) => r.path === '/v1/billing/meters/mtr_123')).toEqual([expect.objectContaining({ status: 200, stripeContext: undefined })]);
  });

  test('a snapshot Connect event: context.stripe acts for its account (Stripe-Account)', async () => {
    const event = withId(CONNECT_CUSTOMER, 'evt_1ConnectCustomer');
    const out = await thinFunction('Test.Thin.Connect', 'v1-customer').invoke(envelope(event));
    expect(out.error).toBeUndefined();
    const request = api.requests.find((r) => r.path === `/v1/customers/${event.data.object.id}`);
    expect(request).toMatchObject({ stripeAccount: event.account, stripeContext: undefined, status: 200 });
  });
});

describe('exactly once', () => {
  test('the environment dies between the fetch and the commit: nothing written; the retry fetches again and commits once', async () => {
    const f = thinFunction('Test.Thin.Crash', 'crash-between');
    const event = accountUpdated('evt_65ThinCrash', 'acct_1Crash');
    const crashed = await f.invoke(event, { timeoutMs: 2_000 });
    expect(crashed.error?.name).toBe('Runtime.ExitError');
    expect(await effectsFor(stack.client, stack.businessTable, 'evt_65ThinCrash')).toBe(0);
    const [record] = await idempotencyRecords(stack.client, stack.idempotencyTable, 'Test.Thin.Crash');
    expect(record.status).toBe('INPROGRESS');

    await sleep(Math.max(0, record.in_progress_expiration - Date.now()) + 50);
    const retry = await f.invoke({ ...event, id: 'the-retry' });
    expect(outcomeLine(retry.logs)).toMatchObject({ outcome: 'processed', replaced_record: 'expired_in_progress', transaction_actions: 2 });
    const duplicate = await f.invoke({ ...event, id: 'a-replay' });
    expect(outcomeLine(duplicate.logs)).toMatchObject({ outcome: 'duplicate' });
    expect(await effectsFor(stack.client, stack.businessTable, 'evt_65ThinCrash')).toBe(1);
    // Two fetches (the crashed attempt's and the retry's), one effect.
    expect(api.count('/v2/core/accounts/acct_1Crash')).toBe(2);
  });

  test.each([
    ['the snapshot event first', ['snapshot', 'thin']],
    ['the thin twin first', ['thin', 'snapshot']],
  ])('snapshot twins: checkout.session.completed and v1.checkout.session.completed run the handler once (%s)', async (_name, order) => {
    const snapshotId = `evt_1Twin${order[0]}First`;
    const snapshot = envelope(withId(CHECKOUT, snapshotId));
    const thin = thinEnvelope({
      id: `evt_65TwinOf${order[0]}First`,
      type: 'v1.checkout.session.completed',
      snapshot_event: snapshotId,
      related_object: { id: CHECKOUT.data.object.id, type: 'checkout.session', url: `/v1/checkout/sessions/${CHECKOUT.data.object.id}` },
    });
    const f = thinFunction(`Test.Thin.Twins.${order[0]}`);
    const outcomes: string[] = [];
    for (const which of order) {
      const out = await f.invoke(which === 'snapshot' ? snapshot : thin);
      expect(out.error).toBeUndefined();
      outcomes.push(`${which} ${outcomeLine(out.logs)?.outcome}`);
      if (which === 'thin') expect(outcomeLine(out.logs)).toMatchObject({ snapshot_event_id: snapshotId, stripe_event_id: thin.detail.id });
    }
    expect(outcomes).toEqual([`${order[0]} processed`, `${order[1]} duplicate`]);
    expect(await effectsFor(stack.client, stack.businessTable, snapshotId)).toBe(1);
    expect((await idempotencyRecords(stack.client, stack.idempotencyTable, `Test.Thin.Twins.${order[0]}`)).map((r) => r.id)).toEqual([
      recordKey(`Test.Thin.Twins.${order[0]}`, snapshotId),
    ]);
  });

  test('a Connect twin pair (snapshot account, thin context) is one event too', async () => {
    const snapshot = envelope(withId(CONNECT_CUSTOMER, 'evt_1ConnectTwin'));
    const thin = thinEnvelope({
      id: 'evt_65ConnectTwin',
      type: 'v1.customer.created',
      snapshot_event: 'evt_1ConnectTwin',
      context: CONNECT_CUSTOMER.account,
      related_object: { id: CONNECT_CUSTOMER.data.object.id, type: 'customer', url: `/v1/customers/${CONNECT_CUSTOMER.data.object.id}` },
    });
    const f = thinFunction('Test.Thin.ConnectTwins');
    expect(outcomeLine((await f.invoke(snapshot)).logs)?.outcome).toBe('processed');
    expect(outcomeLine((await f.invoke(thin)).logs)?.outcome).toBe('duplicate');
  });

  test('a real reuse: a thin event naming as its twin an event of another type is refused (EVENT_ID_REUSED), not a duplicate', async () => {
    const f = thinFunction('Test.Thin.Reuse');
    const snapshotId = 'evt_1ReusedBySomethingElse';
    expect(outcomeLine((await f.invoke(envelope(withId(CHECKOUT, snapshotId)))).logs)?.outcome).toBe('processed');
    const forged = thinEnvelope({ id: 'evt_65Forged', type: 'v1.invoice.paid', snapshot_event: snapshotId, related_object: null });
    const out = await f.invoke(forged);
    expect(out.ok).toBe(false);
    expect(out.error).toMatchObject({ name: 'InvalidStripeEventError', message: expect.stringMatching(/^EVENT_ID_REUSED: /) });
    expect(outcomeLine(out.logs)).toMatchObject({ outcome: 'invalid', reason: 'EVENT_ID_REUSED', snapshot_event_id: snapshotId });
    // The same for another account.
    const otherAccount = thinEnvelope({ id: 'evt_65ForgedAcct', type: 'v1.checkout.session.completed', snapshot_event: snapshotId, context: 'acct_1SomeoneElse' });
    expect(outcomeLine((await f.invoke(otherAccount)).logs)).toMatchObject({ outcome: 'invalid', reason: 'EVENT_ID_REUSED' });
    expect(await effectsFor(stack.client, stack.businessTable, snapshotId)).toBe(1);
  });
});

describe('configuration', () => {
  test('without a key secret, context.stripe throws an error naming stripeApiKeySecret; the event fails and is retried', async () => {
    const f = thinFunction('Test.Thin.NoKey', 'notification', { secret: false });
    const out = await f.invoke(accountUpdated('evt_65ThinNoKey', 'acct_1NoKey'));
    expect(out.ok).toBe(false);
    expect(out.error).toMatchObject({ name: 'StripeApiKeyError', message: expect.stringContaining('set stripeApiKeySecret') });
    expect(outcomeLine(out.logs)).toMatchObject({ outcome: 'failed', handler_ran: true, error_name: 'StripeApiKeyError' });
    expect(await idempotencyRecords(stack.client, stack.idempotencyTable, 'Test.Thin.NoKey')).toEqual([]);
  });

  test('a secret that cannot be read fails the event with an error naming the secret, never the key', async () => {
    const missing = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe/missing-XyZaBc';
    const f = thinFunction('Test.Thin.Unreadable', 'notification', { environment: { [ENV_STRIPE_API_KEY_SECRET_ID]: missing } });
    const out = await f.invoke(accountUpdated('evt_65ThinUnreadable', 'acct_1Unreadable'));
    expect(out.error).toMatchObject({ name: 'StripeApiKeyError', message: expect.stringContaining(`secret ${missing} (ResourceNotFoundException`) });
  });

  test('a thin event reaching a function that receives snapshot events only is invalid (THIN_EVENT): no record, no handler', async () => {
    const f = thinFunction('Test.Thin.Misrouted', 'notification', { payloads: '' });
    const out = await f.invoke(accountUpdated('evt_65ThinMisrouted', 'acct_1Misrouted'));
    expect(outcomeLine(out.logs)).toMatchObject({ outcome: 'invalid', reason: 'THIN_EVENT' });
    expect((await scanAll(stack.client, stack.idempotencyTable)).filter((r) => r.id.startsWith('Test.Thin.Misrouted#'))).toEqual([]);
    expect(jsonLines(out.logs).filter((l) => l._aws)).toHaveLength(1);
  });
});
