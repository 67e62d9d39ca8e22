/**
 * A thin destination through the provider: `event_payload: thin` and no `snapshot_api_version`, created, updated
 * in place and replaced by the real `stripe` SDK against the local stand-in of Stripe's
 * /v2/core/event_destinations, whose every request and response is validated against Stripe's OpenAPI
 * schemas. Secrets Manager is mocked with aws-sdk-client-mock: there is no AWS account here.
 */
import { createHash } from 'node:crypto';
import { createRequest, deleteRequest, errorOf, harness, Harness, KEY, LOGICAL_ID, mockSecret, properties, STACK_ID, updateRequest } from './support/provider-harness';
import { StripeV2Server } from './support/stripe-v2-server';
import { fingerprint, parseProperties } from '../../../src/lambda/destination-provider/properties';
import { onEvent } from '../../../src/lambda/destination-provider/provider';
import { STRIPE_API_VERSION } from '../../../src/private/stripe-event-types.generated';

let server: StripeV2Server;
let h: Harness;

beforeEach(async () => {
  server = await StripeV2Server.start({ apiKey: KEY, apiVersion: STRIPE_API_VERSION });
  h = harness(server);
  mockSecret();
});

afterEach(async () => {
  expect(server.violations).toEqual([]);
  expect(JSON.stringify(h.logs)).not.toContain(KEY);
  await server.close();
});

/** The properties StripeEventDestination synthesizes for a thin destination: EventPayload, no SnapshotApiVersion. */
function thinProperties(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const props: Record<string, unknown> = {
    ...properties({ EnabledEvents: ['v2.core.account.updated', 'v2.core.account[requirements].updated'], EventPayload: 'thin' }),
    ...overrides,
  };
  delete props.SnapshotApiVersion;
  return props;
}

const creates = () => server.requests.filter((r) => r.method === 'POST' && r.path === '/v2/core/event_destinations');

test('creates a thin EventBridge destination: event_payload thin, no snapshot_api_version', async () => {
  const props = thinProperties();
  const out = await onEvent(createRequest(props), h.deps);
  expect(creates()[0].body).toEqual({
    type: 'amazon_eventbridge',
    amazon_eventbridge: { aws_account_id: '123456789012', aws_region: 'us-east-1' },
    event_payload: 'thin',
    name: 'Shop/StripeDestination',
    description: 'Stripe events for AWS CloudFormation stack Shop',
    enabled_events: ['v2.core.account.updated', 'v2.core.account[requirements].updated'],
    metadata: { cfn_stack_id: STACK_ID, cfn_logical_id: LOGICAL_ID, cfn_fingerprint: fingerprint(parseProperties(props)) },
  });
  const destination = server.destinations.get(out.PhysicalResourceId)!;
  expect(destination.event_payload).toBe('thin');
  expect(destination.snapshot_api_version).toBeUndefined();
  expect(out.Data?.EventSourceName).toBe(`aws.partner/stripe.com/${destination.id}`);
});

test('enabled events change in place; a change of payload style replaces the destination', async () => {
  const before = thinProperties();
  const created = await onEvent(createRequest(before), h.deps);
  const more = thinProperties({ EnabledEvents: ['v2.core.account.created', 'v2.core.account.updated'] });
  const updated = await onEvent(updateRequest(created.PhysicalResourceId, before, more), h.deps);
  expect(updated.PhysicalResourceId).toBe(created.PhysicalResourceId);
  expect(creates()).toHaveLength(1);
  expect(server.destinations.get(created.PhysicalResourceId)!.enabled_events).toEqual(['v2.core.account.created', 'v2.core.account.updated']);

  // Stripe cannot change event_payload: snapshot → thin is a new destination (and a new partner source).
  const snapshot = properties();
  const snap = await onEvent(createRequest(snapshot), h.deps);
  const replaced = await onEvent(updateRequest(snap.PhysicalResourceId, snapshot, thinProperties()), h.deps);
  expect(replaced.PhysicalResourceId).not.toBe(snap.PhysicalResourceId);
  expect(server.destinations.get(replaced.PhysicalResourceId)!.event_payload).toBe('thin');
  await onEvent(deleteRequest(snap.PhysicalResourceId, snapshot), h.deps);
  expect(server.destinations.has(snap.PhysicalResourceId)).toBe(false);
});

test("a snapshot destination's fingerprint is what it was before thin destinations: no replacement on upgrade, an earlier attempt still found", () => {
  const desired = parseProperties(properties());
  const before = createHash('sha256').update(['amazon_eventbridge', 'snapshot', '123456789012', 'us-east-1', STRIPE_API_VERSION].join('\n')).digest('hex').slice(0, 16);
  expect(fingerprint(desired)).toBe(before);
  expect(fingerprint(parseProperties(thinProperties()))).not.toBe(before);
});

test.each([
  ['an API version on a thin destination', { ...thinProperties(), SnapshotApiVersion: STRIPE_API_VERSION }, 'resource property SnapshotApiVersion is set on a thin destination'],
  ['snapshot types on a thin destination', thinProperties({ EnabledEvents: ['v2.core.account.updated', 'invoice.paid'] }),
    'resource property EnabledEvents of a thin destination lists snapshot event types (invoice.paid)'],
  ['an unknown payload style', properties({ EventPayload: 'fat' }), "resource property EventPayload is 'fat'; expected 'snapshot' or 'thin'."],
])('a template not made by the construct is refused before calling Stripe: %s', async (_, props, message) => {
  const error = await errorOf(onEvent(createRequest(props), h.deps));
  expect(error.message).toContain(message);
  expect(server.requests).toEqual([]);
});

test('the stand-in refuses what Stripe documents as wrong for a thin destination (so the provider cannot pass on it)', async () => {
  const stripe = h.deps.stripeFor(KEY);
  const error = await errorOf(stripe.v2.core.eventDestinations.create({
    type: 'amazon_eventbridge',
    amazon_eventbridge: { aws_account_id: '123456789012', aws_region: 'us-east-1' },
    event_payload: 'thin',
    snapshot_api_version: STRIPE_API_VERSION,
    name: 'x',
    enabled_events: ['v2.core.account.updated'],
  }));
  expect(error.message).toBe('snapshot_api_version is only for event_payload snapshot.');
  expect(server.violations.splice(0)).toEqual(['POST /v2/core/event_destinations: snapshot_api_version is only for event_payload snapshot.']);
});
