/**
 * The provider's create / update / replace / delete / retry logic, run by the real `stripe` SDK against
 * a local stand-in of Stripe's /v2/core/event_destinations endpoints that validates every request and
 * response against Stripe's published OpenAPI schemas. The Stripe key comes from Secrets Manager,
 * mocked with aws-sdk-client-mock: there is no AWS account here.
 */
import {
  createRequest,
  deleteRequest,
  errorOf,
  harness,
  Harness,
  KEY,
  LOGICAL_ID,
  mockSecret,
  NOW,
  properties,
  STACK_ID,
  updateRequest,
} from './support/provider-harness';
import { StripeV2Server } from './support/stripe-v2-server';
import { ATTR_EVENT_SOURCE_NAME, WAIT_FIELD_DEADLINE, WAIT_FIELD_NAME } from '../../../src/contract/destination';
import { fingerprint, parseProperties } from '../../../src/lambda/destination-provider/properties';
import { onEvent } from '../../../src/lambda/destination-provider/provider';
import { createStripeClient } from '../../../src/lambda/destination-provider/stripe-destinations';
import { STRIPE_API_VERSION } from '../../../src/private/stripe-event-types.generated';

let server: StripeV2Server;
let h: Harness;

beforeEach(async () => {
  server = await StripeV2Server.start({ apiKey: KEY, apiVersion: STRIPE_API_VERSION, pageSize: 2 });
  h = harness(server);
  mockSecret();
});

afterEach(async () => {
  // Every request the provider made, and every answer, matched Stripe's schemas.
  expect(server.violations).toEqual([]);
  // The key is never logged, never sent as data.
  expect(JSON.stringify(h.logs)).not.toContain(KEY);
  expect(JSON.stringify(server.requests.map((r) => [r.body, r.query]))).not.toContain(KEY);
  await server.close();
});

const creates = () => server.requests.filter((r) => r.method === 'POST' && r.path === '/v2/core/event_destinations');
const tags = (props = properties()) => ({ cfn_stack_id: STACK_ID, cfn_logical_id: LOGICAL_ID, cfn_fingerprint: fingerprint(parseProperties(props)) });

describe('create (Stripe stand-in; Secrets Manager mocked AWS)', () => {
  test('creates an EventBridge destination for the stack account and region with a snapshot payload pinned to the stripe package API version', async () => {
    const out = await onEvent(createRequest(), h.deps);

    expect(creates()).toHaveLength(1);
    expect(creates()[0].body).toEqual({
      type: 'amazon_eventbridge',
      amazon_eventbridge: { aws_account_id: '123456789012', aws_region: 'us-east-1' },
      event_payload: 'snapshot',
      snapshot_api_version: STRIPE_API_VERSION,
      name: 'Shop/StripeDestination',
      description: 'Stripe events for AWS CloudFormation stack Shop',
      enabled_events: ['checkout.session.completed', 'invoice.paid'],
      metadata: tags(),
    });
    const [destination] = server.destinations.values();
    expect(out).toEqual({
      PhysicalResourceId: destination.id,
      Data: {
        DestinationId: destination.id,
        EventSourceName: `aws.partner/stripe.com/${destination.id}`,
        EventSourceArn: `arn:aws:events:us-east-1::event-source/aws.partner/stripe.com/${destination.id}`,
      },
      [WAIT_FIELD_NAME]: true,
      [WAIT_FIELD_DEADLINE]: NOW + 300_000,
    });
  });

  test('looks for a destination of an earlier attempt before creating (list, then create)', async () => {
    await onEvent(createRequest(), h.deps);
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v2/core/event_destinations', 'POST /v2/core/event_destinations']);
  });

  test('a retried Create (same request delivered again) reuses the destination instead of creating a duplicate', async () => {
    const request = createRequest();
    const first = await onEvent(request, h.deps);
    const second = await onEvent(request, h.deps);

    expect(second.PhysicalResourceId).toBe(first.PhysicalResourceId);
    expect(second.Data).toEqual(first.Data);
    expect(server.destinations.size).toBe(1);
    expect(creates()).toHaveLength(1);
  });

  test('a Create retried by CloudFormation with a new request id after a crash also finds the destination, and corrects its settings', async () => {
    const orphan = server.seed({ name: 'stale name', enabled_events: ['charge.succeeded'], metadata: tags() });

    const out = await onEvent(createRequest(), h.deps);

    expect(out.PhysicalResourceId).toBe(orphan.id);
    expect(creates()).toHaveLength(0);
    expect(server.destinations.get(orphan.id)).toMatchObject({ name: 'Shop/StripeDestination', enabled_events: ['checkout.session.completed', 'invoice.paid'] });
  });

  test('a create whose response is lost is retried by the SDK with the same idempotency key: one destination', async () => {
    server.fail({ method: 'POST', path: /^\/v2\/core\/event_destinations$/, dropResponse: true });

    const out = await onEvent(createRequest(), h.deps);

    expect(server.destinations.size).toBe(1);
    expect(creates()).toHaveLength(2);
    expect(creates()[1].idempotencyKey).toBe(creates()[0].idempotencyKey);
    expect(out.PhysicalResourceId).toBe([...server.destinations.keys()][0]);
  });

  test('the lookup reads every page and only adopts this stack, this logical id, these unchangeable settings, not retained ones', async () => {
    server.seed({ metadata: { ...tags(), cfn_stack_id: 'arn:aws:cloudformation:us-east-1:123456789012:stack/Other/1' } });
    server.seed({ metadata: { ...tags(), cfn_logical_id: 'SomethingElse' } });
    server.seed({ metadata: { ...tags(), cfn_fingerprint: 'another-config' } });
    server.seed({ metadata: { ...tags(), cfn_retained: 'true' } });
    server.seed({ metadata: {} });
    const mine = server.seed({ metadata: tags(), name: 'Shop/StripeDestination', description: 'Stripe events for AWS CloudFormation stack Shop', enabled_events: ['checkout.session.completed', 'invoice.paid'] });

    const out = await onEvent(createRequest(), h.deps);

    expect(out.PhysicalResourceId).toBe(mine.id);
    const pages = server.requests.filter((r) => r.method === 'GET');
    expect(pages.map((r) => r.query.page ?? null)).toEqual([null, 'page_2', 'page_4']);
    // Already as desired: nothing written.
    expect(server.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  test('a new stack with the same name (new stack id) gets its own destination', async () => {
    server.seed({ metadata: { ...tags(), cfn_stack_id: 'arn:aws:cloudformation:us-east-1:123456789012:stack/Shop/00000000-dead-beef-0000-000000000000' } });
    await onEvent(createRequest(), h.deps);
    expect(server.destinations.size).toBe(2);
  });
});

describe('update (Stripe stand-in; Secrets Manager mocked AWS)', () => {
  test('name, description and enabled events change in place: same id, no new destination, no wait', async () => {
    const created = await onEvent(createRequest(), h.deps);
    const before = properties();
    const after = properties({ DestinationName: 'Shop/Payments', Description: 'payments', EnabledEvents: ['customer.subscription.created'] });

    const out = await onEvent(updateRequest(created.PhysicalResourceId, before, after), h.deps);

    expect(out.PhysicalResourceId).toBe(created.PhysicalResourceId);
    expect(out.Data).toEqual(created.Data);
    expect(out[WAIT_FIELD_NAME]).toBe(false);
    const update = server.requests.find((r) => r.method === 'POST' && r.path === `/v2/core/event_destinations/${created.PhysicalResourceId}`)!;
    expect(update.body).toEqual({ name: 'Shop/Payments', description: 'payments', enabled_events: ['customer.subscription.created'] });
    expect(server.destinations.size).toBe(1);
    expect(server.destinations.get(created.PhysicalResourceId)).toMatchObject({ name: 'Shop/Payments', enabled_events: ['customer.subscription.created'] });
  });

  test.each([
    ['snapshot API version', { SnapshotApiVersion: '2025-03-31.basil' }],
    ['AWS region', { AwsRegion: 'eu-west-1' }],
    ['AWS account', { AwsAccountId: '210987654321' }],
  ])('a change Stripe cannot update (%s) creates a new destination (new physical id); the old one stays until CloudFormation deletes it', async (_what, change) => {
    const created = await onEvent(createRequest(), h.deps);
    const before = properties();
    const after = properties(change);

    const out = await onEvent(updateRequest(created.PhysicalResourceId, before, after), h.deps);

    expect(out.PhysicalResourceId).not.toBe(created.PhysicalResourceId);
    expect(out[WAIT_FIELD_NAME]).toBe(true);
    expect(server.destinations.size).toBe(2);
    const replacement = server.destinations.get(out.PhysicalResourceId)!;
    expect(replacement.metadata).toEqual(tags(after));
    expect(creates()[1].body).toMatchObject({
      amazon_eventbridge: { aws_account_id: after.AwsAccountId, aws_region: after.AwsRegion },
      snapshot_api_version: after.SnapshotApiVersion,
    });

    // CloudFormation's cleanup then deletes the old physical id, with the old properties.
    await onEvent(deleteRequest(created.PhysicalResourceId, before), h.deps);
    expect([...server.destinations.keys()]).toEqual([out.PhysicalResourceId]);
  });

  test('rolling back a replacement returns to the original destination instead of creating a third', async () => {
    const a = await onEvent(createRequest(), h.deps);
    const propsA = properties();
    const propsB = properties({ AwsRegion: 'eu-west-1' });
    const b = await onEvent(updateRequest(a.PhysicalResourceId, propsA, propsB), h.deps);

    // The stack update fails later; CloudFormation rolls back: Update B → A, then deletes B.
    const back = await onEvent(updateRequest(b.PhysicalResourceId, propsB, propsA), h.deps);
    await onEvent(deleteRequest(b.PhysicalResourceId, propsB), h.deps);

    expect(back.PhysicalResourceId).toBe(a.PhysicalResourceId);
    expect(creates()).toHaveLength(2);
    expect([...server.destinations.keys()]).toEqual([a.PhysicalResourceId]);
  });

  test('updating a destination deleted outside CloudFormation fails with a clear message and Stripe request id', async () => {
    const created = await onEvent(createRequest(), h.deps);
    server.destinations.delete(created.PhysicalResourceId);

    const err = await errorOf(onEvent(updateRequest(created.PhysicalResourceId, properties(), properties({ Description: 'x' })), h.deps));

    expect(err.name).toBe('StripeRequestError');
    expect(err.message).toContain(`updating the event destination ${created.PhysicalResourceId}, which no longer exists in this Stripe account`);
    expect(err.message).toMatch(/HTTP 404, code not_found, request id req_[0-9a-f]+/);
    expect(err.message).toContain(`No such event_destination: '${created.PhysicalResourceId}'`);
  });
});

describe('delete (Stripe stand-in; Secrets Manager mocked AWS)', () => {
  test('deletes the destination', async () => {
    const created = await onEvent(createRequest(), h.deps);
    const out = await onEvent(deleteRequest(created.PhysicalResourceId), h.deps);
    expect(out).toEqual({ PhysicalResourceId: created.PhysicalResourceId });
    expect(server.destinations.size).toBe(0);
    expect(h.logs.at(-1)).toMatchObject({ message: 'event destination deleted', destinationId: created.PhysicalResourceId });
  });

  test('a retried delete of a destination that is already gone succeeds', async () => {
    const created = await onEvent(createRequest(), h.deps);
    await onEvent(deleteRequest(created.PhysicalResourceId), h.deps);
    await expect(onEvent(deleteRequest(created.PhysicalResourceId), h.deps)).resolves.toEqual({ PhysicalResourceId: created.PhysicalResourceId });
    expect(h.logs.at(-1)).toMatchObject({ message: 'event destination absent' });
  });

  test('a physical id that is not a destination (a create that never got that far) deletes nothing and reads no secret', async () => {
    const out = await onEvent(deleteRequest('AWSCDK::CustomResourceProviderFramework::CREATE_FAILED'), h.deps);
    expect(out.PhysicalResourceId).toBe('AWSCDK::CustomResourceProviderFramework::CREATE_FAILED');
    expect(server.requests).toEqual([]);
  });

  test('with RetainOnDelete the destination is disabled, marked as left behind, and never adopted again', async () => {
    const props = properties({ RetainOnDelete: 'true' });
    const created = await onEvent(createRequest(props), h.deps);

    await onEvent(deleteRequest(created.PhysicalResourceId, props), h.deps);

    const kept = server.destinations.get(created.PhysicalResourceId)!;
    expect(kept.status).toBe('disabled');
    expect(kept.metadata).toEqual({ ...tags(props), cfn_retained: 'true' });
    const again = await onEvent(createRequest(props), h.deps);
    expect(again.PhysicalResourceId).not.toBe(created.PhysicalResourceId);
  });
});

describe('Stripe errors fail the deployment with Stripe\'s message and request id, never the key (Stripe stand-in; Secrets Manager mocked AWS)', () => {
  test('a bad key (401)', async () => {
    const wrongKey = 'rk_test_51WrongKey0000000000000000000000000000000000000000000000000000000000abcd';
    mockSecret(wrongKey);

    const err = await errorOf(onEvent(createRequest(), h.deps));

    expect(err.message).toMatch(/^Stripe error while listing event destinations to find one created by an earlier attempt: Invalid API Key provided: \[redacted key\] \(HTTP 401, code invalid_api_key, request id req_[0-9a-f]+\)\./);
    expect(err.message).toContain('store a valid restricted key');
    // Neither the key nor Stripe's masked echo of it (prefix and last four characters).
    expect(err.message).not.toMatch(/WrongKey|abcd|rk_test_51/);
    expect(server.destinations.size).toBe(0);
  });

  test('a missing permission (403)', async () => {
    server.fail({
      method: 'POST',
      path: /^\/v2\/core\/event_destinations$/,
      status: 403,
      error: { type: 'invalid_request_error', code: 'insufficient_permissions', message: 'The provided key does not have the required permissions for this endpoint.' },
    });

    const err = await errorOf(onEvent(createRequest(), h.deps));

    expect(err.message).toMatch(
      /^Stripe error while creating the event destination 'Shop\/StripeDestination': The provided key does not have the required permissions for this endpoint\. \(HTTP 403, code insufficient_permissions, request id req_[0-9a-f]+\)\./,
    );
    expect(err.message).toContain('Write access to the webhook resources');
    expect((err as { requestId?: string }).requestId).toBe(server.requests.at(-1)!.requestId);
  });

  test('a rate limit (429) fails at once instead of waiting', async () => {
    server.fail({ method: 'POST', path: /^\/v2\/core\/event_destinations$/, status: 429, error: { type: 'rate_limit', code: 'rate_limit', message: 'Too many requests.' } });

    const err = await errorOf(onEvent(createRequest(), h.deps));

    expect(err.message).toMatch(/Too many requests\. \(HTTP 429, code rate_limit, request id req_[0-9a-f]+\)\. Stripe is rate limiting this account/);
    expect(creates()).toHaveLength(1);
  });

  test('Stripe-side errors (500) are retried with the same idempotency key and then succeed', async () => {
    server.fail({ method: 'POST', path: /^\/v2\/core\/event_destinations$/, status: 500, error: { type: 'api_error', code: 'internal', message: 'boom' }, times: 2 });

    const out = await onEvent(createRequest(), h.deps);

    expect(server.destinations.size).toBe(1);
    expect(creates()).toHaveLength(3);
    expect(new Set(creates().map((r) => r.idempotencyKey)).size).toBe(1);
    expect(out.PhysicalResourceId).toMatch(/^ed_test_/);
  });

  test('Stripe unreachable: fails with a connection error and no request id', async () => {
    const endpoint = server.endpoint;
    await server.close();
    const err = await errorOf(onEvent(createRequest(), { ...h.deps, stripeFor: (key) => createStripeClient(key, endpoint) }));
    expect(err.message).toMatch(/^Stripe error while listing event destinations .*: An error occurred with our connection to Stripe\. Request was retried 2 times\. \(no request id \(Stripe was not reached\)\)\./);
    server = await StripeV2Server.start({ apiKey: KEY, apiVersion: STRIPE_API_VERSION });
  });
});

describe('properties (Secrets Manager mocked AWS)', () => {
  test('a template not made by the construct is rejected before calling Stripe', async () => {
    const err = await errorOf(onEvent(createRequest(properties({ EnabledEvents: [] })), h.deps));
    expect(err.message).toBe('resource property EnabledEvents must be a non-empty list of Stripe event types.');
    const err2 = await errorOf(onEvent(createRequest(properties({ AwsAccountId: '${Token[AWS.AccountId.1]}' })), h.deps));
    expect(err2.message).toContain('resource property AwsAccountId is');
    expect(server.requests).toEqual([]);
  });

  test('the partner event source name attribute is the one isComplete waits for', async () => {
    const out = await onEvent(createRequest(), h.deps);
    expect(out.Data?.[ATTR_EVENT_SOURCE_NAME]).toBe(`aws.partner/stripe.com/${out.PhysicalResourceId}`);
  });
});
