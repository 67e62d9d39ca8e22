/**
 * The latest-state section of docs/exactly-once.md, checked against what the code does: its TypeScript handler,
 * compiled, and its Python handler run through the real wrappers against DynamoDB Local, with a local Stripe API
 * validated against Stripe's v1 spec (test/support/stripe-objects-api.ts) and its key read from a Secrets Manager
 * stand-in (Secrets Manager needs an account); the requests each case costs are counted, as the section's table gives
 * them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Stripe from 'stripe';
import * as ts from 'typescript';
import { createBusinessTable, PYTHON_RUNTIME, scanAll, useLocalStack } from './support/local-stack';
import { readmeBlocks, README_COMPILER_OPTIONS, REPO_ROOT } from './support/readme';
import { SecretsManagerStandIn } from './support/secrets-manager-stand-in';
import { subscriptionObject } from './support/stripe-objects';
import { StripeObjectsApi } from './support/stripe-objects-api';
import { envelope } from './support/stripe-samples';
import { ENV_STRIPE_API_BASE } from '../src/contract/reconcile';
import { ENV_STRIPE_API_KEY_SECRET_ID } from '../src/contract/wrapper';

const KEY = 'rk_test_51ReadmeLatestStateKey0000000000000';
const SECRET = 'stripe/handlers-read';
const T = 1_790_000_000;
const stack = useLocalStack({ proxy: true });
const block = (lang: string) => readmeBlocks().find((b) => b.section === 'latest-state' && b.lang === lang)!;
let secrets: SecretsManagerStandIn;
let secretsUrl: string;
let api: StripeObjectsApi;
let clockMs = T * 1000;

beforeAll(async () => {
  secrets = new SecretsManagerStandIn({ [SECRET]: KEY });
  secretsUrl = await secrets.start();
  api = await StripeObjectsApi.start({ apiKey: KEY, now: () => clockMs, extraApiVersions: [Stripe.API_VERSION] });
}, 120_000);
afterAll(async () => {
  await api?.close();
  await secrets?.stop();
});
afterEach(() => expect(api.violations).toEqual([]));

let n = 0;
const event = (status: string, rev: number, created: number, id: string) => envelope({
  id: `evt_1ReadmeLatest${++n}`,
  object: 'event',
  api_version: api.apiVersion,
  created,
  livemode: false,
  pending_webhooks: 1,
  request: { id: null, idempotency_key: null },
  type: 'customer.subscription.updated',
  data: { object: subscriptionObject(id, { status, rev, created: T }) },
} as any);

describe.each([['TypeScript', 'ts'], ['Python', 'python']])('the %s handler of the section', (_name, lang) => {
  test('newer, older and a tie cost the requests the table gives; the item ends at Stripe\'s latest state', async () => {
    const dir = fs.mkdtempSync(path.join(REPO_ROOT, '.tmp', 'readme-latest-state-'));
    if (lang === 'ts') {
      const compiled = ts.transpileModule(block('ts').code, { compilerOptions: { ...README_COMPILER_OPTIONS, noEmit: false } });
      fs.writeFileSync(path.join(dir, 'subscriptions.js'), compiled.outputText);
    } else {
      fs.writeFileSync(path.join(dir, 'subscriptions.py'), block('python').code);
    }
    const table = await createBusinessTable(stack.client);
    const fn = stack.wrapped({
      handlerName: 'Subscriptions',
      keyPrefix: `Readme.Latest.${lang}`,
      userHandler: 'subscriptions.handler',
      taskRoot: dir,
      runtime: lang === 'python' ? PYTHON_RUNTIME : undefined,
      dynamoDbEndpoint: stack.proxy.endpoint,
      environment: {
        SUBSCRIPTIONS_TABLE: table,
        [ENV_STRIPE_API_KEY_SECRET_ID]: SECRET,
        [ENV_STRIPE_API_BASE]: api.url,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsUrl,
      },
    });
    const id = `sub_1ReadmeLatest${lang}`;
    const second = T + 100;
    const states = ['active', 'past_due', 'active'].map((status, rev) => subscriptionObject(id, { status, rev, created: T }));
    api.define({ states: states.map((object, i) => ({ at: second * 1000 + 100 * i, object })) });
    clockMs = (second + 2) * 1000;
    const operations = async (e: Record<string, any>) => {
      stack.proxy.reset();
      const out = await fn.invoke(e);
      expect(out.error).toBeUndefined();
      return { result: out.result, requests: stack.proxy.requests.map((r) => r.operation) };
    };
    const fetches = api.fetches();

    expect(await operations(event('past_due', 1, second, id))).toEqual({
      result: { object: id, written: true, decision: 'newer', fetches: 0 }, requests: ['PutItem', 'TransactWriteItems'],
    });
    expect(await operations(event('active', 0, second - 1, id))).toEqual({
      result: { object: id, written: false, decision: 'older', fetches: 0 }, requests: ['PutItem', 'TransactWriteItems', 'UpdateItem'],
    });
    expect(await operations(event('active', 2, second, id))).toEqual({
      result: { object: id, written: true, decision: 'fetched', fetches: 1 }, requests: ['PutItem', 'TransactWriteItems', 'TransactWriteItems'],
    });
    expect(api.fetches() - fetches).toBe(1);
    const [item] = await scanAll(stack.client, table);
    expect(item).toMatchObject({ pk: `SUBSCRIPTION#${id}`, status: 'active', stripe_fence: { id, source: 'stripe' } });
    fn.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
