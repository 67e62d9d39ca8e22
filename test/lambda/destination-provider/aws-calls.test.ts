/**
 * The provider's AWS calls — reading the Stripe key from Secrets Manager and waiting for the partner event
 * source with EventBridge DescribeEventSource — against clients mocked with aws-sdk-client-mock. There is
 * no AWS account here; these tests pin what the provider sends and how it reads each answer.
 */
import { DescribeEventSourceCommand, EventBridgeClient, ResourceNotFoundException } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { createRequest, errorOf, harness, KEY, LOGICAL_ID, mockSecret, NOW, SECRET_ARN, secretsMock, STACK_ID } from './support/provider-harness';
import { StripeV2Server } from './support/stripe-v2-server';
import { WAIT_FIELD_DEADLINE, WAIT_FIELD_NAME } from '../../../src/contract/destination';
import { CompletionRequest, isComplete, onEvent } from '../../../src/lambda/destination-provider/provider';
import { readStripeKey } from '../../../src/lambda/destination-provider/secret';
import { STRIPE_API_VERSION } from '../../../src/private/stripe-event-types.generated';

const eventBridgeMock = mockClient(EventBridgeClient);
const ID = 'ed_test_61RM8ltWcTW4mbsxf16RJyfa2xSQLHJJh1sxm7H0KVT6';
const SOURCE = `aws.partner/stripe.com/${ID}`;

function waiting(overrides: Partial<CompletionRequest> = {}): CompletionRequest {
  return {
    RequestType: 'Create',
    StackId: STACK_ID,
    LogicalResourceId: LOGICAL_ID,
    RequestId: 'r-1',
    ResourceProperties: {},
    PhysicalResourceId: ID,
    Data: { DestinationId: ID, EventSourceName: SOURCE, EventSourceArn: `arn:aws:events:us-east-1::event-source/${SOURCE}` },
    [WAIT_FIELD_NAME]: true,
    [WAIT_FIELD_DEADLINE]: NOW + 300_000,
    ...overrides,
  };
}

const logs: Array<Record<string, unknown>> = [];
const deps = (now = NOW) => ({ eventBridge: new EventBridgeClient({ region: 'us-east-1' }), log: (e: Record<string, unknown>) => logs.push(e), now: () => now });

beforeEach(() => {
  eventBridgeMock.reset();
  logs.length = 0;
});

describe('waiting for the partner event source (mocked AWS: EventBridge DescribeEventSource)', () => {
  test.each(['PENDING', 'ACTIVE'] as const)('done once the source exists (%s)', async (state) => {
    eventBridgeMock.on(DescribeEventSourceCommand, { Name: SOURCE }).resolves({ Name: SOURCE, State: state });
    await expect(isComplete(waiting(), deps())).resolves.toEqual({ IsComplete: true });
    expect(eventBridgeMock.commandCalls(DescribeEventSourceCommand).map((c) => c.args[0].input)).toEqual([{ Name: SOURCE }]);
  });

  test('not done while the source does not exist yet, before the deadline', async () => {
    eventBridgeMock.on(DescribeEventSourceCommand).rejects(new ResourceNotFoundException({ message: 'Event source not found', $metadata: {} }));
    await expect(isComplete(waiting(), deps(NOW + 299_000))).resolves.toEqual({ IsComplete: false });
  });

  test('fails with a clear error when the source has not appeared by the deadline', async () => {
    eventBridgeMock.on(DescribeEventSourceCommand).rejects(new ResourceNotFoundException({ message: 'Event source not found', $metadata: {} }));
    const err = await errorOf(isComplete(waiting(), deps(NOW + 300_000)));
    expect(err.name).toBe('EventSourceError');
    expect(err.message).toBe(
      `Stripe created event destination ${ID}, but its partner event source ${SOURCE} did not appear in this AWS account and region before the deadline ` +
        "(eventSourceTimeout). Check the destination in the Stripe Dashboard (Workbench → Event destinations): its AWS account id and region must be this stack's. " +
        'The deployment rolls back and deletes the destination.',
    );
  });

  test('fails when the source is DELETED (expired unaccepted)', async () => {
    eventBridgeMock.on(DescribeEventSourceCommand).resolves({ Name: SOURCE, State: 'DELETED' });
    await expect(isComplete(waiting(), deps())).rejects.toThrow(`the partner event source ${SOURCE} of Stripe event destination ${ID} is DELETED in this account`);
  });

  test('fails with the AWS error when the call is denied', async () => {
    eventBridgeMock.on(DescribeEventSourceCommand).rejects(Object.assign(new Error('User is not authorized to perform: events:DescribeEventSource'), { name: 'AccessDeniedException' }));
    await expect(isComplete(waiting(), deps())).rejects.toThrow(
      `could not describe partner event source ${SOURCE}: AccessDeniedException: User is not authorized to perform: events:DescribeEventSource`,
    );
  });

  test('deletes and in-place updates do not wait and call nothing', async () => {
    await expect(isComplete(waiting({ RequestType: 'Delete' }), deps())).resolves.toEqual({ IsComplete: true });
    await expect(isComplete(waiting({ RequestType: 'Update', [WAIT_FIELD_NAME]: false }), deps())).resolves.toEqual({ IsComplete: true });
    expect(eventBridgeMock.commandCalls(DescribeEventSourceCommand)).toHaveLength(0);
  });
});

describe('onEvent then isComplete, as the provider framework chains them (Stripe stand-in; mocked AWS)', () => {
  let server: StripeV2Server;
  beforeEach(async () => {
    server = await StripeV2Server.start({ apiKey: KEY, apiVersion: STRIPE_API_VERSION });
    mockSecret();
  });
  afterEach(async () => {
    expect(server.violations).toEqual([]);
    await server.close();
  });

  test('isComplete describes exactly the source Stripe created for the new destination', async () => {
    const request = createRequest();
    const out = await onEvent(request, harness(server).deps);
    const source = `aws.partner/stripe.com/${out.PhysicalResourceId}`;
    eventBridgeMock.on(DescribeEventSourceCommand, { Name: source }).resolves({ Name: source, State: 'PENDING' });

    // The framework passes the request merged with onEvent's answer (custom fields included).
    await expect(isComplete({ ...request, ...out }, deps())).resolves.toEqual({ IsComplete: true });
    expect(eventBridgeMock.commandCalls(DescribeEventSourceCommand)).toHaveLength(1);
  });

  test.each([
    ['…/ed_…', (id: string) => `aws.partner/stripe.com/${id.replace('ed_test_', 'ed_')}`],
    ['…/ed_test_…', (id: string) => `aws.partner/stripe.com/${id}`],
    ['…/acct_…/ed_…', (id: string) => `aws.partner/stripe.com/acct_1Nv0FGQ9RKHgCVdK/${id}`],
  ])('the source name is taken whole from the ARN Stripe reports (%s), and isComplete describes that source', async (_, form) => {
    await server.close();
    server = await StripeV2Server.start({ apiKey: KEY, apiVersion: STRIPE_API_VERSION, eventSourceName: form });
    const request = createRequest();
    const out = await onEvent(request, harness(server).deps);
    const source = form(out.PhysicalResourceId);
    expect(out.Data).toEqual({ DestinationId: out.PhysicalResourceId, EventSourceName: source, EventSourceArn: `arn:aws:events:us-east-1::event-source/${source}` });
    eventBridgeMock.on(DescribeEventSourceCommand, { Name: source }).resolves({ Name: source, State: 'ACTIVE' });

    await expect(isComplete({ ...request, ...out }, deps())).resolves.toEqual({ IsComplete: true });
    expect(eventBridgeMock.commandCalls(DescribeEventSourceCommand).map((c) => c.args[0].input)).toEqual([{ Name: source }]);
  });
});

describe('reading the Stripe key (mocked AWS: Secrets Manager GetSecretValue)', () => {
  const client = () => new SecretsManagerClient({ region: 'us-east-1' });

  test('reads the secret by the ARN in the resource properties', async () => {
    mockSecret(`${KEY}\n`);
    await expect(readStripeKey(client(), SECRET_ARN)).resolves.toBe(KEY);
    expect(secretsMock.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input)).toEqual([{ SecretId: SECRET_ARN }]);
  });

  test('a secret holding JSON is refused without echoing it', async () => {
    mockSecret(JSON.stringify({ apiKey: KEY }));
    const err = await errorOf(readStripeKey(client(), SECRET_ARN));
    expect(err.message).toBe(
      `secret ${SECRET_ARN} does not hold a Stripe key (it holds JSON); store the restricted key itself (rk_live_… or rk_test_…) as the plain-text secret string.`,
    );
    expect(err.message).not.toContain(KEY);
  });

  test('a binary-only secret is refused', async () => {
    secretsMock.reset();
    secretsMock.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array([1, 2]) });
    await expect(readStripeKey(client(), SECRET_ARN)).rejects.toThrow(`secret ${SECRET_ARN} has no secret string`);
  });

  test('access denied names the secret and the AWS error', async () => {
    secretsMock.reset();
    secretsMock.on(GetSecretValueCommand).rejects(Object.assign(new Error('not authorized to perform: secretsmanager:GetSecretValue'), { name: 'AccessDeniedException' }));
    await expect(readStripeKey(client(), SECRET_ARN)).rejects.toThrow(
      `could not read the Stripe key from secret ${SECRET_ARN}: AccessDeniedException: not authorized to perform: secretsmanager:GetSecretValue`,
    );
  });
});
