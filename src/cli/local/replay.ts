/**
 * Replays a stream of EventBridge events through a synthesized stack on this machine: every event is
 * routed by evaluating each synthesized rule's event pattern with the offline matcher, and handed to the
 * matched functions' real code from cdk.out (wrapper layer and handler, as Lambda loads them) with the
 * template's environment pointed at DynamoDB Local. Delivery follows EventBridge → Lambda's asynchronous
 * invoke: a failed invocation is retried (Lambda retries twice), then the event goes to the dead-letter
 * queue with its error.
 *
 * An event is matched against the rules of the bus Stripe would deliver it on: the bus its `source` names when that is
 * one of the stack's buses, else a bus of its payload style (a thin event, `detail.object` "v2.core.event", on the thin
 * bus; any other on the snapshot bus; the rules' `payloads`, cloud-assembly/rules.ts). Rules on a bus whose style the
 * template does not tell get every event.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { handlerOutput, SourceLocator, userFrames } from './attempt-details';
import { LOCAL_AWS_ENV } from './dynamodb-local';
import { InvocationResult, LocalLambdaFunction } from './local-lambda';
import { createLocalTables } from './local-tables';
import { runPool } from './pool';
import { SynthesizedStack } from './synthesized-stack';
import type { SynthesizedFunction } from '../../cloud-assembly/functions';
import { ruleCarries, StripePayloadStyle as PayloadStyle } from '../../cloud-assembly/rules';
import { LOG_FIELD as F, OUTCOME } from '../../contract/log-fields';
import { EventPattern } from '../../event-pattern/event-pattern';
import { validateStripeEventBridgeEvent } from '../../lambda/wrapper/envelope';

export type DeliveryOutcome = 'processed' | 'duplicate' | 'dlq';

export interface Delivery {
  readonly handler: string;
  readonly outcome: DeliveryOutcome;
  readonly attempts: number;
  /**
   * The attempts before the last, in order: `in_progress` when the wrapper found the Stripe event in progress in
   * another delivery (and failed the attempt so that it is retried), else `failed` with the error.
   */
  readonly failedAttempts: readonly FailedAttempt[];
  /** The last error, for a dead-lettered delivery. */
  readonly error?: string;
  /** Where the last error was thrown in the handler's own files, for a dead-lettered delivery (see FailedAttempt.at). */
  readonly at?: readonly string[];
  /** What the handler printed in the last attempt (console.log, print, its own logger): attempt-details.ts. */
  readonly output: readonly string[];
  /** The handler's stored result. */
  readonly result?: unknown;
}

export interface FailedAttempt {
  readonly outcome: 'in_progress' | 'failed';
  readonly error: string;
  /** The error's stack in the handler's own files, innermost first for Node.js, as a traceback for Python. */
  readonly at: readonly string[];
  /** What the handler printed in this attempt. */
  readonly output: readonly string[];
}

export interface EventReport {
  readonly index: number;
  readonly eventBridgeId?: string;
  readonly stripeEventId?: string;
  readonly type?: string;
  /** Why the event is not a valid Stripe event, if it is not (then dead-lettering it is the right outcome). */
  readonly invalidReason?: string;
  /** Set when no rule matched because the stack has no bus of the event's payload style (a thin event, no thin bus). */
  readonly noBusFor?: PayloadStyle;
  /** One per matched rule; empty when no rule matched. */
  readonly deliveries: Delivery[];
}

export interface ReplayOptions {
  readonly stack: SynthesizedStack;
  readonly events: readonly unknown[];
  readonly ddb: { readonly endpoint: string; readonly client: DynamoDBClient };
  /** Events in flight at once. @default 8 */
  readonly concurrency?: number;
  /** Attempts per delivery: Lambda's asynchronous invoke makes 1 + 2 retries. @default 3 */
  readonly maxAttempts?: number;
  /**
   * Delay before the first retry, doubled each time. Lambda waits about one and then two minutes; a replay
   * compresses that, but keeps it longer than any local invocation so that an in-progress duplicate finds the
   * first delivery finished. @default 500
   */
  readonly retryDelayMs?: number;
  /** Prefix of the local table names. @default 'replay-' */
  readonly tablePrefix?: string;
  /** Delete tables of the same names first (a DynamoDB Local that outlives the replay). @default false */
  readonly replaceTables?: boolean;
  /** Called with each event's report as soon as it is done. */
  readonly onEvent?: (report: EventReport) => void;
  /** Names the handlers' files in errors as the app does. @default - their paths in the code assets */
  readonly sources?: SourceLocator;
  /** More environment for every function (the local Stripe API and Secrets Manager). @default - none */
  readonly environment?: Record<string, string>;
}

export interface ReplayReport {
  readonly events: EventReport[];
  /** Logical id → local table name. */
  readonly tables: Record<string, string>;
  readonly durationMs: number;
  readonly counts: { processed: number; duplicate: number; unmatched: number; dlq: number; expectedDlq: number; retried: number };
}

/** The wrapper's outcome for an invocation, from its log line. */
function outcomeOf(result: InvocationResult): 'processed' | 'duplicate' | 'in_progress' | undefined {
  for (const line of result.logs) {
    if (!line.includes(`"${F.OUTCOME}"`)) continue;
    try {
      const outcome = JSON.parse(line)[F.OUTCOME];
      if (outcome === OUTCOME.PROCESSED || outcome === OUTCOME.DUPLICATE) return outcome;
      if (outcome === OUTCOME.IN_PROGRESS) return 'in_progress';
    } catch {
      // not a JSON line
    }
  }
  return undefined;
}

export async function replay(options: ReplayOptions): Promise<ReplayReport> {
  const started = Date.now();
  const { stack } = options;
  const tables = await createLocalTables(options.ddb.client, stack.tables, options.tablePrefix ?? 'replay-', { replace: options.replaceTables });
  const byId = new Map<string, SynthesizedFunction>(stack.functions.map((f) => [f.logicalId, f]));
  const functions = new Map<string, LocalLambdaFunction>();
  const localFunction = (logicalId: string): LocalLambdaFunction => {
    let fn = functions.get(logicalId);
    if (!fn) {
      const spec = stack.localSpec(byId.get(logicalId)!, (ref) => tables[ref] ?? stack.localSecretId(ref), {
        ...LOCAL_AWS_ENV,
        // The AWS SDK (wrapper and handlers alike) sends DynamoDB requests here.
        AWS_ENDPOINT_URL_DYNAMODB: options.ddb.endpoint,
        ...options.environment,
      });
      fn = new LocalLambdaFunction(spec);
      functions.set(logicalId, fn);
    }
    return fn;
  };
  const rules = stack.rules.map((r) => ({
    compiled: EventPattern.compile(r.pattern as string | object),
    targetFunctions: r.targets.filter((t) => t.type === 'AWS::Lambda::Function').map((t) => t.logicalId!),
    eventBus: r.eventBus,
    payloads: r.payloads,
  }));
  const buses = new Set(rules.map((r) => r.eventBus));
  /** The rules that see an event: those of the bus its source names, else of the buses of its payload style. */
  const rulesFor = (event: Record<string, any>, style: PayloadStyle) =>
    buses.has(event?.source) ? rules.filter((r) => r.eventBus === event.source) : rules.filter((r) => ruleCarries(r, style));
  const maxAttempts = options.maxAttempts ?? 3;
  const retryDelay = options.retryDelayMs ?? 500;
  const sources = options.sources ?? new SourceLocator(undefined);
  let retried = 0;

  const deliver = async (logicalId: string, event: unknown): Promise<Delivery> => {
    const handler = byId.get(logicalId)!.name;
    const failedAttempts: FailedAttempt[] = [];
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (attempt > 1) {
        retried++;
        await new Promise((r) => setTimeout(r, retryDelay * 2 ** (attempt - 2)));
      }
      const fn = localFunction(logicalId);
      const result = await fn.invoke(event);
      const outcome = outcomeOf(result);
      const output = handlerOutput(result.logs);
      if (result.ok) return { handler, outcome: outcome === 'duplicate' ? 'duplicate' : 'processed', attempts: attempt, failedAttempts, output, result: result.result };
      failedAttempts.push({
        outcome: outcome === 'in_progress' ? 'in_progress' : 'failed',
        error: `${result.error?.name}: ${result.error?.message}`,
        at: userFrames(result.error?.stack, fn.spec.taskRoot, sources),
        output,
      });
    }
    const last = failedAttempts[failedAttempts.length - 1];
    return { handler, outcome: 'dlq', attempts: maxAttempts, failedAttempts: failedAttempts.slice(0, -1), error: last.error, at: last.at, output: last.output };
  };

  try {
    const events: EventReport[] = new Array(options.events.length);
    await runPool([...options.events.keys()], options.concurrency ?? 8, async (index) => {
      const event = options.events[index] as Record<string, any>;
      let invalidReason: string | undefined;
      try {
        // Either style: which functions may take which is for their own wrapper to say (STRIPE_EB_EVENT_PAYLOADS).
        validateStripeEventBridgeEvent(event, { payloads: ['snapshot', 'thin'] });
      } catch (err) {
        invalidReason = (err as Error).message;
      }
      const style: PayloadStyle = event?.detail?.object === 'v2.core.event' ? 'thin' : 'snapshot';
      const targets = rulesFor(event, style).filter((r) => r.compiled.test(event).matches).flatMap((r) => r.targetFunctions);
      const deliveries = await Promise.all(targets.map((t) => deliver(t, event)));
      const report: EventReport = {
        index,
        eventBridgeId: typeof event?.id === 'string' ? event.id : undefined,
        stripeEventId: typeof event?.detail?.id === 'string' && event.detail.id.startsWith('evt_') ? event.detail.id : undefined,
        type: typeof event?.['detail-type'] === 'string' ? event['detail-type'] : undefined,
        invalidReason,
        ...(targets.length === 0 && rules.length > 0 && !rules.some((r) => ruleCarries(r, style)) ? { noBusFor: style } : {}),
        deliveries,
      };
      events[index] = report;
      options.onEvent?.(report);
    });
    const all = events.flatMap((e) => e.deliveries.map((d) => ({ d, e })));
    return {
      events,
      tables,
      durationMs: Date.now() - started,
      counts: {
        processed: all.filter(({ d }) => d.outcome === 'processed').length,
        duplicate: all.filter(({ d }) => d.outcome === 'duplicate').length,
        unmatched: events.filter((e) => e.deliveries.length === 0).length,
        dlq: all.filter(({ d }) => d.outcome === 'dlq').length,
        expectedDlq: all.filter(({ d, e }) => d.outcome === 'dlq' && e.invalidReason !== undefined).length,
        retried,
      },
    };
  } finally {
    for (const fn of functions.values()) fn.close();
  }
}
