/**
 * The chaos run: The Babes Club's app (examples/babes-club), synthesized with a second integration beside it on
 * the same bus and idempotency table (bench/chaos/app.ts: a Python handler of refunds that swallows the wrapper's
 * errors), their real assets (wrapper layers and handlers) in local Lambda execution environments,
 * against DynamoDB Local, with faults injected at random from a seed, and afterwards every handler's effects
 * checked against the stream: each valid Stripe event's effect is there exactly once per handler, or the event is
 * in the dead-letter queue with its reason.
 *
 *   npm run chaos                        # seed 1, writes bench/results/chaos.json
 *   npm run chaos -- --seed 7            # another seed
 *   npm run chaos -- --seeds 2,3,4,5,6   # several, one after the other; writes bench/results/chaos-seeds.json
 *   npm run chaos -- --reorder --seed 1  # the reordering chaos run instead (bench/chaos/reorder/main.ts)
 *
 * Day 0: the generated 1,000-event stream (about 20 % duplicates in new envelopes, shuffled by the seed), less
 * the events lost before AWS (3 % of the valid ones, never delivered: a disabled destination), with, per
 * invocation attempt and at random, the execution environment killed before, during and after the handler's
 * writes and at the commit, the transaction or the record's completion failing, or the invocation timing out
 * (bench/chaos/fault-proxy.ts), and DynamoDB Local killed (SIGKILL) and restarted twice, its data on disk
 * (`-dbPath`), as a real table survives an outage. Failed invocations are retried as Lambda retries asynchronous
 * invocations (twice), then dead-lettered with their error.
 * Day 5: the Ledger integration's key scope changes (a refactor without a pinned scope), and the reconciliation
 *   runs with backfill against Stripe's event log (a local Events API): it must send the lost events and none of
 *   the Ledger's events processed under the old scope.
 * Day 10: previousKeyScopes is set, as the report said; the reconciliation backfills what is still missing, and the
 *   dead-letter queue is redriven the way `stripe-eventbridge redrive` does it with a Stripe key: each event
 *   verified with Stripe, then invoked again (with Lambda's retries); four forged messages planted in the queue
 *   must fail the check.
 * Day 20: the whole stream is replayed from the archive, in new envelopes (the lost events were never on the bus).
 * Faults stay on throughout. The execution environments' clocks move with a harness-only preload
 * (test/support/clock-preload.js). Each function runs in two execution environments side by side
 * (`--environments`), so the same event can also be in progress in one while its duplicate arrives in the other.
 * Lambda's retries, a minute and two minutes apart, are compressed to a few seconds (past the failed attempt's
 * deadline): shorter than a DynamoDB Local restart, so the events in flight during one end in the dead-letter
 * queue, which the reconciliation and the day-10 redrive then work through.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LEDGER_HANDLER, synthesizeChaosApp } from './app';
import { auditTrail, checkEffects, ledgerEntries } from './check';
import { deliver, Delivery, Lane, PhaseReport } from './deliveries';
import { FAULT_KINDS, FaultKind, FaultProxy } from './fault-proxy';
import { BackfillDelivery, forgedDeadLetters, reconcileAndBackfill, startStripeLog, StripeLog, verifyDeadLetters } from './recovery';
import { main as reorder } from './reorder/main';
import { RestartableDynamoDb, seededRandom } from './support';
import { envelope, EVENT_SOURCE, generatedStream } from '../../examples/babes-club/replay/stream';
import { LOCAL_AWS_ENV } from '../../src/cli/local/dynamodb-local';
import { LocalLambdaFunction } from '../../src/cli/local/local-lambda';
import { createLocalTables } from '../../src/cli/local/local-tables';
import { preparePythonFunctions } from '../../src/cli/local/python-env';
import { SynthesizedStack } from '../../src/cli/local/synthesized-stack';
import { ENV_IDEMPOTENCY_KEY_PREFIX, ENV_IDEMPOTENCY_PREVIOUS_KEY_PREFIXES, ENV_IDEMPOTENCY_TTL_SECONDS } from '../../src/contract/wrapper';
import { EventPattern } from '../../src/event-pattern/event-pattern';
import { validateStripeEventBridgeEvent } from '../../src/lambda/wrapper/envelope';
import { routeFromEnvironment } from '../../src/reconcile/routes';
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

/** The share of valid Stripe events lost before AWS (never delivered), for the reconciliation to find. */
const LOST_SHARE = 0.03;
/** The Ledger integration's key scope after the day-5 change (before: the default, `<stack>/Ledger`). */
const NEW_LEDGER_SCOPE = 'Ledger-v2';

/** One seed, end to end; returns the figures for chaos.json. */
async function runSeed(seed: number, options: Options): Promise<Record<string, unknown>> {
  const started = Date.now();
  const stack: SynthesizedStack = synthesizeChaosApp();
  preparePythonFunctions(stack.functions.map((f) => f.runtime ?? ''), { dir: path.join(ROOT, '.tmp', 'python', 'local-lambda') });
  const ddb = await RestartableDynamoDb.start(`chaos-${seed}`);
  const client = new DynamoDBClient({ endpoint: ddb.endpoint, region: LOCAL_AWS_ENV.AWS_REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 10 });
  const lanes: Lane[] = [];
  let stripeLog: StripeLog | undefined;
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
    const ledgerTable = tables[logicalIdOf('LedgerTable')];
    const idempotencyTable = tables[logicalIdOf('StripeIdempotencyTable')];
    const rules = stack.rules.map((r) => ({
      pattern: r.pattern,
      compiled: EventPattern.compile(r.pattern as string | object),
      targets: r.targets.map((t) => t.logicalId!),
    }));
    const fnByLogicalId = new Map(stack.functions.map((f) => [f.logicalId, f]));
    const ledgerFunctions = new Set(stack.functions.filter((f) => f.name === LEDGER_HANDLER).map((f) => f.logicalId));
    /** Every key prefix each function's records had, today's and earlier ones. */
    const prefixesOf = new Map<string, Set<string>>();
    /** The environment each function runs with now (the key scope change edits the Ledger's). */
    const overrides = new Map<string, Record<string, string>>();
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
          const environment: Record<string, string> = {
            ...LOCAL_AWS_ENV,
            AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint,
            ...shiftedClock(day * DAY_MS),
            ...overrides.get(f.logicalId),
          };
          if (options.recordLifetimeDays) environment[ENV_IDEMPOTENCY_TTL_SECONDS] = String(options.recordLifetimeDays * 86_400);
          const spec = stack.localSpec(f, (ref) => tables[ref], environment);
          const prefixes = prefixesOf.get(f.logicalId) ?? new Set<string>();
          prefixes.add(spec.environment![ENV_IDEMPOTENCY_KEY_PREFIX]);
          prefixesOf.set(f.logicalId, prefixes);
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
    /** Each valid Stripe event's handlers (function logical ids). */
    const valid = new Map<string, string[]>();
    for (const event of stream) {
      try {
        validateStripeEventBridgeEvent(event);
      } catch {
        continue;
      }
      const targets = targetsOf(event);
      if (targets.length > 0) valid.set(event.detail.id, targets);
    }
    const lostRandom = seededRandom(`${seed}|lost`);
    const lost = new Set([...valid.keys()].filter(() => lostRandom() < LOST_SHARE));
    const delivered = stream.filter((e) => !lost.has(e.detail?.id));
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
    const seconds: Record<string, number> = {};
    const timed = async (name: string, run: () => Promise<PhaseReport>) => {
      const t = Date.now();
      phases[name] = await run();
      seconds[name] = Math.round((Date.now() - t) / 100) / 10;
    };

    // Day 0: the stream less the lost events, DynamoDB Local killed and restarted twice.
    let byLogicalId = await openLanes(0);
    const day0 = routed(byLogicalId, delivered, 'day0');
    const points = [0.3, 0.65].map((f) => Math.floor(day0.length * (f + (random() - 0.5) * 0.1)));
    await timed('day_0', () => deliver(day0, { timeoutMs: options.timeoutMs, faultFor, onStart: restartAt(points) }));
    await ddb.settled();

    // Day 5: the Ledger's key scope changes; the reconciliation runs, first before previousKeyScopes is set, then after.
    stripeLog = await startStripeLog(stream);
    const log = stripeLog;
    const routesNow = () => stack.functions.map((f) => routeFromEnvironment({
      functionName: f.logicalId,
      patterns: rules.filter((r) => r.targets.includes(f.logicalId)).map((r) => r.pattern),
      environment: stack.localSpec(f, (ref) => tables[ref], { ...overrides.get(f.logicalId) }).environment!,
      eventSourceName: EVENT_SOURCE,
    }));
    const backfillDeliveries = (lanesOf: Map<string, Lane[]>, sent: BackfillDelivery[], phase: string): Delivery[] =>
      sent.map((d, i) => ({ event: d.event, lane: lanesOf.get(d.functionName)![i % options.environments], key: `${phase}|${i}|${d.functionName}` }));
    const reconciliations: Array<Record<string, number>> = [];
    const reconcileNow = async (hoursLater: number) => {
      const { summary, missing, deliveries } = await reconcileAndBackfill(log, client, routesNow(), log.now + hoursLater * 3600);
      reconciliations.push({
        missing,
        sent: summary.sent.length,
        held_processed_under_other_scope: summary.otherScope.length,
        held_sent_before: summary.sentBefore.filter((e) => e.action !== 'resent').length,
      });
      return { summary, deliveries };
    };
    for (const f of stack.functions.filter((fn) => ledgerFunctions.has(fn.logicalId))) {
      overrides.set(f.logicalId, { [ENV_IDEMPOTENCY_KEY_PREFIX]: `${NEW_LEDGER_SCOPE}.${f.name}` });
    }
    byLogicalId = await openLanes(5);
    const beforeFix = await reconcileNow(0);
    await timed('day_5_backfill', () => deliver(backfillDeliveries(byLogicalId, beforeFix.deliveries, 'day5'), { timeoutMs: options.timeoutMs, faultFor }));

    // Day 10: previousKeyScopes set, as the report said; the reconciliation again, and the dead-letter queue redriven,
    // each dead letter verified with Stripe first, four forged messages planted among them.
    for (const f of stack.functions.filter((fn) => ledgerFunctions.has(fn.logicalId))) {
      overrides.set(f.logicalId, {
        [ENV_IDEMPOTENCY_KEY_PREFIX]: `${NEW_LEDGER_SCOPE}.${f.name}`,
        // What `idempotency: { keyScope: 'Ledger-v2', previousKeyScopes: ['BabesClubPayments/Ledger'] }` synthesizes.
        [ENV_IDEMPOTENCY_PREVIOUS_KEY_PREFIXES]: JSON.stringify([...prefixesOf.get(f.logicalId)!].filter((p) => !p.startsWith(`${NEW_LEDGER_SCOPE}.`))),
      });
    }
    byLogicalId = await openLanes(10);
    const afterFix = await reconcileNow(2);
    const lanesByName = new Map([...byLogicalId.values()].map((l) => [l[0].name, l]));
    const deadLetters = [...phases.day_0.deadLettered, ...phases.day_5_backfill.deadLettered];
    const checkout = delivered.find((e) => e['detail-type'] === 'checkout.session.completed' && valid.has(e.detail.id))!;
    const refund = delivered.find((e) => e['detail-type'] === 'charge.refunded' && valid.has(e.detail.id))!;
    const checkoutHandler = fnByLogicalId.get(valid.get(checkout.detail.id)![0])!.name;
    const forged = forgedDeadLetters(checkout, refund).map((event) => ({ event, handler: checkoutHandler }));
    const realCheck = await verifyDeadLetters(log, deadLetters);
    const forgedCheck = await verifyDeadLetters(log, forged);
    // Whatever passes the check is invoked: a forged message that passed would show as an effect of its made-up event.
    const redriven = [...realCheck.verified, ...forgedCheck.verified];
    const day10 = [
      ...backfillDeliveries(byLogicalId, afterFix.deliveries, 'day10-backfill'),
      ...redriven.map((d, i) => ({ event: d.event, lane: lanesByName.get(d.handler)![i % options.environments], key: `day10|${i}|${d.handler}` })),
    ];
    await timed('day_10_backfill_and_redrive', () => deliver(day10, { timeoutMs: options.timeoutMs, faultFor }));

    // Day 20: the archive replays the stream that reached the bus, in new envelopes.
    byLogicalId = await openLanes(20);
    const replayed = delivered.map((e, i) => ({ ...envelope(e.detail, 10_000 + i), 'replay-name': `chaos-${seed}` }));
    await timed('day_20_replay', () => deliver(routed(byLogicalId, replayed, 'day20'), { timeoutMs: options.timeoutMs, faultFor }));

    const leftInQueue = [...phases.day_10_backfill_and_redrive.deadLettered, ...phases.day_20_replay.deadLettered];
    const [trail, ledger] = await Promise.all([auditTrail(client, commerceTable), ledgerEntries(client, ledgerTable)]);
    const checked = await checkEffects({
      client,
      idempotencyTable,
      handlers: stack.functions.map((f) => ({
        handler: f.name,
        prefixes: [...prefixesOf.get(f.logicalId)!],
        events: [...valid].filter(([, targets]) => targets.includes(f.logicalId)).map(([id]) => id),
        effects: ledgerFunctions.has(f.logicalId) ? ledger : trail,
      })),
      deadLettered: new Set(leftInQueue.map((d) => `${d.handler} ${d.stripeEventId}`)),
    });
    const plantedEffects = forged.map((f) => f.event.detail.id).filter((id) => !valid.has(id) && ((trail.get(id) ?? 0) + (ledger.get(id) ?? 0)) > 0);
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
    const python = stack.functions.filter((f) => f.runtime?.startsWith('python')).map((f) => f.name);
    return {
      seed,
      events: stream.length,
      valid_events: valid.size,
      handler_events: [...valid.values()].reduce((n, t) => n + t.length, 0),
      python_handler_events: [...valid.values()].reduce((n, t) => n + t.filter((l) => python.includes(fnByLogicalId.get(l)!.name)).length, 0),
      lost_before_aws: lost.size,
      faults_injected: { total: Object.values(faults).reduce((s, n) => s + n, 0), ...faults },
      effects_exactly_once: checked.exactlyOnce,
      python_effects_exactly_once: python.reduce((n, name) => n + checked.byHandler[name], 0),
      effects_missing: checked.missing.length + checked.withoutRecord.length + plantedEffects.length,
      effects_repeated: checked.repeated.length,
      dead_lettered: checked.deadLettered.length,
      no_change_due: checked.noChangeDue,
      effects_without_record: checked.withoutRecord.length,
      backfilled: beforeFix.summary.sent.length + afterFix.summary.sent.length,
      backfill_held_processed_under_other_scope: beforeFix.summary.otherScope.length,
      forged_refused: forgedCheck.forged.length,
      forged_planted: forged.length,
      forged_reasons: forgedCheck.forged.map((f) => f.reason),
      real_dead_letters_refused: realCheck.forged.length,
      effects_of_forged_messages: plantedEffects.length,
      missing_events: checked.missing,
      repeated_events: checked.repeated,
      dead_letter_reasons: leftInQueue
        .filter((d) => checked.deadLettered.includes(`${d.handler} ${d.stripeEventId}`))
        .map((d) => ({ event: d.stripeEventId, handler: d.handler, reason: d.reason })),
      dead_letter_messages_left: leftInQueue.length,
      record_lifetime_days: lifetimeSeconds / 86_400,
      effects_exactly_once_by_handler: checked.byHandler,
      reconciliations,
      phases: Object.fromEntries(Object.keys(phases).map((name) => [name, phaseFigures(name)])),
      duration_seconds: Math.round((Date.now() - started) / 100) / 10,
    };
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    for (const lane of lanes) {
      lane.fn.close();
      await lane.proxy.close();
    }
    await stripeLog?.close();
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
