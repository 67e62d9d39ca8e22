/**
 * What a thin event costs next to a snapshot event, measured side by side in one run against DynamoDB Local:
 *
 *   snapshot  bench/run.ts's variant (d): the wrapper with transactional effects (bench/handlers/transactional.ts),
 *             one counter update per Stripe event committed with the event's idempotency record, on snapshot events
 *             (the real samples, as bench/run.ts sends them);
 *   thin      the same write after fetching the event's related object (bench/handlers/thin.ts:
 *             `context.eventNotification.fetchRelatedObject()`, a `GET /v2/core/accounts/{id}`), on
 *             `v2.core.account.updated` thin events about the connected accounts of examples/platform-accounts.
 *
 * Both run under the real wrapper layer from `projen bundle` (its Stripe client, `stripe-eventbridge/stripe-client.js`
 * with the `stripe` package, is loaded by the thin function only), configured as the construct configures a wrapped
 * function. The thin function reads its restricted key from the local Secrets Manager stand-in
 * (src/cli/local/secrets-manager.ts) and fetches from the local Stripe API of `stripe-eventbridge replay`
 * (src/cli/local/stripe-api), which checks every request and response against Stripe's v2 OpenAPI spec and serves the
 * accounts of examples/platform-accounts/replay/stripe-objects.json. Each function runs in local Lambda execution
 * environments, sequentially and at concurrency 10, on fresh events and then on the same events again in new envelopes
 * (duplicates), in chunks that alternate which variant goes first. Every DynamoDB request passes bench/run.ts's
 * counting proxy, and every Stripe API request is recorded by the local API: requests per event are counted.
 *
 * The thin handler times its own fetch; the fetch's share is its median over the p50 latency of the thin events.
 * The local API answers over loopback from the same two cores: a fetch from Stripe takes a network round trip more.
 *
 * All of it is repeated RUNS times (3 by default, `BENCH_RUNS`) on new tables; the figures are the medians over the
 * runs (each ratio taken within its run). `BENCH_THIN_EVENTS` sets the events per phase (300 by default).
 *
 * Run with `npx projen bench:thin`; adds its `thin_*` figures to bench/results/latest.json, keeping the other keys.
 * Not part of the tests.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTable, effects, emptySample, median, round, runChunk, Sample, summarize, Tables } from './measure';
import { RESULTS, writeResults } from './results';
import { bundleHandler, WRAPPER_FILE, wrappedSpec } from './variants';
import { DynamoDbLocal, LOCAL_AWS_ENV, startDynamoDbLocal } from '../src/cli/local/dynamodb-local';
import { LocalLambdaFunction } from '../src/cli/local/local-lambda';
import { LocalSecretsManager } from '../src/cli/local/secrets-manager';
import { StripeObjects } from '../src/cli/local/stripe-api/objects';
import { LOCAL_STRIPE_API_KEY, LocalStripeApi } from '../src/cli/local/stripe-api/server';
import { ENV_STRIPE_API_BASE } from '../src/contract/reconcile';
import { ENV_EVENT_PAYLOADS, ENV_STRIPE_API_KEY_SECRET_ID } from '../src/contract/wrapper';
import { DynamoDbProxy, startDynamoDbProxy } from '../test/support/dynamodb-proxy';
import { distinctEvents, envelope, EventBridgeEnvelope, thinEnvelope } from '../test/support/stripe-samples';

const EVENTS = Number(process.env.BENCH_THIN_EVENTS ?? 300);
const CHUNK = 25;
const WARM_UP = 100;
const COLD_STARTS = Number(process.env.BENCH_COLD_STARTS ?? 5);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const MODES = [1, 10] as const;
const VARIANTS = ['snapshot', 'thin'] as const;
type Variant = (typeof VARIANTS)[number];
type Phase = 'fresh' | 'duplicate';
type Summary = ReturnType<typeof summarize>;

const ROOT = path.join(__dirname, '..');
/** The connected accounts the thin events are about, as Stripe's API returns them (checked against its v2 spec). */
const ACCOUNTS_FILE = path.join(ROOT, 'examples', 'platform-accounts', 'replay', 'stripe-objects.json');
/** The key's secret, as a function gets it: a full ARN (the Secrets Manager stand-in answers it with the key). */
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe/bench-restricted-key-AbCdEf';
const LOAD_AT_START = round(os.loadavg()[0]);

/** What one mode and phase of one run measured, per variant. */
interface Measured {
  readonly summary: Record<Variant, Summary>;
  /** The thin handler's own fetch times (fresh events only: a duplicate returns the stored result). */
  readonly fetchMs: number[];
  readonly stripeRequests: number;
}

interface Run {
  readonly loadAverageAtStart: number;
  readonly measured: Record<string, Record<Phase, Measured>>;
  readonly coldFirstInvokeMs: Record<Variant, number>;
  readonly checks: string[];
}

/** The thin events of one phase: `v2.core.account.updated` about the seeded accounts, in turn. */
function thinEvents(count: number, prefix: string, accounts: readonly string[]): EventBridgeEnvelope<Record<string, unknown>>[] {
  return Array.from({ length: count }, (_, n) => {
    const account = accounts[n % accounts.length];
    return thinEnvelope({
      id: `evt_test_65${prefix}${n}`,
      type: 'v2.core.account.updated',
      related_object: { id: account, type: 'v2.core.account', url: `/v2/core/accounts/${account}` },
    });
  });
}

/** The same Stripe event in a new envelope, as a redelivery or a replay brings it. */
const redelivered = <T extends { id: string }>(e: T): T => ({ ...e, id: `${e.id}-again` });

async function measureOnce(
  run: number,
  dirs: Record<Variant, string>,
  thinEnvironment: Record<string, string>,
  accounts: readonly string[],
  client: DynamoDBClient,
  proxy: DynamoDbProxy,
  api: LocalStripeApi,
  functions: LocalLambdaFunction[],
): Promise<Run> {
  const loadAverageAtStart = round(os.loadavg()[0]);
  const tag = `r${run}`;
  const checks: string[] = [];
  const specOf = (v: Variant, name: string, tables: Tables) =>
    wrappedSpec(name, dirs[v], tables, proxy.endpoint, v === 'thin' ? thinEnvironment : {});
  const eventsOf = (v: Variant, count: number, prefix: string): EventBridgeEnvelope<unknown>[] =>
    v === 'thin' ? thinEvents(count, prefix, accounts) : distinctEvents(count, prefix).map((e) => envelope(e));

  // --- first invocation in a fresh environment: the thin one loads the Stripe SDK and reads the key -------------
  const coldFirstInvoke: Record<Variant, number[]> = { snapshot: [], thin: [] };
  const coldTables = {} as Record<Variant, Tables>;
  for (const v of VARIANTS) {
    coldTables[v] = { idempotency: await createTable(client, `thin-cold-idem-${v}-${tag}`, 'id'), business: await createTable(client, `thin-cold-biz-${v}-${tag}`, 'pk') };
  }
  const coldEvents = Object.fromEntries(VARIANTS.map((v) => [v, eventsOf(v, COLD_STARTS, `Cold${v}${tag}n`)])) as Record<Variant, EventBridgeEnvelope<unknown>[]>;
  for (let i = 0; i < COLD_STARTS; i++) {
    for (const v of VARIANTS) {
      const fn = new LocalLambdaFunction(specOf(v, `ThinCold${v}`, coldTables[v]));
      try {
        const out = await fn.invoke(coldEvents[v][i]);
        if (!out.ok) throw new Error(`the first invocation of ${v} failed: ${out.error?.name}: ${out.error?.message}`);
        coldFirstInvoke[v].push(out.durationMs);
      } finally {
        fn.close();
      }
    }
  }

  // --- warm runs -----------------------------------------------------------------------------------------------
  const measured: Run['measured'] = {};
  for (const concurrency of MODES) {
    const mode = `concurrency_${concurrency}`;
    const tables = {} as Record<Variant, Tables>;
    const fns = {} as Record<Variant, LocalLambdaFunction>;
    const events = {} as Record<Variant, EventBridgeEnvelope<unknown>[]>;
    for (const v of VARIANTS) {
      tables[v] = { idempotency: await createTable(client, `thin-idem-${v}-${concurrency}-${tag}`, 'id'), business: await createTable(client, `thin-biz-${v}-${concurrency}-${tag}`, 'pk') };
      fns[v] = new LocalLambdaFunction(specOf(v, `Thin${v}${concurrency}`, tables[v]));
      functions.push(fns[v]);
      events[v] = eventsOf(v, EVENTS, `${v}c${concurrency}${tag}n`);
      await runChunk(fns[v], eventsOf(v, WARM_UP, `${v}c${concurrency}${tag}warm`), concurrency, proxy, tables[v], emptySample());
    }
    measured[mode] = {} as Record<Phase, Measured>;
    for (const phase of ['fresh', 'duplicate'] as const) {
      const samples = { snapshot: emptySample(), thin: emptySample() } as Record<Variant, Sample>;
      const fetchMs: number[] = [];
      let stripeRequests = 0;
      for (let chunk = 0, k = 0; chunk < EVENTS; chunk += CHUNK, k++) {
        for (const v of k % 2 === 0 ? VARIANTS : [...VARIANTS].reverse()) {
          const deliveries = events[v].slice(chunk, chunk + CHUNK).map((e) => (phase === 'fresh' ? e : redelivered(e)));
          const before = api.requests.length;
          await runChunk(fns[v], deliveries, concurrency, proxy, tables[v], samples[v], (out) => {
            const fetched = (out.result as { fetchMs?: number } | undefined)?.fetchMs;
            if (v === 'thin' && phase === 'fresh' && typeof fetched === 'number') fetchMs.push(fetched);
          });
          if (v === 'thin') stripeRequests += api.requests.length - before;
        }
      }
      measured[mode][phase] = { summary: { snapshot: summarize(samples.snapshot), thin: summarize(samples.thin) }, fetchMs, stripeRequests };
      for (const v of VARIANTS) {
        if (samples[v].failures.length) checks.push(`run ${run}, ${v} ${mode} ${phase}: ${samples[v].failures.length} failures, first: ${samples[v].failures[0]}`);
      }
      const s = measured[mode][phase].summary;
      console.log(`run ${run} ${mode} ${phase}: ${VARIANTS.map((v) => `${v} p50 ${s[v].p50_ms} ms, ${s[v].events_per_second}/s, ${s[v].all_requests_per_event} DynamoDB requests/event`).join('; ')}`
        + (phase === 'fresh' ? `; fetch p50 ${round(median(fetchMs))} ms` : '') + `; ${stripeRequests} Stripe requests`);
    }
    // Exactly one effect per event with either payload style.
    for (const v of VARIANTS) {
      const counts = await effects(client, tables[v].business);
      const ids = events[v].map((e) => (e.detail as { id: string }).id);
      const wrong = ids.filter((id) => counts.get(id) !== 1).length;
      if (wrong > 0) checks.push(`run ${run}, ${v} ${mode}: ${wrong} events without exactly one effect`);
    }
    for (const v of VARIANTS) fns[v].close();
  }
  return {
    loadAverageAtStart,
    measured,
    coldFirstInvokeMs: { snapshot: round(median(coldFirstInvoke.snapshot), 1), thin: round(median(coldFirstInvoke.thin), 1) },
    checks,
  };
}

/** The figures of one mode and phase of one run: thin against snapshot, and the fetch's part. */
function figuresOf(m: Measured) {
  const { snapshot, thin } = m.summary;
  const fetchP50 = m.fetchMs.length > 0 ? median(m.fetchMs) : 0;
  return {
    latency_p50_ratio: round(thin.p50_ms / snapshot.p50_ms, 3),
    latency_p99_ratio: round(thin.p99_ms / snapshot.p99_ms, 3),
    throughput_ratio: round(thin.events_per_second / snapshot.events_per_second, 3),
    fetch_p50_ms: round(fetchP50),
    fetch_share_of_latency: round(fetchP50 / thin.p50_ms, 3),
    extra_share_of_latency: round((thin.p50_ms - snapshot.p50_ms) / thin.p50_ms, 3),
    snapshot_p50_ms: snapshot.p50_ms,
    thin_p50_ms: thin.p50_ms,
    snapshot_p99_ms: snapshot.p99_ms,
    thin_p99_ms: thin.p99_ms,
    snapshot_events_per_second: snapshot.events_per_second,
    thin_events_per_second: thin.events_per_second,
    snapshot_ddb_requests_per_event: snapshot.all_requests_per_event,
    thin_ddb_requests_per_event: thin.all_requests_per_event,
    thin_stripe_requests_per_event: round(m.stripeRequests / thin.events, 3),
  };
}
type Figures = ReturnType<typeof figuresOf>;

async function main(): Promise<void> {
  if (!fs.existsSync(WRAPPER_FILE)) throw new Error(`${WRAPPER_FILE} is missing: run \`npx projen bundle\` first (the bench:thin task does).`);
  const dirs: Record<Variant, string> = { snapshot: await bundleHandler('transactional'), thin: await bundleHandler('thin') };

  const objects = new StripeObjects();
  objects.addSeedFile(ACCOUNTS_FILE, path.relative(ROOT, ACCOUNTS_FILE));
  if (objects.errors.length > 0) throw new Error(`the accounts do not match Stripe's v2 spec:\n  ${objects.errors.join('\n  ')}`);
  const accounts = [...objects.objects.values()].filter((o) => o.value.object === 'v2.core.account').map((o) => o.value.id as string);

  const functions: LocalLambdaFunction[] = [];
  let ddb: DynamoDbLocal | undefined;
  let proxy: DynamoDbProxy | undefined;
  let api: LocalStripeApi | undefined;
  const secrets = new LocalSecretsManager({ [SECRET_ARN]: LOCAL_STRIPE_API_KEY });
  const stop = async (): Promise<void> => {
    functions.splice(0).forEach((f) => f.close());
    await proxy?.close();
    await ddb?.stop();
    await api?.stop();
    await secrets.stop();
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));

  try {
    ddb = await startDynamoDbLocal();
    proxy = await startDynamoDbProxy(ddb.endpoint);
    api = await LocalStripeApi.start({ apiKey: LOCAL_STRIPE_API_KEY, objects });
    const secretsUrl = await secrets.start();
    // What a thin route's function gets (src/contract/wrapper.ts), with the local endpoints replay gives it.
    const thinEnvironment = {
      [ENV_EVENT_PAYLOADS]: 'thin',
      [ENV_STRIPE_API_KEY_SECRET_ID]: SECRET_ARN,
      [ENV_STRIPE_API_BASE]: api.url,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsUrl,
    };
    const client = new DynamoDBClient({ endpoint: ddb.endpoint, region: LOCAL_AWS_ENV.AWS_REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    console.log(`DynamoDB Local at ${ddb.endpoint} (pid ${ddb.pid}), counting proxy at ${proxy.endpoint}; local Stripe API at ${api.url} (${accounts.length} accounts); load average ${LOAD_AT_START}`);

    const runs: Run[] = [];
    for (let run = 1; run <= RUNS; run++) runs.push(await measureOnce(run, dirs, thinEnvironment, accounts, client, proxy, api, functions));
    client.destroy();

    // --- medians over the runs ---------------------------------------------------------------------------------
    const perRun = runs.map((r) => Object.fromEntries(
      Object.entries(r.measured).flatMap(([mode, byPhase]) => (['fresh', 'duplicate'] as const).map((phase) => [`${mode}_${phase}`, figuresOf(byPhase[phase])])),
    ) as Record<string, Figures>);
    const keys = Object.keys(perRun[0]);
    const byMode = Object.fromEntries(keys.map((key) => [
      key,
      Object.fromEntries((Object.keys(perRun[0][key]) as (keyof Figures)[])
        .map((f) => [f, round(median(perRun.map((r) => r[key][f])), 3)])) as Figures,
    ])) as Record<string, Figures>;
    const both = (phase: Phase, f: keyof Figures) => round((byMode[`concurrency_1_${phase}`][f] + byMode[`concurrency_10_${phase}`][f]) / 2, 3);
    const checks = runs.flatMap((r) => r.checks);
    if (api.problems.length > 0) checks.push(...api.problems.map((p) => `local Stripe API: ${p}`));
    const headline = byMode.concurrency_10_fresh;
    const sequential = byMode.concurrency_1_fresh;
    const figures = {
      // Fresh events at concurrency 10, as bench/run.ts's headline ratios.
      thin_latency_ratio_vs_snapshot: headline.latency_p50_ratio,
      thin_fetch_share_of_latency: headline.fetch_share_of_latency,
      thin_ddb_requests_per_fresh_event: both('fresh', 'thin_ddb_requests_per_event'),
      thin_ddb_requests_per_duplicate: both('duplicate', 'thin_ddb_requests_per_event'),
      thin_stripe_requests_per_fresh_event: both('fresh', 'thin_stripe_requests_per_event'),
      thin_stripe_requests_per_duplicate: both('duplicate', 'thin_stripe_requests_per_event'),
    };
    const coldFirstInvokeMs = {
      snapshot: round(median(runs.map((r) => r.coldFirstInvokeMs.snapshot)), 1),
      thin: round(median(runs.map((r) => r.coldFirstInvokeMs.thin)), 1),
    };
    const targets = {
      ddb_fresh: { target: 'exactly 2 DynamoDB requests per fresh thin event with transactional effects, effect included', value: figures.thin_ddb_requests_per_fresh_event, met: figures.thin_ddb_requests_per_fresh_event === 2 },
      ddb_duplicate: { target: 'exactly 1 DynamoDB request per duplicate thin event', value: figures.thin_ddb_requests_per_duplicate, met: figures.thin_ddb_requests_per_duplicate === 1 },
      stripe_fresh: { target: 'exactly 1 Stripe API request per fresh thin event', value: figures.thin_stripe_requests_per_fresh_event, met: figures.thin_stripe_requests_per_fresh_event === 1 },
      stripe_duplicate: { target: 'no Stripe API request for a duplicate', value: figures.thin_stripe_requests_per_duplicate, met: figures.thin_stripe_requests_per_duplicate === 0 },
    };

    const correctness = checks.length === 0 ? 'every event had exactly one effect, thin and snapshot; every Stripe API response matched the spec' : checks;
    writeResults({
      ...figures,
      thin: {
        generated_at: new Date().toISOString(),
        environment: {
          node: process.version,
          cores: os.cpus().length,
          load_average_1m_at_start: LOAD_AT_START,
          load_average_1m_at_end: round(os.loadavg()[0]),
          stripe_api: 'src/cli/local/stripe-api (local, over loopback, every request and response checked against Stripe\'s v2 OpenAPI spec)',
        },
        config: {
          runs: RUNS,
          events_per_phase: EVENTS,
          chunk: CHUNK,
          warm_up_per_variant: WARM_UP,
          cold_starts: COLD_STARTS,
          concurrency: MODES,
          accounts: accounts.length,
        },
        // Each mode and phase: thin against snapshot (medians over the runs of each run's figure).
        results: byMode,
        cold_first_invoke_ms: coldFirstInvokeMs,
        runs: runs.map((r, i) => ({
          run: i + 1,
          load_average_1m_at_start: r.loadAverageAtStart,
          latency_p50_ratio: perRun[i].concurrency_10_fresh.latency_p50_ratio,
          fetch_share_of_latency: perRun[i].concurrency_10_fresh.fetch_share_of_latency,
          sequential_latency_p50_ratio: perRun[i].concurrency_1_fresh.latency_p50_ratio,
        })),
        targets,
        correctness,
      },
    });

    console.log('');
    console.log(`Medians of ${RUNS} runs (${EVENTS} events per phase and variant):`);
    console.log('| mode | snapshot p50 / p99 ms | thin p50 / p99 ms | thin/snapshot p50 | fetch p50 ms (share of thin p50) | events/s snapshot / thin | DynamoDB requests/event snapshot / thin | Stripe requests/thin event |');
    console.log('|---|---|---|---|---|---|---|---|');
    for (const [key, f] of Object.entries(byMode)) {
      console.log(`| ${key} | ${f.snapshot_p50_ms} / ${f.snapshot_p99_ms} | ${f.thin_p50_ms} / ${f.thin_p99_ms} | ${f.latency_p50_ratio} | ${f.fetch_p50_ms} (${f.fetch_share_of_latency}) | ${f.snapshot_events_per_second} / ${f.thin_events_per_second} | ${f.snapshot_ddb_requests_per_event} / ${f.thin_ddb_requests_per_event} | ${f.thin_stripe_requests_per_event} |`);
    }
    console.log('');
    console.log(`thin_latency_ratio_vs_snapshot (fresh, concurrency 10): ${figures.thin_latency_ratio_vs_snapshot}; sequential: ${sequential.latency_p50_ratio}`);
    console.log(`thin_fetch_share_of_latency (fresh, concurrency 10): ${figures.thin_fetch_share_of_latency}; sequential: ${sequential.fetch_share_of_latency}`);
    console.log(`thin_ddb_requests_per_fresh_event: ${figures.thin_ddb_requests_per_fresh_event}; per duplicate: ${figures.thin_ddb_requests_per_duplicate}`);
    console.log(`first invocation in a fresh environment (median of ${COLD_STARTS}, median of the runs): snapshot ${coldFirstInvokeMs.snapshot} ms, thin ${coldFirstInvokeMs.thin} ms`);
    for (const t of Object.values(targets)) console.log(`${t.met ? 'MET   ' : 'MISSED'} ${t.target}: ${t.value}`);
    console.log(`load average: ${LOAD_AT_START} at the start, ${runs.map((r) => r.loadAverageAtStart).join(', ')} at the start of each run, ${round(os.loadavg()[0])} at the end`);
    console.log(`correctness: ${JSON.stringify(correctness)}`);
    console.log(`written to ${path.relative(ROOT, RESULTS)}`);
    if (checks.length > 0 || Object.values(targets).some((t) => !t.met)) process.exitCode = 1;
  } finally {
    await stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
