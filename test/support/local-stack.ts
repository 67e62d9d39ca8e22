/**
 * Test plumbing around DynamoDB Local (started once per run by global-setup) and the real bundled
 * wrapper running in local Lambda execution environments.
 */
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { DynamoDbProxy, startDynamoDbProxy } from './dynamodb-proxy';
import { LOCAL_AWS_ENV } from '../../src/cli/local/dynamodb-local';
import { LocalLambdaFunction, LocalFunctionSpec } from '../../src/cli/local/local-lambda';
import {
  ENV_DYNAMODB_ENDPOINT,
  ENV_HANDLER_NAME,
  ENV_IDEMPOTENCY_KEY_PREFIX,
  ENV_IDEMPOTENCY_TABLE,
  ENV_IDEMPOTENCY_TTL_SECONDS,
  ENV_USER_HANDLER,
  PYTHON_WRAPPER_HANDLER,
  WRAPPER_HANDLER,
} from '../../src/contract/wrapper';

import { PYTHON_STRIPE_ASSET_DIR, PYTHON_WRAPPER_ASSET_DIR, usesStripeClient, WRAPPER_ASSET_DIR } from '../../src/private/handler/wrapper-layer';

export const WRAPPER_LAYER_DIR = WRAPPER_ASSET_DIR;
export const PYTHON_WRAPPER_LAYER_DIR = PYTHON_WRAPPER_ASSET_DIR;
export const PYTHON_STRIPE_LAYER_DIR = PYTHON_STRIPE_ASSET_DIR;
/** The Python runtime the Python runtime tests run their functions on (the interpreter is the local one). */
export const PYTHON_RUNTIME = 'python3.13';
export const TEST_HANDLERS_DIR = path.join(__dirname, '..', 'fixtures', 'handlers');
/** The record lifetime StripeEventBridgeIntegration derives with its defaults: 36 days. */
export const DEFAULT_RECORD_LIFETIME_SECONDS = 36 * 86_400;
const CLOCK_PRELOAD = path.join(__dirname, 'clock-preload.js');

/** The environment that runs a local execution environment's wall clock `offsetMs` ahead (test/support/clock-preload.js). */
export function shiftedClock(offsetMs: number): Record<string, string> {
  return { NODE_OPTIONS: `--require ${CLOCK_PRELOAD}`, CLOCK_OFFSET_MS: String(offsetMs) };
}

export function ddbEndpoint(): string {
  const endpoint = process.env.STRIPE_EB_TEST_DYNAMODB_ENDPOINT;
  if (!endpoint) {
    throw new Error(
      'STRIPE_EB_TEST_DYNAMODB_ENDPOINT is not set: DynamoDB Local runs for the integration tier only (started by test/support/global-setup.ts). '
      + 'Name this test file *.integration.test.ts and run it with npm run test:integration.',
    );
  }
  return endpoint;
}

export function ddbClient(): DynamoDBClient {
  return new DynamoDBClient({ endpoint: ddbEndpoint(), region: LOCAL_AWS_ENV.AWS_REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
}

/** A table in the Powertools idempotency schema (partition key `id`), uniquely named. */
export async function createIdempotencyTable(client: DynamoDBClient): Promise<string> {
  const name = `idempotency-${randomUUID()}`;
  await client.send(new CreateTableCommand({
    TableName: name,
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  }));
  return name;
}

/** A business table keyed on `pk`, where sample handlers record their effects. */
export async function createBusinessTable(client: DynamoDBClient): Promise<string> {
  const name = `business-${randomUUID()}`;
  await client.send(new CreateTableCommand({
    TableName: name,
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  }));
  return name;
}

export async function scanAll(client: DynamoDBClient, table: string): Promise<Record<string, any>[]> {
  const items: Record<string, any>[] = [];
  let start: Record<string, any> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }));
    items.push(...(page.Items ?? []).map((i) => unmarshall(i)));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

export async function effectsFor(client: DynamoDBClient, table: string, stripeEventId: string): Promise<number> {
  const out = await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: stripeEventId } }, ConsistentRead: true }));
  return out.Item ? Number(out.Item.effects.N) : 0;
}

export interface WrappedFunctionOptions {
  readonly handlerName?: string;
  readonly keyPrefix?: string;
  /** The user's handler string, relative to TEST_HANDLERS_DIR unless taskRoot is given. */
  readonly userHandler: string;
  readonly taskRoot?: string;
  readonly idempotencyTable: string;
  readonly environment?: Record<string, string>;
  readonly timeoutSeconds?: number;
  /** Point the wrapper at another DynamoDB endpoint (e.g. one that is down). */
  readonly dynamoDbEndpoint?: string;
  /** The business table that the sample handlers write to (on DynamoDB Local directly, never through a proxy). */
  readonly businessTable?: string;
  /** `STRIPE_EB_IDEMPOTENCY_TTL_SECONDS`. @default DEFAULT_RECORD_LIFETIME_SECONDS */
  readonly recordLifetimeSeconds?: number;
  /** Runs the environment's wall clock this far ahead (e.g. 20 days, for a replay on day 20). @default 0 */
  readonly clockOffsetMs?: number;
  /** A Python runtime (`python3.13`) wraps the user handler with the Python wrapper layer. @default - Node.js */
  readonly runtime?: string;
  /**
   * Whether a Python function gets the Stripe layer (stripe-python) beside the wrapper layer.
   * @default - as the construct decides, from the environment (a Stripe key secret or thin events: usesStripeClient)
   */
  readonly stripeLayer?: boolean;
}

/** The real bundled wrapper around a user handler, configured as the construct configures it. */
export function wrappedFunction(options: WrappedFunctionOptions): LocalLambdaFunction {
  const name = options.handlerName ?? 'TestHandler';
  const python = options.runtime?.startsWith('python') === true;
  const stripeLayer = python && (options.stripeLayer ?? usesStripeClient(options.environment ?? {}));
  const spec: LocalFunctionSpec = {
    name,
    runtime: options.runtime,
    taskRoot: options.taskRoot ?? TEST_HANDLERS_DIR,
    handler: python ? PYTHON_WRAPPER_HANDLER : WRAPPER_HANDLER,
    layers: python ? [PYTHON_WRAPPER_LAYER_DIR, ...(stripeLayer ? [PYTHON_STRIPE_LAYER_DIR] : [])] : [WRAPPER_LAYER_DIR],
    timeoutSeconds: options.timeoutSeconds ?? 30,
    environment: {
      ...LOCAL_AWS_ENV,
      [ENV_USER_HANDLER]: options.userHandler,
      [ENV_HANDLER_NAME]: name,
      [ENV_IDEMPOTENCY_TABLE]: options.idempotencyTable,
      [ENV_IDEMPOTENCY_KEY_PREFIX]: options.keyPrefix ?? `Test.${name}`,
      [ENV_IDEMPOTENCY_TTL_SECONDS]: String(options.recordLifetimeSeconds ?? DEFAULT_RECORD_LIFETIME_SECONDS),
      [ENV_DYNAMODB_ENDPOINT]: options.dynamoDbEndpoint ?? ddbEndpoint(),
      POWERTOOLS_SERVICE_NAME: name,
      ...(options.businessTable ? { BUSINESS_TABLE: options.businessTable, BUSINESS_TABLE_ENDPOINT: ddbEndpoint() } : {}),
      ...(options.clockOffsetMs ? shiftedClock(options.clockOffsetMs) : {}),
      ...options.environment,
    },
  };
  return new LocalLambdaFunction(spec);
}

/** The JSON log lines of an invocation (EMF metric lines included). */
export function jsonLines(logs: string[]): Record<string, any>[] {
  return logs.flatMap((line) => {
    try {
      const parsed = JSON.parse(line);
      return typeof parsed === 'object' && parsed !== null ? [parsed] : [];
    } catch {
      return [];
    }
  });
}

/** The EMF lines of an invocation (CloudWatch embedded metric format). */
export function emfLines(logs: string[]): Record<string, any>[] {
  return jsonLines(logs).filter((l) => l._aws?.CloudWatchMetrics !== undefined);
}

/** The wrapper's one outcome line of an invocation. */
export function outcomeLine(logs: string[]): Record<string, any> | undefined {
  return jsonLines(logs).find((l) => typeof l.outcome === 'string');
}

/** The idempotency records of one handler (its key prefix). */
export async function idempotencyRecords(client: DynamoDBClient, table: string, keyPrefix: string): Promise<Record<string, any>[]> {
  return (await scanAll(client, table)).filter((r) => typeof r.id === 'string' && r.id.startsWith(`${keyPrefix}#`));
}

/** How many times call-recorder.js was called for the envelope with this EventBridge id. */
export async function callsFor(client: DynamoDBClient, table: string, eventBridgeId: string): Promise<number> {
  const out = await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: `call#${eventBridgeId}` } }, ConsistentRead: true }));
  return out.Item ? Number(out.Item.calls.N) : 0;
}

/** Lets effect-counter.js in `gate` mode go on with the event. */
export async function openGate(client: DynamoDBClient, table: string, stripeEventId: string): Promise<void> {
  await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: `gate#${stripeEventId}` } } }));
}

/** What a runtime test file works with: filled in by `beforeAll`, cleaned up by `afterAll`. */
export interface LocalStack {
  readonly client: DynamoDBClient;
  readonly idempotencyTable: string;
  readonly businessTable: string;
  /** A counting proxy in front of DynamoDB Local, when asked for. */
  readonly proxy: DynamoDbProxy;
  /** The real wrapper around a sample handler with this file's tables (closed after the file). */
  wrapped(options: Omit<WrappedFunctionOptions, 'idempotencyTable'> & { idempotencyTable?: string }): LocalLambdaFunction;
}

/**
 * Registers beforeAll/afterAll hooks that create a DynamoDB client, an idempotency table and a business
 * table (and a proxy with `{ proxy: true }`), and that close every function made with `wrapped`.
 */
export function useLocalStack(options: { proxy?: boolean } = {}): LocalStack {
  const functions: LocalLambdaFunction[] = [];
  const stack = {
    wrapped: (o: Omit<WrappedFunctionOptions, 'idempotencyTable'> & { idempotencyTable?: string }) => {
      const fn = wrappedFunction({ businessTable: stack.businessTable, ...o, idempotencyTable: o.idempotencyTable ?? stack.idempotencyTable });
      functions.push(fn);
      return fn;
    },
  } as { -readonly [K in keyof LocalStack]: LocalStack[K] };
  beforeAll(async () => {
    stack.client = ddbClient();
    stack.idempotencyTable = await createIdempotencyTable(stack.client);
    stack.businessTable = await createBusinessTable(stack.client);
    if (options.proxy) stack.proxy = await startDynamoDbProxy(ddbEndpoint());
  });
  afterAll(async () => {
    functions.splice(0).forEach((f) => f.close());
    await stack.proxy?.close();
    stack.client?.destroy();
  });
  return stack;
}
