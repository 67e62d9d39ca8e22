/** What the benchmarks (run.ts for Node.js, python.ts for Python) share: their tables, the effect count, statistics. */
import { performance } from 'node:perf_hooks';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { InvocationResult, LocalLambdaFunction } from '../src/cli/local/local-lambda';
import { runPool } from '../src/cli/local/pool';
import type { DynamoDbProxy } from '../test/support/dynamodb-proxy';
import type { EventBridgeEnvelope } from '../test/support/stripe-samples';

/** An on-demand table with a string partition key. */
export async function createTable(client: DynamoDBClient, name: string, key: string): Promise<string> {
  await client.send(new CreateTableCommand({
    TableName: name,
    AttributeDefinitions: [{ AttributeName: key, AttributeType: 'S' }],
    KeySchema: [{ AttributeName: key, KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  }));
  return name;
}

/** Drops the tables of a finished measurement, so that DynamoDB Local's heap does not grow from one run to the next. */
export async function deleteTables(client: DynamoDBClient, tables: readonly Tables[]): Promise<void> {
  for (const t of tables) {
    for (const name of [t.idempotency, t.business]) await client.send(new DeleteTableCommand({ TableName: name }));
  }
}

/** The business table's effect counter per Stripe event id (`pk` → `effects`). */
export async function effects(client: DynamoDBClient, table: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let start: Record<string, any> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }));
    for (const item of page.Items ?? []) out.set(item.pk.S!, Number(item.effects.N));
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

/** The nearest-rank percentile. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export const median = (values: number[]): number => percentile(values, 50);
export const round = (value: number, digits = 2): number => Number(value.toFixed(digits));

export interface Tables {
  readonly idempotency: string;
  readonly business: string;
}

export interface Sample {
  latencies: number[];
  elapsedMs: number;
  events: number;
  idempotencyRequests: number;
  businessRequests: number;
  /** Every DynamoDB request, the business effect included (a transaction counts once). */
  allRequests: number;
  logBytes: number;
  emfBytes: number;
  failures: string[];
}

export function emptySample(): Sample {
  return {
    latencies: [], elapsedMs: 0, events: 0, idempotencyRequests: 0, businessRequests: 0, allRequests: 0, logBytes: 0, emfBytes: 0, failures: [],
  };
}

/**
 * Runs one chunk of deliveries through one function at the given concurrency and measures it; `onResult` sees each
 * invocation's result with its latency (what the handler returned, for figures of its own).
 */
export async function runChunk(
  fn: LocalLambdaFunction,
  deliveries: readonly EventBridgeEnvelope<unknown>[],
  concurrency: number,
  proxy: DynamoDbProxy,
  tables: Tables,
  into: Sample,
  onResult?: (out: InvocationResult, latencyMs: number) => void,
): Promise<void> {
  proxy.reset();
  const started = performance.now();
  await runPool(deliveries, concurrency, async (delivery) => {
    const t0 = performance.now();
    const out = await fn.invoke(delivery);
    const latencyMs = performance.now() - t0;
    into.latencies.push(latencyMs);
    onResult?.(out, latencyMs);
    for (const line of out.logs) {
      const bytes = Buffer.byteLength(line, 'utf8') + 1;
      into.logBytes += bytes;
      if (line.startsWith('{"_aws"')) into.emfBytes += bytes;
    }
    if (!out.ok) into.failures.push(`${out.error?.name}: ${out.error?.message}`);
  });
  into.elapsedMs += performance.now() - started;
  into.events += deliveries.length;
  into.idempotencyRequests += proxy.count({ table: tables.idempotency });
  into.businessRequests += proxy.count({ table: tables.business });
  into.allRequests += proxy.requests.length;
}

export function summarize(sample: Sample) {
  return {
    events: sample.events,
    p50_ms: round(percentile(sample.latencies, 50)),
    p99_ms: round(percentile(sample.latencies, 99)),
    mean_ms: round(sample.latencies.reduce((s, v) => s + v, 0) / sample.latencies.length),
    events_per_second: round(sample.events / (sample.elapsedMs / 1000), 1),
    idempotency_requests_per_event: round(sample.idempotencyRequests / sample.events, 3),
    business_requests_per_event: round(sample.businessRequests / sample.events, 3),
    all_requests_per_event: round(sample.allRequests / sample.events, 3),
    log_bytes_per_event: Math.round(sample.logBytes / sample.events),
    emf_bytes_per_event: Math.round(sample.emfBytes / sample.events),
    failures: sample.failures.length,
  };
}

/** The ratios of the wrapper (c) to hand-written Powertools (b) in one mode and phase. */
export interface Ratios {
  latency_p50: number;
  latency_p99: number;
  throughput: number;
}

type Figures = Pick<ReturnType<typeof summarize>, 'p50_ms' | 'p99_ms' | 'events_per_second'>;

/** (c)/(b) for each concurrency and phase of one run, keyed `concurrency_<n>_<phase>`. */
export function ratiosToPowertools(
  results: Record<string, Record<'wrapper' | 'powertools', Record<'fresh' | 'duplicate', Figures>>>,
  modes: readonly number[],
): Record<string, Ratios> {
  return Object.fromEntries(
    modes.flatMap((concurrency) =>
      (['fresh', 'duplicate'] as const).map((phase) => {
        const r = results[`concurrency_${concurrency}`];
        return [
          `concurrency_${concurrency}_${phase}`,
          {
            latency_p50: round(r.wrapper[phase].p50_ms / r.powertools[phase].p50_ms, 3),
            latency_p99: round(r.wrapper[phase].p99_ms / r.powertools[phase].p99_ms, 3),
            throughput: round(r.wrapper[phase].events_per_second / r.powertools[phase].events_per_second, 3),
          },
        ];
      }),
    ),
  );
}
