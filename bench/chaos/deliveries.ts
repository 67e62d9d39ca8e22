/**
 * Delivers events to the local functions the way EventBridge and Lambda's asynchronous invocation do: one
 * attempt, then (after a failure) two retries, then the dead-letter queue with the error. Each function gets
 * one invocation at a time (its lane), so that its proxy can tell the invocation its requests belong to; the
 * lanes run side by side, and a lane serves other events while one waits for its retry. Retries wait past
 * the failed attempt's deadline, as Lambda's (a minute, then two) do.
 */
import type { FaultKind, FaultPlan, FaultProxy } from './fault-proxy';
import type { LocalLambdaFunction } from '../../src/cli/local/local-lambda';
import { LOG_FIELD as F, OUTCOME } from '../../src/contract/log-fields';

export interface Lane {
  readonly name: string;
  readonly fn: LocalLambdaFunction;
  readonly proxy: FaultProxy;
}

export interface Delivery {
  readonly event: Record<string, any>;
  readonly lane: Lane;
  /** Names the delivery for the fault plan: the same key gets the same faults. */
  readonly key: string;
  /** Not invoked before this time (epoch ms): a delivery late on purpose. @default - at once */
  readonly notBefore?: number;
}

export interface DeadLetter {
  readonly stripeEventId: string;
  readonly handler: string;
  readonly event: Record<string, any>;
  /** The last attempt's error, as Lambda's on-failure record carries it. */
  readonly reason: string;
}

export interface PhaseReport {
  deliveries: number;
  processed: number;
  duplicate: number;
  failedAttempts: number;
  deadLettered: DeadLetter[];
  faults: Partial<Record<FaultKind, number>>;
  /** Failed attempts by error name. */
  errors: Record<string, number>;
  /** The first message of each error name. */
  examples: Record<string, string>;
}

export interface DeliveryOptions {
  readonly timeoutMs: number;
  /** The fault planned for an attempt, if any (deterministic per key and attempt). */
  readonly faultFor: (key: string, attempt: number) => FaultKind | undefined;
  /** Called as each delivery starts (the run restarts DynamoDB at chosen points). */
  readonly onStart?: (index: number) => Promise<void> | void;
}

const ATTEMPTS = 3;

function outcomeOf(logs: readonly string[]): string | undefined {
  for (const line of logs) {
    if (!line.includes(`"${F.OUTCOME}"`)) continue;
    try {
      return JSON.parse(line)[F.OUTCOME];
    } catch {
      // not JSON
    }
  }
  return undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function deliver(deliveries: readonly Delivery[], options: DeliveryOptions): Promise<PhaseReport> {
  const report: PhaseReport = {
    deliveries: deliveries.length, processed: 0, duplicate: 0, failedAttempts: 0, deadLettered: [], faults: {}, errors: {}, examples: {},
  };
  const lanes = new Map<Lane, Array<{ delivery: Delivery; attempt: number; notBefore: number }>>();
  deliveries.forEach((delivery) => {
    lanes.set(delivery.lane, [...(lanes.get(delivery.lane) ?? []), { delivery, attempt: 1, notBefore: delivery.notBefore ?? 0 }]);
  });
  let started = 0;

  const runLane = async (lane: Lane, queue: Array<{ delivery: Delivery; attempt: number; notBefore: number }>): Promise<void> => {
    while (queue.length > 0) {
      const now = Date.now();
      const next = queue.findIndex((q) => q.notBefore <= now);
      if (next < 0) {
        await sleep(Math.min(...queue.map((q) => q.notBefore)) - now);
        continue;
      }
      const [item] = queue.splice(next, 1);
      if (item.attempt === 1) await options.onStart?.(started++);
      const kind = options.faultFor(item.delivery.key, item.attempt);
      const plan: FaultPlan | undefined = kind ? { kind, kill: () => lane.fn.killRunning() } : undefined;
      lane.proxy.arm(plan);
      const out = await lane.fn.invoke(item.delivery.event, { timeoutMs: options.timeoutMs });
      lane.proxy.arm(undefined);
      if (plan?.injected) report.faults[plan.kind] = (report.faults[plan.kind] ?? 0) + 1;
      if (out.ok) {
        const outcome = outcomeOf(out.logs);
        if (outcome === OUTCOME.DUPLICATE) report.duplicate++;
        else report.processed++;
        continue;
      }
      report.failedAttempts++;
      const error = out.error?.name ?? 'unknown';
      report.errors[error] = (report.errors[error] ?? 0) + 1;
      report.examples[error] ??= String(out.error?.message).slice(0, 300);
      if (item.attempt < ATTEMPTS) {
        // Past the failed attempt's deadline, so that its in-progress record no longer blocks the retry.
        queue.push({ ...item, attempt: item.attempt + 1, notBefore: Date.now() + (options.timeoutMs + 300) * item.attempt });
      } else {
        report.deadLettered.push({
          stripeEventId: item.delivery.event.detail?.id,
          handler: lane.name,
          event: item.delivery.event,
          reason: `${out.error?.name}: ${out.error?.message}`,
        });
      }
    }
  };
  await Promise.all([...lanes].map(([lane, queue]) => runLane(lane, queue)));
  return report;
}
