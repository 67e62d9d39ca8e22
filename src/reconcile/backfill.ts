/**
 * Delivers the events a reconciliation found missing to their handlers' functions, in the EventBridge
 * envelope a partner bus delivers them in, as an asynchronous invoke (as EventBridge invokes): a failure
 * takes the function's usual retries and on-failure dead-letter queue, and the wrapper's idempotency makes
 * a second delivery of the same event (a repeated backfill, a late original) a harmless duplicate.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { isoSeconds } from './durations';
import type { ReconcileResult } from './reconcile';
import { toEventBridgeEvent } from '../event-pattern/stripe-envelope';

/** Hands one event to a function; resolves once the function accepted it. */
export type Invoker = (functionName: string, event: Record<string, unknown>) => Promise<void>;

/** Lambda's asynchronous invoke (InvocationType Event), accepted when Lambda answers 202. */
export function lambdaInvoker(lambda: LambdaClient): Invoker {
  return async (functionName, event) => {
    const out = await lambda.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(event)) }));
    if (out.StatusCode !== 202) throw new Error(`Lambda answered ${out.StatusCode}, not 202 Accepted`);
  };
}

export interface BackfillOptions {
  readonly result: ReconcileResult;
  readonly invoke: Invoker;
  /** List what would be sent; invoke nothing. */
  readonly dryRun?: boolean;
  /** Send at most this many events. @default - all */
  readonly limit?: number;
  /** One line per event and a summary. @default - nothing */
  readonly log?: (line: string) => void;
}

export interface BackfilledEvent {
  readonly handler: string;
  readonly id: string;
  readonly type: string;
  /** Why Lambda did not accept it, when it did not. */
  readonly error?: string;
}

export interface BackfillSummary {
  /** Missing events found. */
  readonly missing: number;
  /** Accepted by Lambda. */
  readonly sent: BackfilledEvent[];
  /** Not accepted; still missing. */
  readonly failed: BackfilledEvent[];
  /** Dry run: what would be sent. */
  readonly wouldSend: BackfilledEvent[];
  /** Left out by the limit; still missing. */
  readonly notSent: number;
}

/** Sends the missing events, oldest first, each to the function of its handler. */
export async function backfill(options: BackfillOptions): Promise<BackfillSummary> {
  const { report, events, routes } = options.result;
  const log = options.log ?? (() => undefined);
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  if (!(limit > 0)) throw new Error(`limit must be a positive number, got ${options.limit}`);
  const todo = report.handlers
    .flatMap((h) => h.missing.map((e) => ({ h, e })))
    .sort((a, b) => a.e.created - b.e.created || a.e.id.localeCompare(b.e.id));
  const sent: BackfilledEvent[] = [];
  const failed: BackfilledEvent[] = [];
  const wouldSend: BackfilledEvent[] = [];
  for (const { h, e } of todo.slice(0, Math.min(todo.length, limit))) {
    const route = routes.find((r) => r.handler === h.handler && r.functionName === h.functionName)!;
    const item = { handler: h.handler, id: e.id, type: e.type };
    const what = `${e.id} (${e.type}, ${isoSeconds(e.created)}) → ${h.handler}`;
    if (options.dryRun) {
      wouldSend.push(item);
      log(`would send ${what}`);
      continue;
    }
    const stripeEvent = events.get(e.id)!;
    try {
      const envelope = toEventBridgeEvent(stripeEvent as unknown as { id: string; type: string; created: number }, route.envelope);
      await options.invoke(route.functionName, envelope);
      sent.push(item);
      log(`sent ${what}`);
    } catch (err) {
      const error = `${(err as Error).name ?? 'Error'}: ${(err as Error).message ?? String(err)}`;
      failed.push({ ...item, error });
      log(`FAILED ${what}: ${error}`);
    }
  }
  const notSent = Math.max(0, todo.length - limit);
  const summary: BackfillSummary = { missing: todo.length, sent, failed, wouldSend, notSent };
  const left = notSent > 0 ? `, ${notSent} left for another run (--limit)` : '';
  log(
    options.dryRun
      ? `dry run: ${wouldSend.length} of ${todo.length} missing events would be sent${left} (nothing invoked)`
      : `backfill: ${sent.length} of ${todo.length} missing events sent to their functions, ${failed.length} failed${left}`,
  );
  return summary;
}
