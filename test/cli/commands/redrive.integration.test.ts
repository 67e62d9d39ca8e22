/**
 * `stripe-eventbridge redrive`, run as users run it: the bundled CLI in a child process, talking to a real
 * SQS-compatible server (ElasticMQ) through the SDK's standard AWS_ENDPOINT_URL_SQS setting. The Lambda
 * Invoke API is a local stand-in (AWS_ENDPOINT_URL_LAMBDA) running the real wrapper: no AWS account here.
 */
import * as path from 'node:path';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { LocalLambdaFunction } from '../../../src/cli/local/local-lambda';
import { CliRun, runCli } from '../../support/cli';
import { ElasticMq, startElasticMq } from '../../support/elasticmq';
import { LambdaInvokeServer, standInArn } from '../../support/lambda-invoke-server';
import { createBusinessTable, createIdempotencyTable, ddbClient, effectsFor, jsonLines, wrappedFunction } from '../../support/local-stack';
import { readmeBlocks } from '../../support/readme';
import { stripeEventAt } from '../../support/reconcile-scenario';
import { StripeEventsServer } from '../../support/stripe-events-server';
import { envelope, loadSample, StripeEventSample } from '../../support/stripe-samples';

const ORDERS_ARN = standInArn('Orders');

let mq: ElasticMq;
let sqs: SQSClient;
let invokeServer: LambdaInvokeServer;
let lambdaEndpoint: string;
let orders: LocalLambdaFunction;
const ddb = ddbClient();
let businessTable: string;

/** Runs the CLI asynchronously (the Lambda stand-in lives in this process, so it must keep serving). */
function cli(args: string[], env: Record<string, string> = { AWS_REGION: 'us-east-1' }): Promise<CliRun> {
  return runCli(args, {
    ...env,
    // No AWS configuration from this machine: the region is only what a test gives.
    HOME: path.join(__dirname, 'no-home'),
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_SQS: mq.endpoint,
    AWS_ENDPOINT_URL_LAMBDA: lambdaEndpoint,
    // This machine's Node.js 20 makes the SDK warn on stderr; the test asserts stderr is otherwise empty.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
}

async function queueWith(name: string, ids: string[], targetArn = ORDERS_ARN, event = (id: string) => envelope({ ...loadSample<StripeEventSample>('checkout.session.completed__stripe-ruby-mock.json'), id, created: Math.floor(Date.now() / 1000) - 60 })): Promise<string> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  // Orders sends its failed invocations to this queue, as the integration's functions do to theirs.
  invokeServer.fn('Orders').onFailure = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn;
  for (const id of ids) {
    await sqs.send(new SendMessageCommand({
      QueueUrl,
      MessageBody: JSON.stringify(event(id)),
      MessageAttributes: {
        TARGET_ARN: { DataType: 'String', StringValue: targetArn },
        RULE_ARN: { DataType: 'String', StringValue: 'arn:aws:events:us-east-1:123456789012:rule/bus/Orders' },
        ERROR_CODE: { DataType: 'String', StringValue: 'SDK_CLIENT_ERROR' },
      },
    }));
  }
  return QueueUrl!;
}

async function messagesIn(queueUrl: string): Promise<number> {
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
  return Number(out.Attributes!.ApproximateNumberOfMessages) + Number(out.Attributes!.ApproximateNumberOfMessagesNotVisible);
}

beforeAll(async () => {
  mq = await startElasticMq();
  sqs = new SQSClient({ endpoint: mq.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  businessTable = await createBusinessTable(ddb);
  orders = wrappedFunction({
    handlerName: 'Orders',
    userHandler: 'effect-counter.handler',
    idempotencyTable: await createIdempotencyTable(ddb),
    environment: { BUSINESS_TABLE: businessTable, BUSINESS_TABLE_ENDPOINT: process.env.STRIPE_EB_TEST_DYNAMODB_ENDPOINT! },
  });
  invokeServer = new LambdaInvokeServer({ Orders: orders });
  lambdaEndpoint = await invokeServer.start();
}, 300_000);

afterAll(async () => {
  orders?.close();
  await invokeServer?.stop();
  await mq?.stop();
  sqs?.destroy();
  ddb.destroy();
});

beforeEach(() => invokeServer.reset());

test('docs/operations.md shows the redrive commands this test runs', () => {
  const recovery = readmeBlocks().filter((b) => b.section === 'recovery' && b.lang === 'sh').map((b) => b.code).join('\n');
  // The queue URL from the stack output (test/readme-quickstart.integration.test.ts checks the query against the quick start's outputs).
  expect(recovery).toContain('--query "Stacks[0].Outputs[?OutputKey==\'StripeDeadLetterQueueUrl\'].OutputValue" --output text)');
  expect(recovery).toContain('npx stripe-eventbridge redrive --queue-url "$queue" --dry-run');
  expect(recovery).toContain('npx stripe-eventbridge redrive --queue-url "$queue" --limit 100');
});

test('--dry-run (local Lambda stand-in) lists the messages and exits 0 without invoking or deleting', async () => {
  const queue = await queueWith('cli-dry-run', ['evt_1CliDryA', 'evt_1CliDryB']);
  const result = await cli(['redrive', '--queue-url', queue, '--dry-run']);
  expect(result.err).toBe('');
  expect(result.code).toBe(0);
  expect(result.out).toContain(`would redrive checkout.session.completed evt_1CliDryA → ${ORDERS_ARN}`);
  expect(result.out).toContain('dry run: 2 would be redriven, 0 unrecognized, 0 refused, 0 poison, 0 too old, of 2 received (nothing invoked, moved or deleted)');
  expect(invokeServer.invocations).toHaveLength(0);
  expect(await messagesIn(queue)).toBe(2);
});

test('--limit 100 (local Lambda stand-in) redrives every message to the wrapped function, processed once each, and empties the queue', async () => {
  const queue = await queueWith('cli-redrive', ['evt_1CliA', 'evt_1CliB', 'evt_1CliA']);
  const result = await cli(['redrive', '--queue-url', queue, '--limit', '100']);
  const results = await invokeServer.settled();
  expect(result.code).toBe(0);
  expect(result.out).toContain('3 redriven, 0 failed, 0 unrecognized, 0 refused, 0 poison, 0 too old, of 3 received');
  expect(results.map((r) => jsonLines(r.logs).find((l) => l.outcome)?.outcome).sort()).toEqual(['duplicate', 'processed', 'processed']);
  expect(await effectsFor(ddb, businessTable, 'evt_1CliA')).toBe(1);
  expect(await effectsFor(ddb, businessTable, 'evt_1CliB')).toBe(1);
  expect(await messagesIn(queue)).toBe(0);
});

test('a message planted for a function that is not the queue\'s (local Lambda stand-in) stays in the queue with the reason, and the exit code is 1', async () => {
  const planted = 'arn:aws:lambda:us-east-1:999999999999:function:Drain:prod';
  const queue = await queueWith('cli-planted', ['evt_1CliPlanted'], planted);
  const result = await cli(['redrive', '--queue-url', queue]);
  expect(result.code).toBe(1);
  expect(result.out).toContain(`(checkout.session.completed evt_1CliPlanted → ${planted}): ${planted} is not invoked: it is in account 999999999999, and this queue and its functions are in account 123456789012; left in the queue`);
  expect(result.out).toContain('0 redriven, 0 failed, 0 unrecognized, 1 refused, 0 poison, 0 too old, of 1 received');
  expect(invokeServer.invocations).toHaveLength(0);
  expect(await messagesIn(queue)).toBe(1);
});

test('with no region configured, the region is the queue URL\'s (local Lambda stand-in)', async () => {
  await queueWith('cli-no-region', ['evt_1CliNoRegion']);
  // The queue's real-world URL; the SDK's endpoint setting sends the calls to the local SQS server.
  const result = await cli(['redrive', '--queue-url', 'https://sqs.us-east-1.amazonaws.com/123456789012/cli-no-region', '--dry-run'], {});
  expect(result.err).toBe('');
  expect(result.code).toBe(0);
  expect(result.out).toContain('dry run: 1 would be redriven');
});

describe('verification with Stripe (a local Events API validated against Stripe\'s v1 OpenAPI spec; local Lambda stand-in)', () => {
  const KEY = 'rk_test_51CliRedriveVerifies';
  let stripeApi: StripeEventsServer;
  const real = stripeEventAt('evt_1CliVerifyReal', 'checkout.session.completed', 600);
  beforeAll(async () => {
    stripeApi = await StripeEventsServer.start({ apiKey: KEY });
    stripeApi.seed(real);
  });
  afterAll(async () => stripeApi?.close());

  test('with STRIPE_API_KEY and --stripe-api-base, a planted event Stripe does not have is reported forged and left in the queue; the real one is redriven; exit 1', async () => {
    const queue = await queueWith('cli-verify', [real.id, 'evt_1CliVerifyPlanted'], ORDERS_ARN, (id) => envelope(id === real.id ? real : stripeEventAt(id, 'checkout.session.completed', 60)));
    const result = await cli(['redrive', '--queue-url', queue, '--stripe-api-base', stripeApi.url], { AWS_REGION: 'us-east-1', STRIPE_API_KEY: KEY });
    await invokeServer.settled();
    expect(result.err).toBe('');
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/^forged \S+ \(checkout\.session\.completed evt_1CliVerifyPlanted → .+\): forged: Stripe has no event evt_1CliVerifyPlanted \(GET \/v1\/events\/evt_1CliVerifyPlanted answered 404, resource_missing\); left in the queue$/m);
    expect(result.out).toContain('1 redriven, 0 failed, 0 unrecognized, 0 refused, 0 poison, 1 forged, 0 too old, of 2 received; each event was verified with Stripe (GET /v1/events/{id}) before it was invoked');
    expect(invokeServer.invocations.map((i) => (i.event as any).detail.id)).toEqual([real.id]);
    expect(await effectsFor(ddb, businessTable, 'evt_1CliVerifyPlanted')).toBe(0);
    expect(await messagesIn(queue)).toBe(1);
    expect(stripeApi.violations).toEqual([]);
  });

  test('without a key, the summary says the bodies were not verified', async () => {
    const queue = await queueWith('cli-unverified', ['evt_1CliNotVerified']);
    const result = await cli(['redrive', '--queue-url', queue, '--dry-run']);
    expect(result.code).toBe(0);
    expect(result.out).toContain('; the bodies were not verified with Stripe (no key: set STRIPE_API_KEY or pass --secret to verify each event before it is invoked)');
  });

  test('a STRIPE_API_KEY that is not a Stripe key exits 2 before anything is read', async () => {
    const result = await cli(['redrive', '--queue-url', 'http://q'], { AWS_REGION: 'us-east-1', STRIPE_API_KEY: 'pk_live_notasecret' });
    expect(result.code).toBe(2);
    expect(result.err).toContain('stripe-eventbridge redrive: STRIPE_API_KEY does not hold a Stripe key; set it to a restricted key (rk_live_… or rk_test_…) with Read access to Events');
  });
});

test.each([
  [['redrive', '--queue-url', 'http://q', '--stripe-api-base', '127.0.0.1:12111'], "--stripe-api-base takes a base URL such as http://127.0.0.1:12111, got '127.0.0.1:12111'"],
  [['redrive'], '--queue-url is required'],
  [['redrive', '--queue-url', 'http://q', '--limit', '0'], "--limit needs a whole number from 1 to 9007199254740991, got '0'"],
  [['redrive', '--queue-url', 'http://q', '--visibility-timeout', '1'], "--visibility-timeout needs a whole number from 5 to 43200, got '1'"],
  [['redrive', '--queue-url', 'http://q', '--functions', ' , '], '--functions needs at least one function name or ARN'],
  [['redrive', '--queue-url', 'http://q', '--poison-queue-url', 'http://q'], '--poison-queue-url must be another queue than --queue-url'],
  [['redrive', '--queue-url', 'http://q', '--bogus'], 'unknown option --bogus'],
])('bad options %j exit 2 with the reason and the help', async (args, message) => {
  const result = await cli(args);
  expect(result.code).toBe(2);
  expect(result.err).toContain(message);
  expect(result.err).toContain('Usage:\n  stripe-eventbridge redrive --queue-url <url>');
});
