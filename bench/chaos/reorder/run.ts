/**
 * The reordering chaos run: does "latest state wins" hold when Stripe's events arrive shuffled, duplicated and
 * concurrently, several to a second, with faults? Object histories (histories.ts) are rendered as Stripe events
 * (snapshot, thin, or both as twins: render.ts) and delivered through the real bundled wrappers, a Node.js and a Python
 * handler (test/fixtures/handlers/object-state.js, object_state.py) each receiving every event, against DynamoDB Local.
 * A local Stripe API validated against Stripe's v1 OpenAPI spec (test/support/stripe-objects-api.ts) serves each object
 * as of the moment of the fetch: its clock runs with the delivery clock, which maps the histories' instants onto the
 * run (each event is delivered after it was created, late by a random lag, some twice). The fault proxies of the
 * exactly-once chaos run (fault-proxy.ts) kill, time out and fail invocations at their DynamoDB requests; the Stripe
 * API answers some fetches slowly (with the state they started with), some with 429 or 500. Dead letters are redriven.
 *
 * At the end, every object's item must hold its final state (`final_state_mismatches`), no committed write may have
 * stored a state older than one stored before it (`state_regressions_observed`, from the order DynamoDB committed
 * them in: recorder.ts), and each event's counter must be 1 (`effects_repeated`, `effects_missing`). With
 * `handler: 'plain'` the handlers write each event's state with a plain transactWrite instead, which the same stream
 * must catch out.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import Stripe from 'stripe';
import { objectHistories, ObjectHistory } from './histories';
import { WriteRecorder } from './recorder';
import { redelivery, renderEvents, RenderedEvent } from './render';
import { LOCAL_AWS_ENV, startDynamoDbLocal } from '../../../src/cli/local/dynamodb-local';
import { LocalLambdaFunction } from '../../../src/cli/local/local-lambda';
import { FENCE_ATTRIBUTE } from '../../../src/contract/latest-state';
import { ENV_STRIPE_API_BASE } from '../../../src/contract/reconcile';
import {
  ENV_DYNAMODB_ENDPOINT,
  ENV_EVENT_PAYLOADS,
  ENV_HANDLER_NAME,
  ENV_IDEMPOTENCY_KEY_PREFIX,
  ENV_IDEMPOTENCY_TABLE,
  ENV_IDEMPOTENCY_TTL_SECONDS,
  ENV_STRIPE_API_KEY_SECRET_ID,
  ENV_USER_HANDLER,
  PYTHON_WRAPPER_HANDLER,
  WRAPPER_HANDLER,
} from '../../../src/contract/wrapper';
import { PYTHON_STRIPE_ASSET_DIR, PYTHON_WRAPPER_ASSET_DIR, WRAPPER_ASSET_DIR } from '../../../src/private/handler/wrapper-layer';
import { scanAll, TEST_HANDLERS_DIR } from '../../../test/support/local-stack';
import { SecretsManagerStandIn } from '../../../test/support/secrets-manager-stand-in';
import { objectsApiSpec, ObjectsApiFault, StripeObjectsApi } from '../../../test/support/stripe-objects-api';
import { createTable } from '../../measure';
import { deliver, Delivery, Lane, PhaseReport } from '../deliveries';
import { FAULT_KINDS, FaultKind, FaultProxy } from '../fault-proxy';
import { seededRandom } from '../support';

const KEY = 'rk_test_51ChaosReorderRestrictedKey000000000';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe/chaos-reorder-Key';
/** The histories start here (2026-05-28); the delivery clock maps them onto the run. */
const HISTORY_START_MS = 1_780_000_000_000;
const RUNTIMES = ['node', 'python'] as const;
type Runtime = (typeof RUNTIMES)[number];

export interface ReorderOptions {
  readonly seed: number;
  /** `latest`: context.effects.putLatest; `plain`: a plain transactWrite of each event's state. */
  readonly handler: 'latest' | 'plain';
  readonly subscriptions: number;
  readonly invoices: number;
  readonly refunds: number;
  /** Histories start within this many history milliseconds of each other. */
  readonly spreadMs: number;
  /** History milliseconds per real millisecond: how fast the histories (and the Stripe API's clock) run. */
  readonly speed: number;
  /** A delivery is late by up to this many real milliseconds (the shuffle). */
  readonly maxLagMs: number;
  /** The share of events delivered a second time, in a new envelope. */
  readonly duplicateShare: number;
  /** Probability that an invocation attempt gets a planned fault (fault-proxy.ts). */
  readonly faultRate: number;
  /** Probability that a Stripe fetch is slow, or answered 429 or 500. */
  readonly stripeFaultRate: number;
  /** Execution environments (lanes) per runtime. */
  readonly lanes: number;
  readonly timeoutMs: number;
}

export const DEFAULT_REORDER_OPTIONS: Omit<ReorderOptions, 'seed'> = {
  handler: 'latest',
  subscriptions: 5,
  invoices: 6,
  refunds: 4,
  spreadMs: 24_000,
  speed: 6,
  maxLagMs: 2000,
  duplicateShare: 0.25,
  faultRate: 0.1,
  stripeFaultRate: 0.15,
  lanes: 3,
  timeoutMs: 2500,
};

export interface ReorderResult {
  readonly seed: number;
  readonly handler: string;
  readonly objects: number;
  readonly events: number;
  readonly deliveries: number;
  readonly fetches: number;
  readonly final_state_mismatches: number;
  readonly state_regressions_observed: number;
  readonly effects_repeated: number;
  readonly effects_missing: number;
  readonly [figure: string]: unknown;
}

/** The planned fault of one invocation attempt, the same for the same seed, delivery and attempt. */
function faultPlanner(seed: number, rate: number): (key: string, attempt: number) => FaultKind | undefined {
  return (key, attempt) => {
    const random = seededRandom(`${seed}|reorder|${key}|${attempt}`);
    return random() < rate ? FAULT_KINDS[Math.floor(random() * FAULT_KINDS.length)] : undefined;
  };
}

/** A lane: one execution environment of a runtime's function, behind its own fault proxy. */
async function openLane(runtime: Runtime, n: number, env: Record<string, string>, upstreamPort: number, idempotencyTable: string): Promise<Lane> {
  const proxy = new FaultProxy(upstreamPort, idempotencyTable);
  await proxy.start();
  const python = runtime === 'python';
  const fn = new LocalLambdaFunction({
    name: `State-${runtime}-${n}`,
    runtime: python ? 'python3.13' : undefined,
    taskRoot: TEST_HANDLERS_DIR,
    handler: python ? PYTHON_WRAPPER_HANDLER : WRAPPER_HANDLER,
    // put_latest fetches with context.stripe: the Python function has the Stripe layer too, as the construct gives it.
    layers: python ? [PYTHON_WRAPPER_ASSET_DIR, PYTHON_STRIPE_ASSET_DIR] : [WRAPPER_ASSET_DIR],
    timeoutSeconds: 30,
    environment: {
      ...LOCAL_AWS_ENV,
      ...env,
      [ENV_USER_HANDLER]: python ? 'object_state.handler' : 'object-state.handler',
      [ENV_HANDLER_NAME]: `State-${runtime}`,
      [ENV_IDEMPOTENCY_KEY_PREFIX]: `Chaos.Reorder.${runtime}`,
      [ENV_DYNAMODB_ENDPOINT]: proxy.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint,
      STATE_PREFIX: `${runtime}#`,
    },
  });
  return { name: runtime, fn, proxy };
}

/** Each object's final state against what its item holds, for each runtime. */
function finalMismatches(histories: readonly ObjectHistory[], items: Map<string, Record<string, any>>): string[] {
  const out: string[] = [];
  for (const h of histories) {
    const last = h.states[h.states.length - 1].object;
    for (const runtime of RUNTIMES) {
      const item = items.get(`state#${runtime}#${h.id}`);
      const want = { rev: Number(last.metadata.rev), status: last.status };
      const got = item ? { rev: item.rev, status: item.status } : undefined;
      if (!got || got.rev !== want.rev || got.status !== want.status) out.push(`${runtime} ${h.id}: ${JSON.stringify(got)} instead of ${JSON.stringify(want)}`);
    }
  }
  return out;
}

/** Committed writes that stored an older state than one stored before them in the same item. */
function regressions(writes: WriteRecorder['writes']): string[] {
  const highest = new Map<string, number>();
  const out: string[] = [];
  for (const w of writes) {
    const before = highest.get(w.pk) ?? -1;
    if (w.rev < before) out.push(`${w.pk}: rev ${w.rev} (${w.source ?? 'plain'}) stored after rev ${before}`);
    highest.set(w.pk, Math.max(before, w.rev));
  }
  return out;
}

const sameSecond = (a: number, b: number) => Math.floor(a / 1000) === Math.floor(b / 1000);

/** The first few of each kind of problem, for the figures. */
function examplesOf(problems: Record<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(problems).map(([kind, list]) => [kind, list.slice(0, 5)]));
}

/** One seed, end to end. */
export async function runReorderSeed(options: ReorderOptions): Promise<ReorderResult> {
  const started = Date.now();
  const random = seededRandom(`${options.seed}|reorder|schedule`);
  const starting = startDynamoDbLocal({ timeoutMs: 120_000 });
  // The Stripe spec's validators compile (a few seconds of CPU) while DynamoDB Local's JVM starts.
  objectsApiSpec();
  const ddb = await starting;
  const client = new DynamoDBClient({ endpoint: ddb.endpoint, region: LOCAL_AWS_ENV.AWS_REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const secrets = new SecretsManagerStandIn({ [SECRET_ARN]: KEY });
  const lanes: Lane[] = [];
  let api: StripeObjectsApi | undefined;
  let recorder: WriteRecorder | undefined;
  // The delivery clock: history time runs `speed` times faster than real time from `realStart` on.
  let realStart = Date.now();
  const historyNow = () => HISTORY_START_MS + (Date.now() - realStart) * options.speed;
  const stripeFaults: Record<string, number> = { slow: 0, rate_limited: 0, server_error: 0 };
  try {
    const idempotencyTable = await createTable(client, `reorder-${options.seed}-idempotency`, 'id');
    const stateTable = await createTable(client, `reorder-${options.seed}-state`, 'pk');
    recorder = new WriteRecorder(Number(new URL(ddb.endpoint).port), stateTable);
    await recorder.start();
    const faultRandom = seededRandom(`${options.seed}|reorder|stripe`);
    api = await StripeObjectsApi.start({
      apiKey: KEY,
      now: historyNow,
      extraApiVersions: [Stripe.API_VERSION],
      fault: (): ObjectsApiFault | undefined => {
        if (faultRandom() >= options.stripeFaultRate) return undefined;
        const kind = faultRandom();
        if (kind < 0.6) {
          stripeFaults.slow++;
          return { delayMs: 200 + Math.floor(faultRandom() * 1000) };
        }
        if (kind < 0.8) stripeFaults.rate_limited++;
        else stripeFaults.server_error++;
        return { status: kind < 0.8 ? 429 : 500 };
      },
    });
    const histories = objectHistories({ start: HISTORY_START_MS, ...options });
    for (const h of histories) api.define({ states: h.states });
    const events = renderEvents(histories, api.apiVersion);

    const env = {
      BUSINESS_TABLE: stateTable,
      SAMPLE_MODE: options.handler,
      [ENV_IDEMPOTENCY_TABLE]: idempotencyTable,
      [ENV_IDEMPOTENCY_TTL_SECONDS]: String(36 * 86_400),
      [ENV_EVENT_PAYLOADS]: 'snapshot,thin',
      [ENV_STRIPE_API_BASE]: api.url,
      [ENV_STRIPE_API_KEY_SECRET_ID]: SECRET_ARN,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: await secrets.start(),
    };
    const byRuntime = new Map<Runtime, Lane[]>();
    for (const runtime of RUNTIMES) {
      const own: Lane[] = [];
      for (let n = 0; n < options.lanes; n++) own.push(await openLane(runtime, n, env, recorder.port, idempotencyTable));
      lanes.push(...own);
      byRuntime.set(runtime, own);
    }

    // Every event to both runtimes, after it was created, late by a random lag; some twice, in new envelopes.
    realStart = Date.now() + 500;
    const realOf = (at: number) => realStart + (at - HISTORY_START_MS) / options.speed;
    const deliveries: Delivery[] = [];
    const schedule = (e: RenderedEvent, runtime: Runtime) => {
      const own = byRuntime.get(runtime)!;
      const due = realOf(e.at) + Math.floor(random() * options.maxLagMs);
      const lane = () => own[Math.floor(random() * own.length)];
      deliveries.push({ event: e.event, lane: lane(), key: `${runtime}|${e.event.detail.id}|1`, notBefore: due });
      if (random() < options.duplicateShare) {
        deliveries.push({ event: redelivery(e.event, 2), lane: lane(), key: `${runtime}|${e.event.detail.id}|2`, notBefore: due + Math.floor(random() * options.maxLagMs) });
      }
    };
    for (const e of events) for (const runtime of RUNTIMES) schedule(e, runtime);
    deliveries.sort((a, b) => a.notBefore! - b.notBefore!);

    const faultFor = faultPlanner(options.seed, options.faultRate);
    const setupSeconds = (realStart - started) / 1000;
    const phases: PhaseReport[] = [await deliver(deliveries, { timeoutMs: options.timeoutMs, faultFor })];
    const deliverySeconds = (Date.now() - realStart) / 1000;
    // Dead letters redriven, as `stripe-eventbridge redrive` does, until none are left (at most three times).
    for (let round = 1; round <= 3 && phases[phases.length - 1].deadLettered.length > 0; round++) {
      const lanesOf = (name: string) => byRuntime.get(name as Runtime)!;
      const redrive = phases[phases.length - 1].deadLettered.map((d, i) => ({ event: d.event, lane: lanesOf(d.handler)[i % options.lanes], key: `redrive${round}|${d.handler}|${i}` }));
      phases.push(await deliver(redrive, { timeoutMs: options.timeoutMs, faultFor }));
    }

    const items = new Map((await scanAll(client, stateTable)).map((i) => [i.pk as string, i]));
    const mismatches = finalMismatches(histories, items);
    const regressed = regressions(recorder.writes);
    const counters = [...items.values()].filter((i) => String(i.pk).startsWith('effects#'));
    const keys = new Set(events.map((e) => e.keyId));
    const repeated = counters.filter((c) => c.effects > 1).map((c) => c.pk as string);
    const missing = RUNTIMES.flatMap((r) => [...keys].filter((k) => !items.has(`effects#${r}#${k}`)).map((k) => `${r} ${k}`));
    const decisions: Record<string, number> = {};
    for (const record of await scanAll(client, idempotencyTable)) {
      const decision = record.status === 'COMPLETED' ? (record.data as { decision?: string } | null)?.decision ?? 'written' : 'not completed';
      decisions[decision] = (decisions[decision] ?? 0) + 1;
    }
    const faults: Record<string, number> = {};
    for (const kind of FAULT_KINDS) faults[kind] = phases.reduce((s, p) => s + (p.faults[kind] ?? 0), 0);
    const errors: Record<string, number> = {};
    const errorExamples: Record<string, string> = {};
    for (const p of phases) {
      for (const [name, n] of Object.entries(p.errors)) errors[name] = (errors[name] ?? 0) + n;
      for (const [name, message] of Object.entries(p.examples)) errorExamples[name] ??= message;
    }
    return {
      seed: options.seed,
      handler: options.handler === 'latest' ? 'putLatest' : 'plain transactWrite',
      objects: histories.length,
      events: events.length,
      deliveries: deliveries.length,
      fetches: api.fetches(),
      final_state_mismatches: mismatches.length,
      state_regressions_observed: regressed.length,
      effects_repeated: repeated.length,
      effects_missing: missing.length,
      dead_lettered: phases[phases.length - 1].deadLettered.length,
      objects_by_type: Object.fromEntries(['subscription', 'invoice', 'refund'].map((t) => [t, histories.filter((h) => h.type === t).length])),
      states: histories.reduce((s, h) => s + h.states.length, 0),
      events_by_style: { snapshot: events.filter((e) => !e.thin).length, thin: events.filter((e) => e.thin).length },
      events_sharing_their_second: events.filter((e) => events.some((o) => o !== e && o.objectId === e.objectId && sameSecond(o.at, e.at))).length,
      state_writes: recorder.writes.length,
      state_writes_from_stripe: recorder.writes.filter((w) => w.source === 'stripe').length,
      decisions,
      faults_injected: faults,
      stripe_api_faults: stripeFaults,
      failed_attempts: phases.reduce((s, p) => s + p.failedAttempts, 0),
      failed_attempts_by_error: errors,
      error_examples: errorExamples,
      redrive_rounds: phases.length - 1,
      stripe_api_violations: api.violations.length,
      examples: examplesOf({ mismatches, regressions: regressed, repeated, missing, violations: api.violations }),
      fence_attribute: FENCE_ATTRIBUTE,
      seconds: { setup: Math.round(setupSeconds * 10) / 10, deliveries: Math.round(deliverySeconds * 10) / 10 },
      duration_seconds: Math.round((Date.now() - started) / 100) / 10,
    };
  } finally {
    for (const lane of lanes) {
      lane.fn.close();
      await lane.proxy.close();
    }
    await recorder?.close();
    await api?.close();
    await secrets.stop();
    client.destroy();
    await ddb.stop();
  }
}
