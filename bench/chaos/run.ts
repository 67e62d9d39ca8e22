/**
 * The chaos run: The Babes Club's app (examples/babes-club), synthesized, its real assets (wrapper layer and
 * handlers) in local Lambda execution environments, against DynamoDB Local, with faults injected at random
 * from a seed, and afterwards the commerce table checked against the stream: each valid Stripe event's effect
 * is there exactly once, or the event is in the dead-letter queue with its reason.
 *
 *   npm run chaos                        # seed 1, writes bench/results/chaos.json
 *   npm run chaos -- --seed 7            # another seed
 *   npm run chaos -- --seeds 2,3,4,5,6   # several, one after the other; writes bench/results/chaos-seeds.json
 *   npm run chaos -- --reorder --seed 1  # the reordering chaos run instead (bench/chaos/reorder/main.ts)
 *
 * Day 0: the generated 1,000-event stream (about 20 % duplicates in new envelopes, shuffled by the seed),
 * with, per invocation attempt and at random, the execution environment killed before, during and after the
 * handler's writes and at the commit, the transaction or the record's completion failing, or the invocation
 * timing out (bench/chaos/fault-proxy.ts), and DynamoDB Local killed (SIGKILL) and restarted twice, its data on
 * disk (`-dbPath`), as a real table survives an outage. Failed invocations are retried as Lambda retries
 * asynchronous invocations (twice), then dead-lettered with their error.
 * Day 10: the dead-letter queue is redriven the way `stripe-eventbridge redrive` does it (each event invoked
 *   again, with Lambda's retries), the execution environments' clocks ten days ahead.
 * Day 20: the whole stream is replayed from the archive, in new envelopes, clocks twenty days ahead.
 * Faults stay on throughout. The clocks move with a harness-only preload (test/support/clock-preload.js).
 * Each function runs in two execution environments side by side (`--environments`), so the same event can
 * also be in progress in one while its duplicate arrives in the other. Lambda's retries, a minute and two
 * minutes apart, are compressed to a few seconds (past the failed attempt's deadline): shorter than a
 * DynamoDB Local restart, so the events in flight during one end in the dead-letter queue, which the day-10
 * redrive then works through.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { checkEffects } from './check';
import { deliver, Delivery, Lane, PhaseReport } from './deliveries';
import { FAULT_KINDS, FaultKind, FaultProxy } from './fault-proxy';
import { main as reorder } from './reorder/main';
import { RestartableDynamoDb, seededRandom } from './support';
import { envelope, generatedStream } from '../../examples/babes-club/replay/stream';
import { LOCAL_AWS_ENV } from '../../src/cli/local/dynamodb-local';
import { LocalLambdaFunction } from '../../src/cli/local/local-lambda';
import { createLocalTables } from '../../src/cli/local/local-tables';
import { SynthesizedStack } from '../../src/cli/local/synthesized-stack';
import { ENV_IDEMPOTENCY_KEY_PREFIX, ENV_IDEMPOTENCY_TTL_SECONDS } from '../../src/contract/wrapper';
import { EventPattern } from '../../src/event-pattern/event-pattern';
import { validateStripeEventBridgeEvent } from '../../src/lambda/wrapper/envelope';
import { synthesizeBabesClub } from '../../test/babes-club/support';
import { shiftedClock } from '../../test/support/local-stack';

const ROOT = path.join(__dirname, '..', '..');
const RESULTS = path.join(ROOT, 'bench', 'results');
const DAY_MS = 86_400_000;

interface Options {
  readonly seeds: number[];
  readonly events: number;
  /** Probability that an invocation attempt gets a planned fault. */
  readonly faultRate: number;
  readonly timeoutMs: number;
  /** Execution environments per function, each behind its own proxy. */
  readonly environments: number;
  /** Overrides the synthesized record lifetime (to see the check fail with a lifetime too short). */
  readonly recordLifetimeDays?: number;
}

function parseArgs(argv: string[]): Options {
  const out: { -readonly [K in keyof Options]: Options[K] } = { seeds: [1], events: 1000, faultRate: 0.15, timeoutMs: 3000, environments: 2 };
  for (let i = 0; i < argv.length; i++) {
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${argv[i]} needs a value`);
      return argv[++i];
    };
    const arg = argv[i];
    if (arg === '--seed') out.seeds = [Number(value())];
    else if (arg === '--seeds') out.seeds = value().split(',').map(Number);
    else if (arg === '--events') out.events = Number(value());
    else if (arg === '--fault-rate') out.faultRate = Number(value());
    else if (arg === '--environments') out.environments = Number(value());
    else if (arg === '--record-lifetime-days') out.recordLifetimeDays = Number(value());
    else throw new Error(`unknown argument ${arg}; use --seed <n>, --seeds <n,n,…>, --events <n>, --fault-rate <0..1>, --environments <n> or --record-lifetime-days <n>`);
  }
  if (out.seeds.some((s) => !Number.isInteger(s) || s <= 0)) throw new Error('seeds are positive whole numbers');
  return out;
}

/** The planned fault of one invocation attempt, the same for the same seed, delivery and attempt. */
function faultPlanner(seed: number, rate: number): (key: string, attempt: number) => FaultKind | undefined {
  return (key, attempt) => {
    const random = seededRandom(`${seed}|${key}|${attempt}`);
    if (random() >= rate) return undefined;
    return FAULT_KINDS[Math.floor(random() * FAULT_KINDS.length)];
  };
}

/** One seed, end to end; returns the figures for chaos.json. */
async function runSeed(seed: number, options: Options): Promise<Record<string, unknown>> {
  const started = Date.now();
  const stack: SynthesizedStack = synthesizeBabesClub();
  const ddb = await RestartableDynamoDb.start(`chaos-${seed}`);
  const client = new DynamoDBClient({ endpoint: ddb.endpoint, region: LOCAL_AWS_ENV.AWS_REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 10 });
  const lanes: Lane[] = [];
  // Interrupted (Ctrl-C, a CI timeout): stop the execution environments and DynamoDB Local before leaving.
  const interrupted = () => {
    lanes.forEach((lane) => lane.fn.close());
    void ddb.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const tables = await createLocalTables(client, stack.tables, 'chaos-');
    const logicalIdOf = (prefix: string) => stack.tables.find((t) => t.logicalId.startsWith(prefix))!.logicalId;
    const commerceTable = tables[logicalIdOf('CommerceTable')];
    const idempotencyTable = tables[logicalIdOf('StripeIdempotencyTable')];
    const rules = stack.rules.map((r) => ({
      compiled: EventPattern.compile(r.pattern as string | object),
      targets: r.targets.map((t) => t.logicalId!),
    }));
    const fnByLogicalId = new Map(stack.functions.map((f) => [f.logicalId, f]));
    const prefixOf = new Map<string, string>();
    let lifetimeSeconds = 0;

    /**
     * Fresh execution environments for a phase, their clocks `day` days ahead: `environments` per function, each
     * serving one invocation at a time behind its own fault proxy (so that a proxy knows whose requests it sees).
     */
    const openLanes = async (day: number): Promise<Map<string, Lane[]>> => {
      for (const lane of lanes.splice(0)) {
        lane.fn.close();
        await lane.proxy.close();
      }
      const byLogicalId = new Map<string, Lane[]>();
      for (const f of stack.functions) {
        for (let n = 0; n < options.environments; n++) {
          const proxy = new FaultProxy(ddb.port, idempotencyTable);
          await proxy.start();
          const environment: Record<string, string> = { ...LOCAL_AWS_ENV, AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint, ...shiftedClock(day * DAY_MS) };
          if (options.recordLifetimeDays) environment[ENV_IDEMPOTENCY_TTL_SECONDS] = String(options.recordLifetimeDays * 86_400);
          const spec = stack.localSpec(f, (ref) => tables[ref], environment);
          prefixOf.set(f.logicalId, spec.environment![ENV_IDEMPOTENCY_KEY_PREFIX]);
          lifetimeSeconds = Number(spec.environment![ENV_IDEMPOTENCY_TTL_SECONDS]);
          const lane = { name: f.name, fn: new LocalLambdaFunction(spec), proxy };
          lanes.push(lane);
          byLogicalId.set(f.logicalId, [...(byLogicalId.get(f.logicalId) ?? []), lane]);
        }
      }
      return byLogicalId;
    };
    const targetsOf = (event: Record<string, any>) =>
      rules.filter((r) => r.compiled.test(event).matches).flatMap((r) => r.targets).filter((t) => fnByLogicalId.has(t));

    const stream = generatedStream(options.events, seed);
    const valid = new Map<string, string>();
    for (const event of stream) {
      try {
        validateStripeEventBridgeEvent(event);
      } catch {
        continue;
      }
      const [target] = targetsOf(event);
      if (target) valid.set(event.detail.id, target);
    }
    const faultFor = faultPlanner(seed, options.faultRate);
    const random = seededRandom(`${seed}|restarts`);
    let restarts = 0;
    const restartAt = (points: number[]) => (index: number) => {
      if (points.includes(index)) {
        restarts++;
        void ddb.crashAndRestart();
      }
    };
    const phases: Record<string, PhaseReport> = {};
    const routed = (byLogicalId: Map<string, Lane[]>, events: Array<Record<string, any>>, phase: string): Delivery[] =>
      events.flatMap((event, i) => targetsOf(event).map((t) => {
        const candidates = byLogicalId.get(t)!;
        return { event, lane: candidates[i % candidates.length], key: `${phase}|${i}|${t}` };
      }));
    const timed = async (name: string, run: () => Promise<PhaseReport>) => {
      const t = Date.now();
      phases[name] = await run();
      seconds[name] = Math.round((Date.now() - t) / 100) / 10;
    };
    const seconds: Record<string, number> = {};

    // Day 0: the stream, DynamoDB Local killed and restarted twice.
    let byLogicalId = await openLanes(0);
    const day0 = routed(byLogicalId, stream, 'day0');
    const points = [0.3, 0.65].map((f) => Math.floor(day0.length * (f + (random() - 0.5) * 0.1)));
    await timed('day_0', () => deliver(day0, { timeoutMs: options.timeoutMs, faultFor, onStart: restartAt(points) }));
    await ddb.settled();

    // Day 10: the dead-letter queue redriven, each event invoked again (with Lambda's retries) by its function.
    byLogicalId = await openLanes(10);
    const lanesByName = new Map([...byLogicalId.values()].map((l) => [l[0].name, l]));
    const redrive = phases.day_0.deadLettered.map((d, i) => ({ event: d.event, lane: lanesByName.get(d.handler)![i % options.environments], key: `day10|${i}|${d.handler}` }));
    await timed('day_10_redrive', () => deliver(redrive, { timeoutMs: options.timeoutMs, faultFor }));

    // Day 20: the archive replays the whole stream in new envelopes.
    byLogicalId = await openLanes(20);
    const replayed = stream.map((e, i) => ({ ...envelope(e.detail, 10_000 + i), 'replay-name': `chaos-${seed}` }));
    await timed('day_20_replay', () => deliver(routed(byLogicalId, replayed, 'day20'), { timeoutMs: options.timeoutMs, faultFor }));

    const leftInQueue = [...phases.day_10_redrive.deadLettered, ...phases.day_20_replay.deadLettered];
    const checked = await checkEffects({
      client,
      commerceTable,
      idempotencyTable,
      events: new Map([...valid].map(([id, logicalId]) => [id, prefixOf.get(logicalId)!])),
      deadLettered: new Set(leftInQueue.map((d) => d.stripeEventId)),
    });
    const faults: Record<string, number> = { dynamodb_killed_and_restarted: restarts };
    for (const kind of FAULT_KINDS) faults[kind] = Object.values(phases).reduce((s, p) => s + (p.faults[kind] ?? 0), 0);
    const summary = (p: PhaseReport) => ({
      deliveries: p.deliveries,
      processed: p.processed,
      duplicate: p.duplicate,
      failed_attempts: p.failedAttempts,
      dead_lettered: p.deadLettered.length,
      failed_attempts_by_error: p.errors,
      error_examples: p.examples,
    });
    const phaseFigures = (name: string) => ({ ...summary(phases[name]), seconds: seconds[name] });
    return {
      seed,
      events: stream.length,
      valid_events: valid.size,
      faults_injected: { total: Object.values(faults).reduce((s, n) => s + n, 0), ...faults },
      effects_exactly_once: checked.exactlyOnce,
      effects_missing: checked.missing.length + checked.withoutRecord.length,
      effects_repeated: checked.repeated.length,
      dead_lettered: checked.deadLettered.length,
      no_change_due: checked.noChangeDue,
      effects_without_record: checked.withoutRecord.length,
      missing_events: checked.missing,
      repeated_events: checked.repeated,
      dead_letter_reasons: leftInQueue
        .filter((d) => checked.deadLettered.includes(d.stripeEventId))
        .map((d) => ({ event: d.stripeEventId, handler: d.handler, reason: d.reason })),
      dead_letter_messages_left: leftInQueue.length,
      record_lifetime_days: lifetimeSeconds / 86_400,
      phases: { day_0: phaseFigures('day_0'), day_10_redrive: phaseFigures('day_10_redrive'), day_20_replay: phaseFigures('day_20_replay') },
      duration_seconds: Math.round((Date.now() - started) / 100) / 10,
    };
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    for (const lane of lanes) {
      lane.fn.close();
      await lane.proxy.close();
    }
    client.destroy();
    await ddb.stop();
  }
}

async function main(): Promise<number> {
  // The reordering chaos run (latest state wins) has its own modules and figures: bench/chaos/reorder/.
  if (process.argv.includes('--reorder')) return reorder(process.argv.slice(2));
  const options = parseArgs(process.argv.slice(2));
  const runs: Record<string, unknown>[] = [];
  for (const seed of options.seeds) {
    console.log(`chaos run, seed ${seed}: ${options.events} events, fault rate ${options.faultRate} per attempt`);
    const result = await runSeed(seed, options);
    runs.push(result);
    const { missing_events: _m, repeated_events: _r, dead_letter_reasons: reasons, ...figures } = result;
    console.log(JSON.stringify(figures, null, 2));
    for (const d of reasons as Array<{ event: string; reason: string }>) console.log(`  dead-lettered ${d.event}: ${d.reason}`);
  }
  fs.mkdirSync(RESULTS, { recursive: true });
  const generatedAt = new Date().toISOString();
  if (runs.length === 1) {
    fs.writeFileSync(path.join(RESULTS, 'chaos.json'), JSON.stringify({ generated_at: generatedAt, ...runs[0] }, null, 2) + '\n');
    console.log('written to bench/results/chaos.json');
  } else {
    fs.writeFileSync(path.join(RESULTS, 'chaos-seeds.json'), JSON.stringify({ generated_at: generatedAt, runs }, null, 2) + '\n');
    console.log('written to bench/results/chaos-seeds.json');
  }
  const broken = runs.filter((r) => r.effects_missing !== 0 || r.effects_repeated !== 0);
  for (const r of broken) console.log(`FAILED: seed ${r.seed}: ${r.effects_missing} effects missing, ${r.effects_repeated} repeated`);
  return broken.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(2);
  },
);
