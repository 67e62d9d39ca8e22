/**
 * The Stripe stand-in the provider tests run against can fail them: it flags requests and responses
 * that Stripe's published v2 OpenAPI schemas reject, and its schema extract is Stripe's own.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Stripe from 'stripe';
import { KEY } from './support/provider-harness';
import { StripeV2Server } from './support/stripe-v2-server';
import { STRIPE_API_VERSION } from '../../../src/private/stripe-event-types.generated';

const OPENAPI = path.join(__dirname, '..', '..', 'fixtures', 'data', 'stripe-openapi');

let server: StripeV2Server;
let stripe: Stripe;

beforeEach(async () => {
  server = await StripeV2Server.start({ apiKey: KEY, apiVersion: STRIPE_API_VERSION });
  stripe = new Stripe(KEY, { ...server.endpoint, maxNetworkRetries: 0 });
});

afterEach(async () => {
  await server.close();
});

const validCreate = {
  type: 'amazon_eventbridge',
  amazon_eventbridge: { aws_account_id: '123456789012', aws_region: 'us-east-1' },
  event_payload: 'snapshot',
  name: 'n',
  enabled_events: ['charge.succeeded'],
} as const;

test('a request that matches the schema is served without violations', async () => {
  const d = await stripe.v2.core.eventDestinations.create({ ...validCreate, enabled_events: [...validCreate.enabled_events] });
  await stripe.v2.core.eventDestinations.retrieve(d.id);
  await stripe.v2.core.eventDestinations.list({ limit: 5 });
  expect(server.violations).toEqual([]);
});

test('a create body with a field the schema does not define is flagged and refused', async () => {
  await expect(stripe.v2.core.eventDestinations.create({ ...validCreate, colour: 'blue' } as never)).rejects.toThrow(/Invalid request/);
  expect(server.violations).toEqual([expect.stringContaining('must NOT have additional properties {"additionalProperty":"colour"}')]);
});

test('a create body with a value outside an enum is flagged', async () => {
  await expect(stripe.v2.core.eventDestinations.create({ ...validCreate, event_payload: 'full' } as never)).rejects.toThrow();
  expect(server.violations[0]).toMatch(/\/event_payload must be equal to one of the allowed values/);
});

test('a create body missing a required field is flagged', async () => {
  const { name: _omitted, ...withoutName } = validCreate;
  await expect(stripe.v2.core.eventDestinations.create(withoutName as never)).rejects.toThrow();
  expect(server.violations[0]).toMatch(/must have required property 'name'/);
});

test('a query parameter of the wrong type, or unknown, is flagged', async () => {
  await stripe.v2.core.eventDestinations.list({ limit: 'ten' } as never);
  await stripe.v2.core.eventDestinations.list({ colour: 'blue' } as never);
  expect(server.violations).toEqual([
    expect.stringMatching(/query parameter limit="ten" does not match/),
    expect.stringMatching(/query parameter 'colour' is not in the spec/),
  ]);
});

test('a response that does not match the schema is flagged', async () => {
  const d = await stripe.v2.core.eventDestinations.create({ ...validCreate, enabled_events: [...validCreate.enabled_events] });
  server.destinations.get(d.id).status = 'paused';
  await stripe.v2.core.eventDestinations.retrieve(d.id);
  expect(server.violations).toEqual([expect.stringMatching(/response to GET .* \(200\) does not match the spec: \/status must be equal to one of the allowed values/)]);
});

test('a request with another Stripe-Version is flagged', async () => {
  const other = new Stripe(KEY, { ...server.endpoint, apiVersion: '2024-06-20' as never, maxNetworkRetries: 0 });
  await other.v2.core.eventDestinations.list();
  expect(server.violations).toEqual([expect.stringContaining("sent Stripe-Version '2024-06-20'")]);
});

test("the schema extract is Stripe's full v2 spec's, unchanged, for every event destination operation", () => {
  const subset = JSON.parse(fs.readFileSync(path.join(OPENAPI, 'v2-event-destinations.subset.json'), 'utf8'));
  const full = JSON.parse(fs.readFileSync(path.join(OPENAPI, 'spec3.v2.sdk.json'), 'utf8'));
  const paths = Object.keys(full.paths).filter((p) => p.startsWith('/v2/core/event_destinations'));
  expect(Object.keys(subset.paths).sort()).toEqual(paths.sort());
  for (const p of paths) expect(subset.paths[p]).toEqual(full.paths[p]);
  for (const [name, schema] of Object.entries(subset.components.schemas)) expect(schema).toEqual(full.components.schemas[name]);
});
