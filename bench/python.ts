/**
 * What the Python wrapper costs, measured side by side in one run against DynamoDB Local, as bench/run.ts does for
 * the Node.js one:
 *
 *   (a) bare        the business handler alone (bench/handlers/bare_python.py): no idempotency at all;
 *   (b) powertools  the same handler made idempotent by hand with Powertools for AWS Lambda (Python)'s @idempotent
 *                   (bench/handlers/powertools_python.py), on the Powertools of the same layer;
 *   (c) wrapper     the same handler under this library's Python wrapper layer, configured as the construct does.
 *
 * Each runs in local Python execution environments (one process each, as Lambda runs them), sequentially and at
 * concurrency 10, on fresh events and then on the same events again in new envelopes (duplicates), in chunks that go
 * through the variants in every order. A proxy counts every DynamoDB request. Cold init is the time a fresh process
 * takes to load the handler (median of COLD_STARTS). The layers' sizes are what `projen bundle` built (bench/python-layers.ts).
 *
 * Run with `npx projen bench:python` (also run by `npx projen bench`); adds its `python_*` figures to
 * bench/results/latest.json, keeping the other keys. Not part of the tests.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTable, effects, emptySample, median, ratiosToPowertools, round, runChunk, Sample, summarize, Tables } from './measure';
import { PYTHON_WRAPPER_LAYER, pythonLayerFigures } from './python-layers';
import { RESULTS, writeResults } from './results';
import { DynamoDbLocal, LOCAL_AWS_ENV, startDynamoDbLocal } from '../src/cli/local/dynamodb-local';
import { LocalFunctionSpec, LocalLambdaFunction } from '../src/cli/local/local-lambda';
import { ensureLocalPython } from '../src/cli/local/python-env';
import {
  ENV_DYNAMODB_ENDPOINT,
  ENV_HANDLER_NAME,
  ENV_IDEMPOTENCY_KEY_PREFIX,
  ENV_IDEMPOTENCY_TABLE,
  ENV_USER_HANDLER,
  PYTHON_WRAPPER_HANDLER,
} from '../src/contract/wrapper';
import { DynamoDbProxy, startDynamoDbProxy } from '../test/support/dynamodb-proxy';
import { distinctEvents, envelope, StripeEventSample } from '../test/support/stripe-samples';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_200);
const CHUNKS = 24;
const CHUNK = Math.ceil(EVENTS / CHUNKS);
const WARM_UP = 100;
const COLD_STARTS = Number(process.env.BENCH_COLD_STARTS ?? 15);
const MODES = [1, 10] as const;
const MEMORY_MB = 512;
const RUNTIME = 'python3.13';

const ROOT = path.join(__dirname, '..');
const LAYER = PYTHON_WRAPPER_LAYER;
const HANDLERS = path.join(__dirname, 'handlers');
const LOAD_AT_START = Number(os.loadavg()[0].toFixed(2));

type Variant = 'bare' | 'powertools' | 'wrapper';
const VARIANTS: readonly Variant[] = ['bare', 'powertools', 'wrapper'];
const ORDERS: readonly (readonly Variant[])[] = [
  ['bare', 'powertools', 'wrapper'],
  ['powertools', 'wrapper', 'bare'],
  ['wrapper', 'bare', 'powertools'],
  ['bare', 'wrapper', 'powertools'],
  ['wrapper', 'powertools', 'bare'],
  ['powertools', 'bare', 'wrapper'],
];
type Phase = 'fresh' | 'duplicate';

function spec(variant: Variant, name: string, tables: Tables, endpoint: string): LocalFunctionSpec {
  const common = { ...LOCAL_AWS_ENV, BENCH_DYNAMODB_ENDPOINT: endpoint, BENCH_BUSINESS_TABLE: tables.business };
  const base = { name, runtime: RUNTIME, taskRoot: HANDLERS, memoryMb: MEMORY_MB };
  if (variant === 'bare') return { ...base, handler: 'bare_python.handler', environment: common };
  if (variant === 'powertools') {
    return { ...base, handler: 'powertools_python.handler', layers: [LAYER], environment: { ...common, BENCH_IDEMPOTENCY_TABLE: tables.idempotency } };
  }
  // As StripeEventBridgeIntegration configures a wrapped Python function.
  return {
    ...base,
    handler: PYTHON_WRAPPER_HANDLER,
    layers: [LAYER],
    environment: {
      ...common,
      [ENV_USER_HANDLER]: 'bare_python.handler',
      [ENV_HANDLER_NAME]: name,
      [ENV_IDEMPOTENCY_TABLE]: tables.idempotency,
      [ENV_IDEMPOTENCY_KEY_PREFIX]: `Bench.${name}`,
      [ENV_DYNAMODB_ENDPOINT]: endpoint,
      POWERTOOLS_SERVICE_NAME: name,
    },
  };
}

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(LAYER, 'python', 'stripe_eventbridge', 'wrapper.py'))) throw new Error(`${LAYER} is missing: run \`npx projen bundle\` first (the bench:python task does).`);
  const python = ensureLocalPython({ dir: path.join(ROOT, '.tmp', 'python', 'local-lambda'), onInstall: console.log });
  process.env.STRIPE_EB_LOCAL_PYTHON = python;
  const pythonVersion = spawnSync(python, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const layers = pythonLayerFigures();

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
    console.log(`${pythonVersion}; DynamoDB Local at ${ddb.endpoint}, counting proxy at ${proxy.endpoint}; wrapper layer ${layers.python_layer_bytes} B in ${layers.python_layer_files} files (zip ${layers.python_layer_zip_bytes} B)`);

    // --- cold init -----------------------------------------------------------------------------------------------
    const coldInit: Record<Variant, number[]> = { bare: [], powertools: [], wrapper: [] };
    const coldTables = {} as Record<Variant, Tables>;
    for (const v of VARIANTS) coldTables[v] = { idempotency: await createTable(client, `pybench-cold-idem-${v}`, 'id'), business: await createTable(client, `pybench-cold-biz-${v}`, 'pk') };
    const coldEvents = distinctEvents(COLD_STARTS + 1, 'pycold');
    for (let i = 0; i <= COLD_STARTS; i++) {
      for (const v of VARIANTS) {
        const fn = new LocalLambdaFunction(spec(v, `Cold${v}`, coldTables[v], proxy.endpoint));
        try {
          const out = await fn.invoke(envelope(coldEvents[i]));
          if (!out.ok || out.initMs === undefined) throw new Error(`cold start of ${v} failed: ${out.error?.name}: ${out.error?.message}`);
          if (i > 0) coldInit[v].push(out.initMs); // the first round only fills the bytecode cache
        } finally {
          fn.close();
        }
      }
    }
    const coldInitMs = Object.fromEntries(VARIANTS.map((v) => [v, round(median(coldInit[v]), 1)])) as Record<Variant, number>;
    console.log(`cold init (median of ${COLD_STARTS}): ${VARIANTS.map((v) => `${v} ${coldInitMs[v]} ms`).join(', ')}`);

    // --- warm runs -------------------------------------------------------------------------------------------------
    const results: Record<string, Record<Variant, Record<Phase, ReturnType<typeof summarize>>>> = {};
    const effectChecks: string[] = [];
    for (const concurrency of MODES) {
      const mode = `concurrency_${concurrency}`;
      const tables = {} as Record<Variant, Tables>;
      const fns = {} as Record<Variant, LocalLambdaFunction>;
      const events = {} as Record<Variant, StripeEventSample[]>;
      for (const v of VARIANTS) {
        tables[v] = { idempotency: await createTable(client, `pybench-idem-${v}-${concurrency}`, 'id'), business: await createTable(client, `pybench-biz-${v}-${concurrency}`, 'pk') };
        fns[v] = new LocalLambdaFunction(spec(v, `PyBench${v}${concurrency}`, tables[v], proxy.endpoint));
        functions.push(fns[v]);
        events[v] = distinctEvents(EVENTS, `py${v}c${concurrency}n`);
        await runChunk(fns[v], distinctEvents(WARM_UP, `py${v}c${concurrency}warm`).map((e) => envelope(e)), concurrency, proxy, tables[v], emptySample());
      }
      results[mode] = {} as Record<Variant, Record<Phase, ReturnType<typeof summarize>>>;
      for (const phase of ['fresh', 'duplicate'] as const) {
        const samples = {} as Record<Variant, Sample>;
        for (const v of VARIANTS) samples[v] = emptySample();
        for (let chunk = 0, k = 0; chunk < EVENTS; chunk += CHUNK, k++) {
          for (const v of ORDERS[k % ORDERS.length]) {
            await runChunk(fns[v], events[v].slice(chunk, chunk + CHUNK).map((e) => envelope(e)), concurrency, proxy, tables[v], samples[v]);
          }
        }
        for (const v of VARIANTS) {
          results[mode][v] = results[mode][v] ?? ({} as Record<Phase, ReturnType<typeof summarize>>);
          results[mode][v][phase] = summarize(samples[v]);
          if (samples[v].failures.length) console.error(`${v} ${mode} ${phase}: ${samples[v].failures.length} failures, first: ${samples[v].failures[0]}`);
        }
        console.log(`${mode} ${phase}: ${VARIANTS.map((v) => `${v} p50 ${results[mode][v][phase].p50_ms} ms, ${results[mode][v][phase].events_per_second}/s`).join('; ')}`);
      }
      for (const v of VARIANTS) {
        const counts = await effects(client, tables[v].business);
        const expected = v === 'bare' ? 2 : 1;
        const wrong = events[v].filter((e) => counts.get(e.id) !== expected).length;
        if (wrong > 0) effectChecks.push(`${v} ${mode}: ${wrong} events without exactly ${expected} effect(s)`);
      }
      for (const v of VARIANTS) fns[v].close();
    }
    client.destroy();

    // --- figures ---------------------------------------------------------------------------------------------------
    const ratios = ratiosToPowertools(results, MODES);
    const c10 = results.concurrency_10;
    const both = (phase: Phase) =>
      round((results.concurrency_1.wrapper[phase].idempotency_requests_per_event + c10.wrapper[phase].idempotency_requests_per_event) / 2, 3);
    const figures = {
      // The headline ratios, as for Node.js: fresh events at concurrency 10.
      python_latency_ratio_vs_powertools: round(c10.wrapper.fresh.p50_ms / c10.powertools.fresh.p50_ms, 3),
      python_throughput_ratio_vs_powertools: round(c10.wrapper.fresh.events_per_second / c10.powertools.fresh.events_per_second, 3),
      python_ratios_vs_powertools: ratios,
      python_ddb_requests_per_fresh_event: both('fresh'),
      python_ddb_requests_per_duplicate: both('duplicate'),
      python_cold_init_ms: coldInitMs,
      python_cold_init_above_powertools_ms: round(coldInitMs.wrapper - coldInitMs.powertools, 1),
      ...layers,
    };
    const worstRatio = Math.max(...Object.values(ratios).flatMap((r) => [r.latency_p50, 1 / r.throughput]));
    const targets = {
      latency: {
        target: '(c) p50 ≤ 1.15 × (b), fresh events at concurrency 10',
        value: figures.python_latency_ratio_vs_powertools,
        met: figures.python_latency_ratio_vs_powertools <= 1.15,
      },
      throughput: {
        target: '(c) events/s ≥ (b) / 1.15, fresh events at concurrency 10',
        value: figures.python_throughput_ratio_vs_powertools,
        met: figures.python_throughput_ratio_vs_powertools >= 1 / 1.15,
      },
      every_mode: {
        target: '(c) within 1.15 × (b) in p50 latency and throughput, fresh and duplicates, sequential and concurrency 10',
        value: round(worstRatio, 3),
        met: worstRatio <= 1.15,
      },
      ddb_fresh: { target: 'exactly 2 DynamoDB requests per fresh event', value: figures.python_ddb_requests_per_fresh_event, met: figures.python_ddb_requests_per_fresh_event === 2 },
      ddb_duplicate: { target: 'exactly 1 DynamoDB request per duplicate', value: figures.python_ddb_requests_per_duplicate, met: figures.python_ddb_requests_per_duplicate === 1 },
    };
    writeResults({
      ...figures,
      python: {
        generated_at: new Date().toISOString(),
        environment: {
          python: pythonVersion,
          runtime_emulated: RUNTIME,
          load_average_1m_at_start: LOAD_AT_START,
          load_average_1m_at_end: round(os.loadavg()[0]),
          cores: os.cpus().length,
        },
        config: {
          events_per_phase: EVENTS,
          chunks: CHUNKS,
          chunk: CHUNK,
          warm_up_per_variant: WARM_UP,
          cold_starts: COLD_STARTS,
          concurrency: MODES,
          memory_mb: MEMORY_MB,
        },
        results,
        targets,
        correctness: effectChecks.length === 0 ? 'every event had exactly one effect with (b) and (c), two with (a)' : effectChecks,
      },
    });

    console.log('');
    console.log('| variant | concurrency | events | p50 ms | p99 ms | events/s | idempotency requests/event | log bytes/event |');
    console.log('|---|---|---|---|---|---|---|---|');
    for (const concurrency of MODES) {
      for (const v of VARIANTS) {
        for (const phase of ['fresh', 'duplicate'] as const) {
          const r = results[`concurrency_${concurrency}`][v][phase];
          console.log(`| ${v} | ${concurrency} | ${r.events} ${phase} | ${r.p50_ms} | ${r.p99_ms} | ${r.events_per_second} | ${r.idempotency_requests_per_event} | ${r.log_bytes_per_event} |`);
        }
      }
    }
    for (const [key, r] of Object.entries(ratios)) console.log(`(c)/(b) ${key}: latency p50 ${r.latency_p50}, p99 ${r.latency_p99}, throughput ${r.throughput}`);
    console.log(`cold init ms (median of ${COLD_STARTS}): ${JSON.stringify(coldInitMs)}; wrapper layer ${layers.python_layer_bytes} B (zip ${layers.python_layer_zip_bytes} B), Stripe layer ${layers.python_stripe_layer_bytes} B (zip ${layers.python_stripe_layer_zip_bytes} B)`);
    for (const t of Object.values(targets)) console.log(`${t.met ? 'MET   ' : 'MISSED'} ${t.target}: ${t.value}`);
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
