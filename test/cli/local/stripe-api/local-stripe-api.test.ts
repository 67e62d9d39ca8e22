/**
 * The local Stripe API of `stripe-eventbridge replay`, called with the pinned `stripe` SDK as a thin handler calls it:
 * seeded objects and what the notifications tell are served as Stripe serves them (include-dependent properties only
 * when included), and what Stripe would refuse is refused here too, with Stripe's error shapes; every response is
 * checked against Stripe's v2 OpenAPI spec (`problems` stays empty when it matches).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Stripe from 'stripe';
import { StripeObjects } from '../../../../src/cli/local/stripe-api/objects';
import { LOCAL_STRIPE_API_KEY, LocalStripeApi } from '../../../../src/cli/local/stripe-api/server';

const EXAMPLE = path.join(__dirname, '..', '..', '..', '..', 'examples', 'platform-accounts', 'replay');
const seeded: any[] = JSON.parse(fs.readFileSync(path.join(EXAMPLE, 'stripe-objects.json'), 'utf8'));
const furever = seeded[0];
const NOTIFICATION = {
  id: 'evt_test_65LocalApiUnseededAccountCreated00000000000',
  object: 'v2.core.event',
  type: 'v2.core.account.created',
  created: '2026-11-20T10:20:09.000Z',
  livemode: false,
  context: 'acct_1PlatformContext00',
  related_object: { id: 'acct_1NotSeededAccount0', type: 'v2.core.account', url: '/v2/core/accounts/acct_1NotSeededAccount0' },
};

let api: LocalStripeApi;
let objects: StripeObjects;
const client = (key = LOCAL_STRIPE_API_KEY) => {
  const url = new URL(api.url);
  return new Stripe(key, { host: url.hostname, port: Number(url.port), protocol: 'http', maxNetworkRetries: 0 });
};

beforeAll(async () => {
  objects = new StripeObjects();
  objects.addSeedFile(path.join(EXAMPLE, 'stripe-objects.json'), 'stripe-objects.json');
  objects.add({ id: 'mtr_1LocalMeter', object: 'billing.meter', display_name: 'API calls' }, 'test', 'seed');
  objects.addNotification(NOTIFICATION, 'events.jsonl:1');
  expect(objects.errors).toEqual([]);
  api = await LocalStripeApi.start({ apiKey: LOCAL_STRIPE_API_KEY, objects });
});
afterAll(() => api.stop());
afterEach(() => expect(api.problems).toEqual([]));

test('an account without include: its include-dependent properties are left out, as Stripe returns it', async () => {
  const account = await client().v2.core.accounts.retrieve(furever.id);
  expect(account).toMatchObject({ id: furever.id, object: 'v2.core.account', display_name: 'Furever Pet Supplies', applied_configurations: ['customer', 'merchant'] });
  for (const includable of ['requirements', 'identity', 'defaults', 'configuration']) expect(account).not.toHaveProperty(includable);
});

test('include: what is asked for, and only that', async () => {
  const account = await client().v2.core.accounts.retrieve(furever.id, { include: ['requirements'] });
  expect(account.requirements?.entries).toHaveLength(3);
  expect(account.requirements?.summary?.minimum_deadline).toEqual({ status: 'currently_due', time: '2026-12-04T09:00:03.000Z' });
  expect(account).not.toHaveProperty('identity');
  expect(api.requests.at(-1)).toMatchObject({ method: 'GET', path: `/v2/core/accounts/${furever.id}?include[0]=requirements`, status: 200 });
});

test('a notification gives its full event and a minimal account; Stripe-Context reaches the request log', async () => {
  const stripe = client();
  const event = await stripe.v2.core.events.retrieve(NOTIFICATION.id, {}, { stripeContext: NOTIFICATION.context });
  expect(event).toMatchObject({ id: NOTIFICATION.id, type: 'v2.core.account.created', related_object: NOTIFICATION.related_object });
  expect(api.requests.at(-1)).toMatchObject({ path: `/v2/core/events/${NOTIFICATION.id}`, stripeContext: NOTIFICATION.context, status: 200 });
  const account = await stripe.v2.core.accounts.retrieve(NOTIFICATION.related_object.id);
  expect(account).toEqual({ id: 'acct_1NotSeededAccount0', object: 'v2.core.account', applied_configurations: [], created: NOTIFICATION.created, livemode: false });
});

test('a v1 object seeded is served by its id; one that is not gets Stripe\'s v1 404, naming --stripe-objects', async () => {
  await expect(client().billing.meters.retrieve('mtr_1LocalMeter')).resolves.toMatchObject({ id: 'mtr_1LocalMeter', display_name: 'API calls' });
  await expect(client().billing.meters.retrieve('mtr_1Missing')).rejects.toMatchObject({
    type: 'StripeInvalidRequestError', statusCode: 404, code: 'resource_missing', param: 'id', message: expect.stringContaining('--stripe-objects'),
  });
});

test('what Stripe refuses is refused: a missing account (404), another key (401), an include value the spec lacks, an unknown parameter (400)', async () => {
  await expect(client().v2.core.accounts.retrieve('acct_1Missing')).rejects.toMatchObject({
    statusCode: 404, code: 'not_found', message: expect.stringMatching(/^No such v2\.core\.account: 'acct_1Missing' .*--stripe-objects/),
  });
  await expect(client('rk_test_SomeoneElsesKey').v2.core.accounts.retrieve(furever.id)).rejects.toMatchObject({ statusCode: 401, code: 'api_key_invalid' });
  await expect(client().v2.core.accounts.retrieve(furever.id, { include: ['capabilities' as any] })).rejects.toMatchObject({ statusCode: 400, code: 'parameter_invalid' });
  await expect(client().v2.core.events.retrieve(NOTIFICATION.id, { expand: ['data'] } as any)).rejects.toMatchObject({ statusCode: 400, code: 'parameter_unknown' });
  await expect(client().v2.core.accounts.retrieve(furever.id)).resolves.toBeDefined();
});

test('a write is refused and recorded as a problem: the replay exits 1 when a handler writes to Stripe', async () => {
  await expect(client().v2.core.accounts.update(furever.id, { display_name: 'Renamed' })).rejects.toMatchObject({ statusCode: 400, code: 'local_api_reads_only' });
  expect(api.problems).toEqual([`POST /v2/core/accounts/${furever.id}: a handler wrote to Stripe; the local Stripe API of stripe-eventbridge replay serves reads (GET) only`]);
  api.problems.length = 0;
});

test('seeding: an object the spec refuses is an error naming the field; properties newer than the spec are served, with a note', () => {
  const seeds = new StripeObjects();
  seeds.add({ ...furever, id: 'acct_1BadCreated', created: 1763629203 }, 'objects.json[0]', 'seed');
  seeds.add({ ...furever, id: 'acct_1Newer', brand_new_field: true }, 'objects.json[1]', 'seed');
  seeds.add({ id: 'x', object: 'v2.core.thing' }, 'objects.json[2]', 'seed');
  seeds.add([], 'objects.json[3]', 'seed');
  expect(seeds.errors).toEqual([
    expect.stringMatching(/^objects\.json\[0\]: acct_1BadCreated does not match Stripe's v2 spec \(2025-12-15\.clover\) of v2\.core\.account: \/created must be string/),
    expect.stringMatching(/^objects\.json\[2\]: x: the local Stripe API does not serve v2\.core\.thing objects \(it serves v2\.core\.account, /),
    'objects.json[3]: not a Stripe object (expected a JSON object with a string "id" and "object")',
  ]);
  expect(seeds.notes).toEqual([
    "objects.json[1]: acct_1Newer: /brand_new_field is not in Stripe's v2 spec of 2025-12-15.clover (newer than it?): served as given",
  ]);
  expect(seeds.object('acct_1Newer', 'v2.core.account')).toHaveProperty('value.brand_new_field', true);
});
