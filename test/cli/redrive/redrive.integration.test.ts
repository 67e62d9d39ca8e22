/**
 * The dead-letter redrive against a real SQS-compatible server (ElasticMQ) and the real bundled wrapper
 * with DynamoDB Local. The Lambda API (Invoke, GetFunctionEventInvokeConfig, GetFunctionConfiguration) is
 * a local stand-in (no AWS account here), named so in every test below; so are the SQS failures injected
 * with an SDK middleware.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { LocalLambdaFunction } from '../../../src/cli/local/local-lambda';
import { regionOfQueueUrl } from '../../../src/cli/redrive/queue';
import { redrive, RedriveOptions } from '../../../src/cli/redrive/redrive';
import { verifyWithStripe } from '../../../src/cli/redrive/verify';
import { ENV_IDEMPOTENCY_TTL_SECONDS } from '../../../src/contract/wrapper';
import { createStripeClient } from '../../../src/reconcile/stripe-events';
import { ElasticMq, startElasticMq } from '../../support/elasticmq';
import { LambdaInvokeServer, standInArn } from '../../support/lambda-invoke-server';
import { createBusinessTable, createIdempotencyTable, ddbClient, effectsFor, jsonLines, wrappedFunction } from '../../support/local-stack';
import { stripeEventAt } from '../../support/reconcile-scenario';
import { StripeEventsServer } from '../../support/stripe-events-server';
import { startStripeMock, StripeMock } from '../../support/stripe-mock';
import { envelope, loadSample, StripeEventSample } from '../../support/stripe-samples';

const ORDERS_ARN = standInArn('Orders');
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

let mq: ElasticMq;
let sqs: SQSClient;
let ddb: DynamoDBClient;
let idempotencyTable: string;
let businessTable: string;
let orders: LocalLambdaFunction;
let shortLived: LocalLambdaFunction;
let invokeServer: LambdaInvokeServer;
let lambdaClient: LambdaClient;
const logs: string[] = [];

/** A real sample with its own id, created `ageSeconds` ago (an event's age decides whether it may be redriven). */
function stripeEvent(id: string, ageSeconds = 60): StripeEventSample {
  return { ...loadSample<StripeEventSample>('checkout.session.completed__stripe-ruby-mock.json'), id, created: Math.floor(Date.now() / 1000) - ageSeconds };
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
function lambdaDeadLetter(event: object, functionArn = `${ORDERS_ARN}:$LATEST`, error = { errorType: 'Error', errorMessage: 'orders table unavailable' }) {
  return {
    MessageBody: JSON.stringify({
      version: '1.0',
      timestamp: '2026-11-26T10:00:00.000Z',
      requestContext: { requestId: 'b1f0', functionArn, condition: 'RetriesExhausted', approximateInvokeCount: 3 },
      requestPayload: event,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: error,
    }),
  };
}

let queueCount = 0;
/** A new queue holding the messages; the stand-in's functions send their failures to it, as the integration's do. */
async function newQueue(name: string, messages: object[]): Promise<string> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-${++queueCount}` }));
  for (const m of messages) await sqs.send(new SendMessageCommand({ QueueUrl, ...(m as any) }));
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn;
  invokeServer.fn('Orders').onFailure = arn;
  invokeServer.fn('ShortLived').onFailure = arn;
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
  const environment = { BUSINESS_TABLE: businessTable, BUSINESS_TABLE_ENDPOINT: process.env.STRIPE_EB_TEST_DYNAMODB_ENDPOINT! };
  // A record lifetime of 7 days (`idempotency.recordLifetime`), so that an 8-day-old event is past it.
  orders = wrappedFunction({ handlerName: 'Orders', userHandler: 'effect-counter.handler', idempotencyTable, environment, recordLifetimeSeconds: 7 * 86_400 });
  // Records that live 2 seconds: what happens to a redrive after a record's lifetime, in a test's time.
  shortLived = wrappedFunction({ handlerName: 'ShortLived', userHandler: 'effect-counter.handler', idempotencyTable, environment: { ...environment, [ENV_IDEMPOTENCY_TTL_SECONDS]: '2' } });
  invokeServer = new LambdaInvokeServer({ Orders: { function: orders, qualifiers: ['live', '7'] }, ShortLived: shortLived });
  lambdaClient = new LambdaClient({ endpoint: await invokeServer.start(), region: 'us-east-1', credentials, maxAttempts: 1 });
}, 300_000);

afterAll(async () => {
  orders?.close();
  shortLived?.close();
  await invokeServer?.stop();
  await mq?.stop();
  sqs?.destroy();
  ddb?.destroy();
  lambdaClient?.destroy();
});

beforeEach(() => {
  logs.length = 0;
  invokeServer.reset();
});

const run = (queueUrl: string, extra: Partial<RedriveOptions> = {}) =>
  redrive({ queueUrl, sqs, lambda: lambdaClient, log: (l) => logs.push(l), ...extra });

const NONE = {
  received: 0,
  redriven: 0,
  wouldRedrive: 0,
  failed: 0,
  unrecognized: 0,
  refused: 0,
  poison: 0,
  movedPoison: 0,
  tooOld: 0,
  staleRedriven: 0,
  notDeleted: 0,
  notAttempted: 0,
  forged: 0,
  unverified: 0,
  bodiesVerified: false,
};
/** The summary's last clause without a Stripe key. */
const NOT_VERIFIED = '; the bodies were not verified with Stripe (no key: set STRIPE_API_KEY or pass --secret to verify each event before it is invoked)';

test('dry run (local Lambda stand-in): lists every message with its reason, invokes and deletes nothing, and leaves all visible', async () => {
  const queue = await newQueue('dry-run', [eventBridgeDeadLetter(envelope(stripeEvent('evt_1DryA'))), lambdaDeadLetter(envelope(stripeEvent('evt_1DryB'))), { MessageBody: 'not json' }]);

  const summary = await run(queue, { dryRun: true });

  expect(summary).toEqual({ ...NONE, received: 3, wouldRedrive: 2, unrecognized: 1 });
  expect(invokeServer.invocations).toEqual([]);
  expect(await visible(queue)).toBe(3);
  expect(logs).toEqual(
    expect.arrayContaining([
      `would redrive checkout.session.completed evt_1DryA → ${ORDERS_ARN} (eventbridge: EventBridge could not deliver it (SDK_CLIENT_ERROR: Unable to invoke Lambda function: Rate exceeded))`,
      `would redrive checkout.session.completed evt_1DryB → ${ORDERS_ARN}:$LATEST (lambda: the handler failed after 3 attempts (RetriesExhausted; Error: orders table unavailable))`,
      expect.stringMatching(/^skip .+: message .+: the body is not JSON; left in the queue$/),
      `dry run: 2 would be redriven, 1 unrecognized, 0 refused, 0 poison, 0 too old, of 3 received (nothing invoked, moved or deleted)${NOT_VERIFIED}`,
    ]),
  );
});

test('redrive (local Lambda stand-in): re-invokes the right function with the original event asynchronously, deletes only what Lambda accepted', async () => {
  const a = envelope(stripeEvent('evt_1RedriveA'));
  const b = envelope(stripeEvent('evt_1RedriveB'));
  const queue = await newQueue('redrive', [eventBridgeDeadLetter(a), lambdaDeadLetter(b), { MessageBody: '{"hello":"world"}' }]);

  const summary = await run(queue);
  const results = await invokeServer.settled();

  expect(summary).toEqual({ ...NONE, received: 3, redriven: 2, unrecognized: 1 });
  expect(invokeServer.invocations.map((i) => [i.functionName, i.qualifier, i.invocationType])).toEqual([['Orders', undefined, 'Event'], ['Orders', '$LATEST', 'Event']]);
  // The function received the original events, unchanged.
  expect(invokeServer.invocations.map((i) => i.event)).toEqual([a, b]);
  expect(results.map((r) => jsonLines(r.logs).find((l) => l.outcome)?.outcome)).toEqual(['processed', 'processed']);
  expect(await effectsFor(ddb, businessTable, 'evt_1RedriveA')).toBe(1);
  expect(await effectsFor(ddb, businessTable, 'evt_1RedriveB')).toBe(1);
  // The unrecognized message is still there, and visible again for the next run.
  expect(await depth(queue)).toBe(1);
  expect(await visible(queue)).toBe(1);
});

describe('only the queue\'s own functions are invoked (local Lambda stand-in)', () => {
  test('messages planted for other functions stay in the queue, each with its reason, and nothing but the queue\'s function is invoked or even asked about in another account', async () => {
    const event = (id: string) => envelope(stripeEvent(id));
    const queue = await newQueue('planted', [
      eventBridgeDeadLetter(event('evt_1OtherAccount'), 'arn:aws:lambda:us-east-1:999999999999:function:Drain'),
      lambdaDeadLetter(event('evt_1OtherRegion'), 'arn:aws:lambda:eu-west-1:123456789012:function:Orders:$LATEST'),
      eventBridgeDeadLetter(event('evt_1NotIntegrations'), standInArn('ShortLived')),
      eventBridgeDeadLetter(event('evt_1NoSuchFunction'), standInArn('Deleted')),
      eventBridgeDeadLetter(event('evt_1Ours')),
    ]);
    // ShortLived is a function of the account, but its failures go to another queue.
    invokeServer.fn('ShortLived').onFailure = 'arn:aws:sqs:us-east-1:123456789012:somewhere-else';

    const summary = await run(queue);
    await invokeServer.settled();

    expect(summary).toEqual({ ...NONE, received: 5, redriven: 1, refused: 4 });
    expect(invokeServer.invocations.map((i) => (i.event as any).detail.id)).toEqual(['evt_1Ours']);
    expect(invokeServer.requests.filter((r) => r.startsWith('POST'))).toEqual(['POST invoke Orders']);
    expect(invokeServer.requests.some((r) => r.includes('Drain'))).toBe(false);
    expect(logs.filter((l) => l.startsWith('refused')).map((l) => l.replace(/^refused \S+ /, ''))).toEqual([
      '(checkout.session.completed evt_1OtherAccount → arn:aws:lambda:us-east-1:999999999999:function:Drain): arn:aws:lambda:us-east-1:999999999999:function:Drain is not invoked: ' +
        'it is in account 999999999999, and this queue and its functions are in account 123456789012; left in the queue',
      '(checkout.session.completed evt_1OtherRegion → arn:aws:lambda:eu-west-1:123456789012:function:Orders:$LATEST): arn:aws:lambda:eu-west-1:123456789012:function:Orders:$LATEST is not invoked: ' +
        'it is in eu-west-1, and this queue and its functions are in us-east-1; left in the queue',
      `(checkout.session.completed evt_1NotIntegrations → ${standInArn('ShortLived')}): ${standInArn('ShortLived')} is not invoked: its failed invocations go to ` +
        'arn:aws:sqs:us-east-1:123456789012:somewhere-else, not to this queue (arn:aws:sqs:us-east-1:123456789012:planted-' + queueCount + "), so it is not one of this integration's functions; left in the queue",
      `(checkout.session.completed evt_1NoSuchFunction → ${standInArn('Deleted')}): ${standInArn('Deleted')} is not invoked: it has no asynchronous invocation configuration for $LATEST ` +
        '(or does not exist), so this queue is not its on-failure destination; left in the queue',
    ]);
    expect(await depth(queue)).toBe(4);
    expect(await visible(queue)).toBe(4);
  });

  test('--functions narrows it further', async () => {
    const queue = await newQueue('only', [eventBridgeDeadLetter(envelope(stripeEvent('evt_1OnlyA'))), eventBridgeDeadLetter(envelope(stripeEvent('evt_1OnlyB')), standInArn('ShortLived'))]);
    const summary = await run(queue, { functions: [ORDERS_ARN] });
    await invokeServer.settled();
    expect(summary).toMatchObject({ received: 2, redriven: 1, refused: 1 });
    expect(logs.find((l) => l.startsWith('refused'))).toContain(`${standInArn('ShortLived')} is not invoked: it is not among --functions (${ORDERS_ARN})`);
    expect(invokeServer.invocations.map((i) => i.functionName)).toEqual(['Orders']);
  });

  test('the qualifier is kept: an alias or a version is invoked as itself, never as $LATEST', async () => {
    const queue = await newQueue('qualifiers', [
      lambdaDeadLetter(envelope(stripeEvent('evt_1Alias')), `${ORDERS_ARN}:live`),
      eventBridgeDeadLetter(envelope(stripeEvent('evt_1Version')), `${ORDERS_ARN}:7`),
    ]);
    const summary = await run(queue);
    await invokeServer.settled();
    expect(summary).toMatchObject({ received: 2, redriven: 2 });
    expect(invokeServer.invocations.map((i) => [(i.event as any).detail.id, i.qualifier])).toEqual([['evt_1Alias', 'live'], ['evt_1Version', '7']]);
    expect(invokeServer.requests).toEqual(expect.arrayContaining(['GET event-invoke-config Orders:live', 'GET event-invoke-config Orders:7']));
    expect(logs).toContain(`redriven checkout.session.completed evt_1Alias → ${ORDERS_ARN}:live`);
  });
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
  expect(await visible(queue)).toBe(3);
});

test('when Lambda refuses the invoke, nothing is deleted (local Lambda stand-in answering 500)', async () => {
  invokeServer.failWith = 500;
  const queue = await newQueue('refused', [eventBridgeDeadLetter(envelope(stripeEvent('evt_1Refused')))]);
  const summary = await run(queue);
  expect(summary).toMatchObject({ received: 1, redriven: 0, failed: 1 });
  expect(await depth(queue)).toBe(1);
  expect(await effectsFor(ddb, businessTable, 'evt_1Refused')).toBe(0);
});

test('a DeleteMessage error ends nothing: the run goes on and says which message stays (local Lambda stand-in; SQS failure injected)', async () => {
  const queue = await newQueue('delete-fails', [1, 2, 3].map((i) => eventBridgeDeadLetter(envelope(stripeEvent(`evt_1Delete${i}`)))));
  let deletes = 0;
  const failing = new SQSClient({ endpoint: mq.endpoint, region: 'us-east-1', credentials });
  failing.middlewareStack.add((next, context) => async (args) => {
    if (context.commandName === 'DeleteMessageCommand' && ++deletes === 1) {
      throw Object.assign(new Error('We encountered an internal error. Please try again.'), { name: 'InternalError' });
    }
    return next(args);
  }, { step: 'initialize', name: 'failFirstDelete' });
  try {
    const summary = await redrive({ queueUrl: queue, sqs: failing, lambda: lambdaClient, log: (l) => logs.push(l) });
    await invokeServer.settled();
    expect(summary).toMatchObject({ received: 3, redriven: 3, notDeleted: 1 });
    expect(logs.filter((l) => l.includes('could not be deleted'))).toEqual([
      `redriven checkout.session.completed evt_1Delete1 → ${ORDERS_ARN}, but the message could not be deleted (We encountered an internal error. Please try again.): ` +
        'the next run redrives it again, a duplicate to the wrapper',
    ]);
    expect(logs[logs.length - 1]).toBe(`3 redriven, 0 failed, 0 unrecognized, 0 refused, 0 poison, 0 too old, of 3 received; 1 redriven but not deleted (the next run redrives them again)${NOT_VERIFIED}`);
    expect(await depth(queue)).toBe(1);
  } finally {
    failing.destroy();
  }
});

describe('when throttling outlasts the visibility timeout (local Lambda stand-in answering 429)', () => {
  test('the run drains the queue to the limit: messages that come back are hidden again, and every one is attempted', async () => {
    const queue = await newQueue('throttled', Array.from({ length: 12 }, (_, i) => eventBridgeDeadLetter(envelope(stripeEvent(`evt_1Throttled${i}`)))));
    invokeServer.throttleNext = 10;
    invokeServer.delayMs = 300; // ten attempts take 3 s, longer than the 2 s visibility timeout

    const summary = await run(queue, { visibilityTimeoutSeconds: 2 });
    await invokeServer.settled();

    expect(summary).toEqual({ ...NONE, received: 12, redriven: 2, failed: 10 });
    expect(logs.filter((l) => l.startsWith('FAILED'))).toHaveLength(10);
    expect(logs.filter((l) => l.startsWith('FAILED')).every((l) => l.includes('Rate Exceeded.'))).toBe(true);
    expect(await depth(queue)).toBe(10);
    expect(await visible(queue)).toBe(10);
  });

  test('a message whose visibility ran out before its turn is counted, exactly, as not attempted (SQS failure injected)', async () => {
    const queue = await newQueue('lease-lost', [1, 2, 3].map((i) => eventBridgeDeadLetter(envelope(stripeEvent(`evt_1Lease${i}`)))));
    let renewals = 0;
    const losing = new SQSClient({ endpoint: mq.endpoint, region: 'us-east-1', credentials });
    // The second lease renewal fails as SQS fails it once another reader has received the message.
    losing.middlewareStack.add((next, context) => async (args) => {
      if (context.commandName === 'ChangeMessageVisibilityCommand' && (args.input as { VisibilityTimeout: number }).VisibilityTimeout > 0 && ++renewals === 2) {
        throw Object.assign(new Error('The receipt handle is not valid.'), { name: 'ReceiptHandleIsInvalid' });
      }
      return next(args);
    }, { step: 'initialize', name: 'loseSecondLease' });
    try {
      const summary = await redrive({ queueUrl: queue, sqs: losing, lambda: lambdaClient, log: (l) => logs.push(l), visibilityTimeoutSeconds: 30 });
      await invokeServer.settled();
      expect(summary).toMatchObject({ received: 3, redriven: 2, notAttempted: 1 });
      expect(logs.filter((l) => l.startsWith('not attempted'))).toEqual([expect.stringMatching(/^not attempted \S+: its visibility ran out before its turn \(The receipt handle is not valid\.\); it is back in the queue$/)]);
      expect(logs[logs.length - 1]).toContain('; 1 not attempted (their visibility ran out first; they are back in the queue); the bodies were not verified');
    } finally {
      losing.destroy();
    }
  });
});

describe('poison: events the wrapper rejects as invalid (local Lambda stand-in)', () => {
  /** The wrapper's real answer to an event whose detail-type is not its Stripe type. */
  async function wrapperRejection(event: object): Promise<{ errorType: string; errorMessage: string }> {
    const out = await orders.invoke(event);
    expect(out.error?.name).toBe('InvalidStripeEventError');
    return { errorType: out.error!.name, errorMessage: out.error!.message };
  }

  test('are reported as poison and left in the queue, never redriven: the Lambda record of a rejection, and an undeliverable event that would be rejected', async () => {
    const rejected = envelope(stripeEvent('evt_1PoisonRecord'), { 'detail-type': 'charge.failed' });
    const queue = await newQueue('poison', [
      lambdaDeadLetter(rejected, `${ORDERS_ARN}:$LATEST`, await wrapperRejection(rejected)),
      eventBridgeDeadLetter(envelope(stripeEvent('evt_1PoisonUndelivered'), { source: 'aws.partner/stripe.community/ed_1' })),
      eventBridgeDeadLetter(envelope(stripeEvent('evt_1Healthy'))),
    ]);

    const summary = await run(queue);
    await invokeServer.settled();

    expect(summary).toEqual({ ...NONE, received: 3, redriven: 1, poison: 2 });
    expect(invokeServer.invocations.map((i) => (i.event as any).detail.id)).toEqual(['evt_1Healthy']);
    const poison = logs.filter((l) => l.startsWith('poison'));
    expect(poison[0]).toMatch(/^poison \S+ \(charge\.failed evt_1PoisonRecord → .+:function:Orders:\$LATEST\): the wrapper rejected it \(DETAIL_TYPE_MISMATCH: .+\); left in the queue$/);
    expect(poison[1]).toMatch(/^poison \S+ \(checkout\.session\.completed evt_1PoisonUndelivered → .+\): the wrapper would reject it \(NOT_STRIPE_SOURCE: source "aws\.partner\/stripe\.community\/ed_1" does not start with "aws\.partner\/stripe\.com\/"\); left in the queue$/);
    expect(await depth(queue)).toBe(2);
  });

  test('or moved to a queue the user names, with the reason in an attribute', async () => {
    const poisonQueue = (await sqs.send(new CreateQueueCommand({ QueueName: `poison-target-${++queueCount}` }))).QueueUrl!;
    const rejected = envelope(stripeEvent('evt_1PoisonMoved'), { 'detail-type': 'charge.failed' });
    const queue = await newQueue('poison-moved', [lambdaDeadLetter(rejected, `${ORDERS_ARN}:$LATEST`, await wrapperRejection(rejected)), eventBridgeDeadLetter(envelope(stripeEvent('evt_1HealthyToo')))]);

    const summary = await run(queue, { poisonQueueUrl: poisonQueue });
    await invokeServer.settled();

    expect(summary).toMatchObject({ received: 2, redriven: 1, poison: 1, movedPoison: 1 });
    expect(await depth(queue)).toBe(0);
    const moved = await sqs.send(new ReceiveMessageCommand({ QueueUrl: poisonQueue, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }));
    expect(moved.Messages).toHaveLength(1);
    expect(JSON.parse(moved.Messages![0].Body!).requestPayload.detail.id).toBe('evt_1PoisonMoved');
    expect(moved.Messages![0].MessageAttributes!.STRIPE_EB_POISON_REASON.StringValue).toMatch(/^the wrapper rejected it \(DETAIL_TYPE_MISMATCH: /);
    expect(logs[logs.length - 1]).toBe(`1 redriven, 0 failed, 0 unrecognized, 0 refused, 1 poison, 0 too old, of 2 received; 1 poison moved to ${poisonQueue}${NOT_VERIFIED}`);
  });
});

describe("events older than their function's idempotency record lifetime (local Lambda stand-in)", () => {
  test('are left in the queue with the reason, unless forced; forced, the run says how many will run again', async () => {
    const old = envelope(stripeEvent('evt_1EightDaysOld', 8 * 86_400));
    const queue = await newQueue('too-old', [eventBridgeDeadLetter(old), eventBridgeDeadLetter(envelope(stripeEvent('evt_1SixDaysOld', 6 * 86_400)))]);

    const refused = await run(queue);
    await invokeServer.settled();
    expect(refused).toMatchObject({ received: 2, redriven: 1, tooOld: 1 });
    expect(logs).toContain(
      `too old checkout.session.completed evt_1EightDaysOld → ${ORDERS_ARN}: created 8 days ago, longer than the record lifetime of Orders (7 days), ` +
        'so its record may be gone and its handler would run again; left in the queue (--force redrives it)',
    );
    expect(await depth(queue)).toBe(1);

    logs.length = 0;
    expect(await run(queue, { dryRun: true, force: true })).toMatchObject({ wouldRedrive: 1, staleRedriven: 1 });
    expect(logs[logs.length - 1]).toContain('; 1 would be redriven although older than their function\'s record lifetime: their handlers may run again; the bodies were not verified');

    logs.length = 0;
    const forced = await run(queue, { force: true });
    await invokeServer.settled();
    expect(forced).toMatchObject({ received: 1, redriven: 1, staleRedriven: 1, tooOld: 0 });
    expect(logs[0]).toBe(
      `redriven checkout.session.completed evt_1EightDaysOld → ${ORDERS_ARN} (forced: created 8 days ago, longer than the record lifetime of Orders (7 days); its handler may run again)`,
    );
    expect(logs[logs.length - 1]).toBe(`1 redriven, 0 failed, 0 unrecognized, 0 refused, 0 poison, 0 too old, of 1 received; 1 were redriven although older than their function's record lifetime: their handlers may run again${NOT_VERIFIED}`);
    expect(await depth(queue)).toBe(0);
  });

  test("why: past the record's lifetime the real wrapper runs the handler again, so the lifetime is read from the function (STRIPE_EB_IDEMPOTENCY_TTL_SECONDS)", async () => {
    const event = stripeEvent('evt_1RecordExpired', 5);
    await shortLived.invoke(envelope(event)); // processed once: its record lives 2 seconds
    await new Promise((r) => setTimeout(r, 2_500));
    const queue = await newQueue('expired', [eventBridgeDeadLetter(envelope(event), standInArn('ShortLived'))]);

    expect(await run(queue)).toMatchObject({ redriven: 0, tooOld: 1 });
    expect(logs[0]).toMatch(/created \d+ seconds ago, longer than the record lifetime of ShortLived \(2 seconds\)/);
    expect(await effectsFor(ddb, businessTable, 'evt_1RecordExpired')).toBe(1);

    expect(await run(queue, { force: true })).toMatchObject({ redriven: 1, staleRedriven: 1 });
    const [result] = await invokeServer.settled();
    expect(jsonLines(result.logs).find((l) => l.outcome)?.outcome).toBe('processed');
    expect(await effectsFor(ddb, businessTable, 'evt_1RecordExpired')).toBe(2);
  });
});

test('the region comes from the queue URL', () => {
  expect(regionOfQueueUrl('https://sqs.eu-west-1.amazonaws.com/123456789012/stripe-dlq')).toBe('eu-west-1');
  expect(regionOfQueueUrl('https://sqs-fips.us-gov-west-1.amazonaws.com/123456789012/q')).toBe('us-gov-west-1');
  expect(regionOfQueueUrl('https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q')).toBe('cn-north-1');
  expect(regionOfQueueUrl('https://sqs.ap-southeast-2.api.aws/123456789012/q')).toBe('ap-southeast-2');
  expect(regionOfQueueUrl('https://us-west-2.queue.amazonaws.com/123456789012/q')).toBe('us-west-2');
  expect(regionOfQueueUrl('http://127.0.0.1:9324/123456789012/q')).toBeUndefined();
  expect(regionOfQueueUrl('not a url')).toBeUndefined();
});

test('a limit that is not positive is an error', async () => {
  await expect(run('http://unused', { limit: 0 })).rejects.toThrow('limit must be a positive number, got 0');
});

describe('with a Stripe key, each event is verified with Stripe before it is invoked (local Events API validated against Stripe\'s v1 OpenAPI spec; local Lambda stand-in)', () => {
  const KEY = 'rk_test_51RedriveVerifies';
  let stripeApi: StripeEventsServer;
  const real = stripeEventAt('evt_1VerifyReal', 'checkout.session.completed', 3600);
  const connected = stripeEventAt('evt_1VerifyConnected', 'checkout.session.completed', 3600, { account: 'acct_1VerifyConnected' });
  const tampered = stripeEventAt('evt_1VerifyTampered', 'checkout.session.completed', 3600);
  const retyped = stripeEventAt('evt_1VerifyRetyped', 'checkout.session.completed', 3600);

  beforeAll(async () => {
    stripeApi = await StripeEventsServer.start({ apiKey: KEY });
    stripeApi.seed(real, connected, tampered, retyped);
  });
  afterAll(async () => stripeApi?.close());

  /** The messages: two real events, and four that Stripe does not have as they say. */
  function deadLetters() {
    const madeUp = stripeEventAt('evt_1VerifyMadeUp', 'checkout.session.completed', 60);
    const otherAccount = { ...real, account: 'acct_1SomeoneElse' };
    const changed = structuredClone(tampered);
    changed.data.object.amount_total = 1;
    const asExpired = { ...retyped, type: 'checkout.session.expired' };
    return [
      eventBridgeDeadLetter(envelope(real)),
      lambdaDeadLetter(envelope(connected)),
      eventBridgeDeadLetter(envelope(madeUp)),
      eventBridgeDeadLetter(envelope(otherAccount)),
      lambdaDeadLetter(envelope(changed)),
      eventBridgeDeadLetter(envelope(asExpired)),
    ];
  }

  test('a planted message with a made-up evt_ id, another account, other data or another type is forged: never invoked, left in the queue; the real ones are redriven', async () => {
    const queue = await newQueue('verified', deadLetters());
    const summary = await run(queue, { stripe: createStripeClient(KEY, stripeApi.url, 'redrive') });
    await invokeServer.settled();

    expect(summary).toEqual({ ...NONE, received: 6, redriven: 2, forged: 4, bodiesVerified: true });
    expect(invokeServer.invocations.map((i) => (i.event as any).detail.id)).toEqual(['evt_1VerifyReal', 'evt_1VerifyConnected']);
    const forged = logs.filter((l) => l.startsWith('forged')).map((l) => l.replace(/^forged \S+ /, ''));
    expect(forged).toEqual([
      `(checkout.session.completed evt_1VerifyMadeUp → ${ORDERS_ARN}): forged: Stripe has no event evt_1VerifyMadeUp (GET /v1/events/evt_1VerifyMadeUp answered 404, resource_missing); left in the queue`,
      `(checkout.session.completed evt_1VerifyReal → ${ORDERS_ARN}): forged: Stripe has no event evt_1VerifyReal on account acct_1SomeoneElse (GET /v1/events/evt_1VerifyReal answered 404, resource_missing); left in the queue`,
      `(checkout.session.completed evt_1VerifyTampered → ${ORDERS_ARN}:$LATEST): forged: Stripe's event evt_1VerifyTampered has other data: data.object.amount_total differ; left in the queue`,
      `(checkout.session.expired evt_1VerifyRetyped → ${ORDERS_ARN}): forged: Stripe's event evt_1VerifyRetyped differs: type is "checkout.session.completed", the message says "checkout.session.expired"; left in the queue`,
    ]);
    expect(logs[logs.length - 1]).toBe('2 redriven, 0 failed, 0 unrecognized, 0 refused, 0 poison, 4 forged, 0 too old, of 6 received; each event was verified with Stripe (GET /v1/events/{id}) before it was invoked');
    expect(await effectsFor(ddb, businessTable, 'evt_1VerifyMadeUp')).toBe(0);
    expect(await effectsFor(ddb, businessTable, 'evt_1VerifyTampered')).toBe(0);
    expect(await depth(queue)).toBe(4);
    expect(await visible(queue)).toBe(4);
    // What was asked of Stripe: one GET per event, on behalf of the connected account where the body names one.
    const asked = stripeApi.requests.map((r) => `${r.path}${r.stripeAccount ? ` as ${r.stripeAccount}` : ''} → ${r.status}`);
    expect(asked).toEqual(expect.arrayContaining([
      '/v1/events/evt_1VerifyReal → 200',
      '/v1/events/evt_1VerifyConnected as acct_1VerifyConnected → 200',
      '/v1/events/evt_1VerifyMadeUp → 404',
      '/v1/events/evt_1VerifyReal as acct_1SomeoneElse → 404',
    ]));
    expect(stripeApi.requests.every((r) => r.authorization === `Bearer ${KEY}`)).toBe(true);
    expect(stripeApi.violations).toEqual([]);
  });

  test('forged messages go to the poison queue with their reason when one is named; a dry run verifies and moves nothing', async () => {
    const poisonQueue = (await sqs.send(new CreateQueueCommand({ QueueName: `forged-target-${++queueCount}` }))).QueueUrl!;
    const queue = await newQueue('forged-moved', deadLetters().slice(2, 3));
    const stripe = createStripeClient(KEY, stripeApi.url, 'redrive');

    expect(await run(queue, { stripe, poisonQueueUrl: poisonQueue, dryRun: true })).toMatchObject({ received: 1, forged: 1, movedPoison: 0 });
    expect(logs).toContainEqual(expect.stringMatching(/^forged \S+ \(.+\): forged: Stripe has no event evt_1VerifyMadeUp .+; would be moved$/));

    const summary = await run(queue, { stripe, poisonQueueUrl: poisonQueue });
    expect(summary).toMatchObject({ received: 1, forged: 1, movedPoison: 1, redriven: 0 });
    expect(await depth(queue)).toBe(0);
    const moved = await sqs.send(new ReceiveMessageCommand({ QueueUrl: poisonQueue, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }));
    expect(moved.Messages![0].MessageAttributes!.STRIPE_EB_POISON_REASON.StringValue).toMatch(/^forged: Stripe has no event evt_1VerifyMadeUp/);
    expect(logs[logs.length - 1]).toContain(`; 1 poison or forged moved to ${poisonQueue}; each event was verified with Stripe`);
    expect(invokeServer.invocations).toHaveLength(0);
  });

  test('when Stripe refuses the key, nothing is invoked: each message stays, not verified, with Stripe\'s answer (never the key)', async () => {
    const queue = await newQueue('unverified', deadLetters().slice(0, 1));
    const summary = await run(queue, { stripe: createStripeClient('rk_test_51NotThisKey', stripeApi.url, 'redrive') });
    expect(summary).toMatchObject({ received: 1, redriven: 0, unverified: 1 });
    expect(logs[0]).toMatch(/^not verified \S+ \(checkout\.session\.completed evt_1VerifyReal → .+\): GET \/v1\/events\/evt_1VerifyReal: Stripe answered 401: Invalid API Key provided: \[redacted key\] \(the key was rejected\); not invoked, left in the queue$/);
    expect(logs.join('\n')).not.toContain('rk_test_51NotThisKey');
    expect(invokeServer.invocations).toHaveLength(0);
    expect(await depth(queue)).toBe(1);
  });
});

describe('verification against stripe-mock (Stripe\'s own mock: it validates the request and answers every id with its plan.created fixture)', () => {
  let mock: StripeMock;
  beforeAll(async () => {
    mock = await startStripeMock();
  }, 120_000);
  afterAll(async () => mock?.stop());

  test('the request (GET /v1/events/{id}, with Stripe-Account for a connected account) is one Stripe accepts; its event verifies, another type is forged', async () => {
    const stripe = createStripeClient('rk_test_51RedriveStripeMock', mock.url, 'redrive');
    const fixture = await stripe.events.retrieve('evt_1FromStripeMock');
    expect(await verifyWithStripe(stripe, fixture as unknown as Record<string, unknown>)).toEqual({ verdict: 'verified' });
    const claimed = { ...fixture, type: 'checkout.session.completed' };
    expect(await verifyWithStripe(stripe, claimed as unknown as Record<string, unknown>)).toEqual({
      verdict: 'forged',
      reason: 'Stripe\'s event evt_1FromStripeMock differs: type is "plan.created", the message says "checkout.session.completed"',
    });
    const connectedClaim = { ...fixture, account: 'acct_1StripeMock' };
    // stripe-mock has no accounts: it answers with its fixture, which names none.
    expect(await verifyWithStripe(stripe, connectedClaim as unknown as Record<string, unknown>)).toMatchObject({ verdict: 'forged', reason: expect.stringContaining('account is none, the message says "acct_1StripeMock"') });
    const lines = mock.output().split('\n').filter((l) => l.startsWith('Request: GET /v1/events/'));
    expect(lines).toHaveLength(4);
    expect(mock.output().match(/status=\d+/g)).toEqual(['status=200', 'status=200', 'status=200', 'status=200']);
  });
});
