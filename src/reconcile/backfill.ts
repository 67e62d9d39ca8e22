/**
 * Delivers the events a reconciliation found missing to their handlers' functions, in the EventBridge
 * envelope a partner bus delivers them in (a thin event as the notification a thin bus delivers), as an
 * asynchronous invoke (as EventBridge invokes): a failure takes the function's usual retries and on-failure
 * dead-letter queue, and the wrapper's idempotency makes a second delivery of the same event (a repeated
 * backfill, a late original) a harmless duplicate.
 *
 * A backfill sends only what it can show was never processed, and never lets events that keep failing crowd
 * out the others:
 *
 * - Processed under another key scope. "No record under the handler's key prefix (or its previous ones)" is
 *   not "never processed" when the key scope changed without `previousKeyScopes`: the wrapper would run such an
 *   event again. So before sending, one Scan of the idempotency table looks for the missing events' records
 *   under every key prefix (src/reconcile/records.ts, findRecordsByHash); an event with a record under another
 *   prefix of the same handler (`<other scope>.<handler name>`) is not sent, and is reported with the scope to
 *   add to `previousKeyScopes`.
 * - Sent before and still missing. Each event Lambda accepts is remembered (src/reconcile/backfill-markers.ts).
 *   Events never sent go first, oldest first; an event sent before goes after them, and only once Lambda can no
 *   longer be retrying it (`retryAfterSeconds`), and at most `maxAttempts` times: after that its handler fails
 *   on it, its failures wait in the dead-letter queue, and it is reported instead of sent.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { BackfillMarker, markBackfilled, readMarkers } from './backfill-markers';
import { formatDuration, isoSeconds } from './durations';
import type { HandlerReconciliation, ReconcileResult, StripeEventRef } from './reconcile';
import { eventHash, findRecordsByHash, FoundRecord, idempotencyKey, RecordRef, recordId } from './records';
import type { ReconcileRoute } from './routes';
import type { ListedEvent } from './stripe-events';
import { KEY_SCOPE_SEPARATOR } from '../contract/idempotency';
import { DEFAULT_BACKFILL_RETRY_AFTER_SECONDS, MAX_BACKFILL_ATTEMPTS } from '../contract/reconcile';
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
  /** Where the handlers' idempotency records are: read before sending, and where sends are remembered. */
  readonly ddb: DynamoDBClient;
  /** List what would be sent; invoke and write nothing. */
  readonly dryRun?: boolean;
  /** Send at most this many events. @default - all */
  readonly limit?: number;
  /** One line per event and a summary. @default - nothing */
  readonly log?: (line: string) => void;
  /** Now, in Unix seconds. @default the clock */
  readonly now?: number;
  /** An event sent before is sent again only this long (seconds) after its last send. @default 3600 */
  readonly retryAfterSeconds?: number;
  /** An event sent this many times is not sent again. @default 3 */
  readonly maxAttempts?: number;
}

export interface BackfilledEvent {
  readonly handler: string;
  readonly id: string;
  readonly type: string;
  /** Why Lambda did not accept it, when it did not. */
  readonly error?: string;
}

/** A missing event with a record under another key prefix of its handler: it was processed under another key scope. */
export interface OtherScopeEvent extends BackfilledEvent {
  /** The records found, `<key>` (`<status>`). */
  readonly records: string[];
  /** The key scopes they are under: what `idempotency.previousKeyScopes` should list. */
  readonly keyScopes: string[];
}

/** A missing thin event not sent because its snapshot twin, missing too, has the same record and stands for both. */
export interface TwinEvent extends BackfilledEvent {
  /** The snapshot twin (`snapshot_event`). */
  readonly snapshotEvent: string;
}

/** A missing event an earlier backfill sent. */
export interface EarlierBackfill extends BackfilledEvent {
  /** Sends before this run. */
  readonly attempts: number;
  readonly lastSent: string;
  /** resent: sent again now (or would be, in a dry run); waiting: Lambda may still be retrying it; failing: sent `maxAttempts` times, not again. */
  readonly action: 'resent' | 'waiting' | 'failing';
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
  /** Not sent: processed under another key scope. */
  readonly otherScope: OtherScopeEvent[];
  /** Sent by an earlier backfill and still missing: sent again, waiting, or failing (not sent again). */
  readonly sentBefore: EarlierBackfill[];
  /** Not sent: thin events whose snapshot twin, missing too, stands for both (one record for the pair). */
  readonly twins: TwinEvent[];
  /** Sends that could not be remembered (the next run takes them for events never sent). */
  readonly warnings: string[];
}

interface Candidate {
  readonly h: HandlerReconciliation;
  readonly e: StripeEventRef;
  readonly listed: ListedEvent;
  readonly route: ReconcileRoute;
  /** The event's record under the handler's key prefix (where its marker is kept). */
  readonly ref: RecordRef;
  readonly marker?: BackfillMarker;
}

// Oldest first; of twins created in the same second, the snapshot event first (it stands for both).
const byAge = (a: Candidate, b: Candidate) =>
  a.e.created - b.e.created || Number(a.listed.payload === 'thin') - Number(b.listed.payload === 'thin') || a.e.id.localeCompare(b.e.id);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * The records of each missing event under key prefixes of its handler other than the ones the reconciliation
 * read: one Scan per idempotency table.
 */
async function otherScopeRecords(ddb: DynamoDBClient, candidates: readonly Candidate[]): Promise<Map<Candidate, FoundRecord[]>> {
  const byTable = new Map<string, Candidate[]>();
  for (const c of candidates) byTable.set(c.ref.table, [...(byTable.get(c.ref.table) ?? []), c]);
  const out = new Map<Candidate, FoundRecord[]>();
  for (const [table, inTable] of byTable) {
    const found = await findRecordsByHash(ddb, table, new Set(inTable.map((c) => eventHash(c.listed.recordId))));
    for (const c of inTable) {
      const scope = c.route.idempotency!;
      const read = new Set([scope.keyPrefix, ...scope.previousKeyPrefixes]);
      const others = (found.get(eventHash(c.listed.recordId)) ?? []).filter((r) => !read.has(r.keyPrefix) && r.keyPrefix.endsWith(`${KEY_SCOPE_SEPARATOR}${c.h.handler}`));
      if (others.length > 0) out.set(c, others);
    }
  }
  return out;
}

/** Sends the missing events, never sent ones first and oldest first, each to the function of its handler. */
export async function backfill(options: BackfillOptions): Promise<BackfillSummary> {
  const { report, events, routes } = options.result;
  const log = options.log ?? (() => undefined);
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  if (!(limit > 0)) throw new Error(`limit must be a positive number, got ${options.limit}`);
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const retryAfter = options.retryAfterSeconds ?? DEFAULT_BACKFILL_RETRY_AFTER_SECONDS;
  const maxAttempts = options.maxAttempts ?? MAX_BACKFILL_ATTEMPTS;

  let candidates: Candidate[] = report.handlers.flatMap((h) => {
    const route = routes.find((r) => r.handler === h.handler && r.functionName === h.functionName)!;
    const scope = route.idempotency;
    if (!scope) return [];
    return h.missing.map((e) => {
      const listed = events.get(e.id)!;
      return { h, e, listed, route, ref: { table: scope.table, key: idempotencyKey(scope.keyPrefix, listed.recordId) } };
    });
  }).sort(byAge);
  const missing = candidates.length;
  const summary = {
    missing,
    sent: [] as BackfilledEvent[],
    failed: [] as BackfilledEvent[],
    wouldSend: [] as BackfilledEvent[],
    notSent: 0,
    otherScope: [] as OtherScopeEvent[],
    sentBefore: [] as EarlierBackfill[],
    twins: [] as TwinEvent[],
    warnings: [] as string[],
  };
  if (missing === 0) return summary;

  const item = (c: Candidate): BackfilledEvent => ({ handler: c.h.handler, id: c.e.id, type: c.e.type });
  const what = (c: Candidate) => `${c.e.id} (${c.e.type}, ${isoSeconds(c.e.created)}) → ${c.h.handler}`;

  // A snapshot event and its thin twin routed to one handler have one record: one delivery does for both, the
  // snapshot event's (the thin one is kept only when its twin is not missing for this handler).
  const byRecord = new Map<string, Candidate>();
  for (const c of candidates) {
    const kept = byRecord.get(recordId(c.ref));
    if (!kept || (kept.listed.payload === 'thin' && c.listed.payload === 'snapshot')) byRecord.set(recordId(c.ref), c);
  }
  candidates = candidates.filter((c) => {
    const kept = byRecord.get(recordId(c.ref))!;
    if (kept === c) return true;
    summary.twins.push({ ...item(c), snapshotEvent: c.listed.recordId });
    log(`not sent ${what(c)}: left to its snapshot twin ${kept.e.id} (snapshot_event), missing too: one idempotency record for both`);
    return false;
  });

  const others = await otherScopeRecords(options.ddb, candidates);
  for (const [c, records] of others) {
    const keyScopes = [...new Set(records.map((r) => r.keyPrefix.slice(0, -(KEY_SCOPE_SEPARATOR.length + c.h.handler.length))))];
    summary.otherScope.push({ ...item(c), records: records.map((r) => `${r.key} (${r.status})`), keyScopes });
    log(`not sent ${what(c)}: processed under another key scope (${records.map((r) => `${r.key}, ${r.status}`).join('; ')}): not backfilled; ` +
      `set idempotency.previousKeyScopes to include ${keyScopes.map((s) => `'${s}'`).join(', ')}`);
  }
  candidates = candidates.filter((c) => !others.has(c));

  const markers = await readMarkers(options.ddb, candidates.map((c) => c.ref));
  candidates = candidates.map((c) => ({ ...c, marker: markers.get(recordId(c.ref)) }));
  const fresh = candidates.filter((c) => !c.marker);
  const again: Candidate[] = [];
  for (const c of candidates.filter((x) => x.marker).sort((a, b) => a.marker!.attempts - b.marker!.attempts || byAge(a, b))) {
    const { attempts, last } = c.marker!;
    const earlier = { ...item(c), attempts, lastSent: isoSeconds(last) };
    const sends = `sent by ${plural(attempts, 'backfill')}, the last ${formatDuration(Math.max(0, now - last))} ago`;
    if (attempts >= maxAttempts) {
      summary.sentBefore.push({ ...earlier, action: 'failing' });
      log(`not sent ${what(c)}: ${sends}, and still missing: its handler fails on it. Its failures are in the dead-letter queue: ` +
        'fix the handler, then run stripe-eventbridge redrive');
    } else if (now - last < retryAfter) {
      summary.sentBefore.push({ ...earlier, action: 'waiting' });
      log(`not sent ${what(c)}: ${sends}, and not processed yet (Lambda may still be retrying it); sent again ${formatDuration(retryAfter)} after the last send`);
    } else {
      again.push(c);
    }
  }

  // Events never sent first: one that keeps failing never holds back one that was never tried.
  const queue = [...fresh, ...again];
  for (const c of queue.slice(0, Math.min(queue.length, limit))) {
    const resent = c.marker ? ` (again: ${plural(c.marker.attempts, 'earlier send')}, the last at ${isoSeconds(c.marker.last)})` : '';
    if (c.marker) summary.sentBefore.push({ ...item(c), attempts: c.marker.attempts, lastSent: isoSeconds(c.marker.last), action: 'resent' });
    if (options.dryRun) {
      summary.wouldSend.push(item(c));
      log(`would send ${what(c)}${resent}`);
      continue;
    }
    try {
      const envelope = toEventBridgeEvent(c.listed.event, c.route.envelopes[c.listed.payload]);
      await options.invoke(c.route.functionName, envelope);
    } catch (err) {
      const error = `${(err as Error).name ?? 'Error'}: ${(err as Error).message ?? String(err)}`;
      summary.failed.push({ ...item(c), error });
      log(`FAILED ${what(c)}: ${error}`);
      continue;
    }
    summary.sent.push(item(c));
    try {
      await markBackfilled(options.ddb, c.ref, c.e.created, now);
      log(`sent ${what(c)}${resent}`);
    } catch (err) {
      summary.warnings.push((err as Error).message);
      log(`sent ${what(c)}${resent}, but not remembered (${(err as Error).message}): the next run takes it for an event never sent`);
    }
  }
  summary.notSent = Math.max(0, queue.length - limit);
  log(summaryLine(summary, options.dryRun === true));
  return summary;
}

function summaryLine(s: BackfillSummary, dryRun: boolean): string {
  const parts = [
    dryRun
      ? `dry run: ${s.wouldSend.length} of ${s.missing} missing events would be sent`
      : `backfill: ${s.sent.length} of ${s.missing} missing events sent to their functions, ${s.failed.length} failed`,
  ];
  if (s.notSent > 0) parts.push(`${s.notSent} left for another run (--limit)`);
  if (s.otherScope.length > 0) parts.push(`${s.otherScope.length} processed under another key scope (not sent: set previousKeyScopes)`);
  if (s.twins.length > 0) parts.push(`${s.twins.length} thin ${s.twins.length === 1 ? 'event' : 'events'} left to ${s.twins.length === 1 ? 'its snapshot twin' : 'their snapshot twins'} (one record for both)`);
  const count = (action: EarlierBackfill['action']) => s.sentBefore.filter((e) => e.action === action).length;
  if (s.sentBefore.length > 0) {
    const kinds: Array<[number, string]> = [
      [count('resent'), dryRun ? 'would be sent again' : 'sent again'],
      [count('waiting'), 'waiting for Lambda\'s retries'],
      [count('failing'), 'failing, not sent again'],
    ];
    const how = kinds.filter(([n]) => n > 0).map(([n, w]) => `${n} ${w}`).join(', ');
    parts.push(`${s.sentBefore.length} sent by an earlier backfill and still missing (${how})`);
  }
  return `${parts.join(', ')}${dryRun ? ' (nothing invoked)' : ''}`;
}
