/**
 * The dead-letter redrive against a real SQS-compatible server (ElasticMQ) and the real bundled wrapper
 * with DynamoDB Local. The Lambda Invoke API is a local stand-in (no AWS account here), named so in every
 * test below.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { LocalLambdaFunction } from '../../../src/cli/local/local-lambda';
import { redrive } from '../../../src/cli/redrive/redrive';
import { ElasticMq, startElasticMq } from '../../support/elasticmq';
import { LambdaInvokeServer } from '../../support/lambda-invoke-server';
import { createBusinessTable, createIdempotencyTable, ddbClient, effectsFor, jsonLines, wrappedFunction } from '../../support/local-stack';
import { envelope, loadSample, StripeEventSample } from '../../support/stripe-samples';

const ORDERS_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:Orders';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

let mq: ElasticMq;
let sqs: SQSClient;
let ddb: DynamoDBClient;
let idempotencyTable: string;
let businessTable: string;
let orders: LocalLambdaFunction;
let invokeServer: LambdaInvokeServer;
let lambdaClient: LambdaClient;
const logs: string[] = [];

function stripeEvent(id: string): StripeEventSample {
  return { ...loadSample<StripeEventSample>('checkout.session.completed__stripe-ruby-mock.json'), id };
}

/** What EventBridge puts in a rule target's DLQ: the event as body, where and why in attributes. */
function eventBridgeDeadLetter(event: object, targetArn = ORDERS_ARN) {
  const attr = (value: string) => ({ DataType: 'String', StringValue: value });
  return {
    MessageBody: JSON.stringify(event),
    MessageAttributes: {
      RULE_ARN: attr('arn:aws:events:us-east-1:123456789012:rule/aws.partner/stripe.com/ed_test_x/Orders'),
      TARGET_ARN: attr(targetArn),
      ERROR_CODE: attr('SDK_CLIENT_ERROR'),
      ERROR_MESSAGE: attr('Unable to invoke Lambda function: Rate exceeded'),
    },
  };
}

/** What Lambda's on-failure destination puts in the DLQ after the retries of an async invoke. */
function lambdaDeadLetter(event: object) {
  return {
    MessageBody: JSON.stringify({
      version: '1.0',
      timestamp: '2026-11-26T10:00:00.000Z',
      requestContext: { requestId: 'b1f0', functionArn: `${ORDERS_ARN}:$LATEST`, condition: 'RetriesExhausted', approximateInvokeCount: 3 },
      requestPayload: event,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: 'Error', errorMessage: 'orders table unavailable' },
    }),
  };
}

async function newQueue(name: string, messages: object[]): Promise<string> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  for (const m of messages) await sqs.send(new SendMessageCommand({ QueueUrl, ...(m as any) }));
  return QueueUrl!;
}

async function depth(queueUrl: string): Promise<number> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(out.Attributes!.ApproximateNumberOfMessages) + Number(out.Attributes!.ApproximateNumberOfMessagesNotVisible);
}

async function visible(queueUrl: string): Promise<number> {
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
  return Number(out.Attributes!.ApproximateNumberOfMessages);
}

beforeAll(async () => {
  mq = await startElasticMq();
  sqs = new SQSClient({ endpoint: mq.endpoint, region: 'us-east-1', credentials });
  ddb = ddbClient();
  idempotencyTable = await createIdempotencyTable(ddb);
  businessTable = await createBusinessTable(ddb);
  orders = wrappedFunction({
    handlerName: 'Orders',
    userHandler: 'effect-counter.handler',
    idempotencyTable,
    environment: { BUSINESS_TABLE: businessTable, BUSINESS_TABLE_ENDPOINT: process.env.STRIPE_EB_TEST_DYNAMODB_ENDPOINT! },
  });
  invokeServer = new LambdaInvokeServer({ Orders: orders });
  lambdaClient = new LambdaClient({ endpoint: await invokeServer.start(), region: 'us-east-1', credentials, maxAttempts: 1 });
}, 300_000);

afterAll(async () => {
  orders?.close();
  await invokeServer?.stop();
  await mq?.stop();
  sqs?.destroy();
  ddb?.destroy();
  lambdaClient?.destroy();
});

beforeEach(() => {
  logs.length = 0;
  invokeServer.invocations.length = 0;
  invokeServer.failWith = undefined;
});

const run = (queueUrl: string, extra: { dryRun?: boolean; limit?: number } = {}) =>
  redrive({ queueUrl, sqs, lambda: lambdaClient, log: (l) => logs.push(l), ...extra });

test('dry run (local Lambda stand-in): lists every message with its reason, invokes and deletes nothing, and leaves all visible', async () => {
  const queue = await newQueue('dry-run', [eventBridgeDeadLetter(envelope(stripeEvent('evt_1DryA'))), lambdaDeadLetter(envelope(stripeEvent('evt_1DryB'))), { MessageBody: 'not json' }]);

  const summary = await run(queue, { dryRun: true });

  expect(summary).toEqual({ received: 3, redriven: 0, wouldRedrive: 2, failed: 0, unrecognized: 1 });
  expect(invokeServer.invocations).toEqual([]);
  expect(await visible(queue)).toBe(3);
  expect(logs).toEqual(
    expect.arrayContaining([
      `would redrive checkout.session.completed evt_1DryA → ${ORDERS_ARN} (eventbridge: EventBridge could not deliver it (SDK_CLIENT_ERROR: Unable to invoke Lambda function: Rate exceeded))`,
      `would redrive checkout.session.completed evt_1DryB → ${ORDERS_ARN} (lambda: the handler failed after 3 attempts (RetriesExhausted; Error: orders table unavailable))`,
      expect.stringMatching(/^skip .+: message .+: the body is not JSON; left in the queue$/),
      'dry run: 2 would be redriven, 1 unrecognized, of 3 received (nothing invoked or deleted)',
    ]),
  );
});

test('redrive (local Lambda stand-in): re-invokes the right function with the original event asynchronously, deletes only what Lambda accepted', async () => {
  const a = envelope(stripeEvent('evt_1RedriveA'));
  const b = envelope(stripeEvent('evt_1RedriveB'));
  const queue = await newQueue('redrive', [
    eventBridgeDeadLetter(a),
    lambdaDeadLetter(b),
    eventBridgeDeadLetter(envelope(stripeEvent('evt_1NoSuchFunction')), 'arn:aws:lambda:us-east-1:123456789012:function:Deleted'),
    { MessageBody: '{"hello":"world"}' },
  ]);

  const summary = await run(queue);
  const results = await invokeServer.settled();

  expect(summary).toEqual({ received: 4, redriven: 2, wouldRedrive: 0, failed: 1, unrecognized: 1 });
  expect(invokeServer.invocations.map((i) => [i.functionName, i.invocationType])).toEqual([['Orders', 'Event'], ['Orders', 'Event']]);
  // The function received the original events, unchanged.
  expect(invokeServer.invocations.map((i) => i.event)).toEqual([a, b]);
  expect(results.map((r) => jsonLines(r.logs).find((l) => l.outcome)?.outcome)).toEqual(['processed', 'processed']);
  expect(await effectsFor(ddb, businessTable, 'evt_1RedriveA')).toBe(1);
  expect(await effectsFor(ddb, businessTable, 'evt_1RedriveB')).toBe(1);
  // The unknown function's message and the unrecognized one are still there.
  expect(await depth(queue)).toBe(2);
  expect(logs.find((l) => l.startsWith('FAILED'))).toMatch(/evt_1NoSuchFunction → arn:aws:lambda:us-east-1:123456789012:function:Deleted: Function not found/);
});

test('redriving an event that was already processed is a duplicate, not a second effect (local Lambda stand-in)', async () => {
  const event = stripeEvent('evt_1AlreadyDone');
  await orders.invoke(envelope(event));
  const queue = await newQueue('already-done', [lambdaDeadLetter(envelope(event))]);

  await run(queue);
  const [result] = await invokeServer.settled();

  expect(jsonLines(result.logs).find((l) => l.outcome)?.outcome).toBe('duplicate');
  expect(await effectsFor(ddb, businessTable, 'evt_1AlreadyDone')).toBe(1);
  expect(await depth(queue)).toBe(0);
});

test('limit: handles at most that many messages (local Lambda stand-in)', async () => {
  const queue = await newQueue('limit', [1, 2, 3, 4, 5].map((i) => eventBridgeDeadLetter(envelope(stripeEvent(`evt_1Limit${i}`)))));
  const summary = await run(queue, { limit: 2 });
  await invokeServer.settled();
  expect(summary.received).toBe(2);
  expect(summary.redriven).toBe(2);
  expect(await depth(queue)).toBe(3);
});

test('when Lambda refuses the invoke, nothing is deleted (local Lambda stand-in answering 500)', async () => {
  invokeServer.failWith = 500;
  const queue = await newQueue('refused', [eventBridgeDeadLetter(envelope(stripeEvent('evt_1Refused')))]);
  const summary = await run(queue);
  expect(summary).toMatchObject({ received: 1, redriven: 0, failed: 1 });
  expect(await depth(queue)).toBe(1);
  expect(await effectsFor(ddb, businessTable, 'evt_1Refused')).toBe(0);
});

test('a limit that is not positive is an error', async () => {
  await expect(run('http://unused', { limit: 0 })).rejects.toThrow('limit must be a positive number, got 0');
});
