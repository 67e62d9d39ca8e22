/**
 * Hands the events in the integration's dead-letter queue back to their functions. Each message is
 * re-invoked asynchronously (as EventBridge invokes: the function's retries and on-failure destination
 * apply again), with the function's qualifier as the message names it, and deleted only after Lambda
 * accepted the invocation. The wrapper's idempotency makes a redrive of an event that was in fact
 * processed a harmless duplicate, as long as the event's idempotency record still exists.
 *
 * Left in the queue, each with its reason: messages that are not dead letters, messages for functions
 * that are not the queue's own (see ./functions.ts), poison (events the wrapper rejects as invalid: they
 * would fail the same way again; or moved to a queue the user names), and events older than their
 * function's record lifetime (unless forced).
 *
 * A message stays hidden while the run lasts: its lease is renewed right before it is handled, and one
 * that comes back after its visibility timeout is hidden again instead of ending the run. A run ends when
 * the queue has nothing more to give or the limit is reached; a message whose lease ran out before it
 * could be handled is counted as not attempted. Messages left in the queue are shown again at the end.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type Stripe from 'stripe';
import { DeadLetter, describeTarget, parseDeadLetter } from './dead-letter';
import { AllowedFunction, FunctionCheck } from './functions';
import { QueueMessages, queueIdentity } from './queue';
import { Verification, verifyWithStripe } from './verify';
import { MAX_EVENT_BYTES } from '../../contract/wrapper';
import { InvalidStripeEventError, validateStripeEventBridgeEvent } from '../../lambda/wrapper/envelope';

export interface RedriveOptions {
  readonly queueUrl: string;
  readonly sqs: SQSClient;
  readonly lambda: LambdaClient;
  /** List what would be redriven; invoke, move and delete nothing. */
  readonly dryRun?: boolean;
  /** Handle at most this many messages. @default - all */
  readonly limit?: number;
  /** Invoke only these functions (names or ARNs), besides the check that the queue is theirs. @default - every function of the queue */
  readonly functions?: readonly string[];
  /**
   * Move poison messages (events the wrapper rejects as invalid) and forged ones (see `stripe`) to this queue
   * instead of leaving them. @default - left in the queue
   */
  readonly poisonQueueUrl?: string;
  /**
   * Verify each event with Stripe before invoking (GET /v1/events/{id}: it exists, with the same type, account,
   * livemode, creation time and object); an event that fails is forged and never invoked.
   * @default - the bodies are not verified, and the summary says so
   */
  readonly stripe?: Stripe;
  /** Redrive events older than their function's idempotency record lifetime too (their handlers may run again). @default false */
  readonly force?: boolean;
  /** Seconds a message stays hidden from other readers while the run handles it. @default 300 */
  readonly visibilityTimeoutSeconds?: number;
  /** Long-polling wait of each receive, in seconds. @default 1 */
  readonly waitTimeSeconds?: number;
  /** The clock, in epoch milliseconds. @default Date.now */
  readonly now?: () => number;
  /** One line per message and a summary. @default console.log */
  readonly log?: (line: string) => void;
}

export interface RedriveCounts {
  /** Distinct messages received. */
  readonly received: number;
  readonly redriven: number;
  /** Dry run: messages that would be redriven. */
  readonly wouldRedrive: number;
  /** Invocations Lambda did not accept; the messages stay in the queue. */
  readonly failed: number;
  /** Messages that are not dead letters of an integration; they stay in the queue. */
  readonly unrecognized: number;
  /** Messages for a function that is not the queue's own (or not among `functions`); they stay in the queue. */
  readonly refused: number;
  /** Events the wrapper rejects as invalid; left in the queue, or moved (`movedPoison`). */
  readonly poison: number;
  readonly movedPoison: number;
  /** Events older than their function's record lifetime, left in the queue (without `force`). */
  readonly tooOld: number;
  /** Events older than their function's record lifetime that were redriven anyway (`force`): their handlers may run again. */
  readonly staleRedriven: number;
  /** Redriven, but the message could not be deleted: the next run redrives it again (a duplicate to the wrapper). */
  readonly notDeleted: number;
  /** Received, but their visibility ran out before they could be handled; they are back in the queue. */
  readonly notAttempted: number;
  /** Events Stripe does not have as the message says (with `stripe`); left in the queue, or moved (`movedPoison`). */
  readonly forged: number;
  /** Events Stripe could not be asked about (a refused key, Stripe unreachable); left in the queue. */
  readonly unverified: number;
}

export interface RedriveSummary extends RedriveCounts {
  /** Whether the bodies were verified with Stripe before any invocation. */
  readonly bodiesVerified: boolean;
}

type Counts = { -readonly [K in keyof RedriveCounts]: number };

/** What to do with one dead letter. */
type Decision =
  | { readonly kind: 'redrive'; readonly letter: DeadLetter; readonly stale?: string }
  | { readonly kind: 'refused'; readonly letter: DeadLetter; readonly reason: string }
  | { readonly kind: 'poison'; readonly letter: DeadLetter; readonly reason: string }
  | { readonly kind: 'forged'; readonly letter: DeadLetter; readonly reason: string }
  | { readonly kind: 'unverified'; readonly letter: DeadLetter; readonly reason: string }
  | { readonly kind: 'tooOld'; readonly letter: DeadLetter; readonly reason: string };

interface Tracked {
  handle: string;
  /** pending: received, not handled yet (or its lease ran out first); done: gone from the queue; left: stays. */
  state: 'pending' | 'done' | 'left';
}

function attributesOf(message: Message): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(message.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue]));
}

function describe(letter: DeadLetter): string {
  const event = letter.stripeEventId ? `${letter.stripeEventType ?? 'event'} ${letter.stripeEventId}` : 'event';
  return `${event} → ${describeTarget(letter.target)}`;
}

/** 9 days, 5 hours, 40 minutes: the largest unit that fits. */
export function humanDuration(seconds: number): string {
  const units: Array<[string, number]> = [['day', 86_400], ['hour', 3_600], ['minute', 60], ['second', 1]];
  const [unit, size] = units.find(([, s]) => seconds >= s) ?? units[units.length - 1];
  const n = Math.floor(seconds / size);
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/**
 * Why an event is older than its function's idempotency record lifetime, or undefined when it is not.
 *
 * Its age counts from the Stripe event's `created`, not from the envelope's `time`: the record was written
 * when the event was first processed, which can be from another envelope of the same Stripe event (a
 * duplicate delivery, an archive replay) than the one in this message, so this envelope's `time` can be
 * later than the record's writing. No delivery of a Stripe event comes before its `created`, so
 * now − created bounds the record's age from above: within the lifetime, the record is still there (a
 * redrive is a duplicate); beyond it, it may be gone and the handler would run again.
 */
function staleness(letter: DeadLetter, fn: AllowedFunction, nowMs: number): string | undefined {
  const created = (letter.event.detail as { created?: unknown } | undefined)?.created;
  if (fn.recordLifetimeSeconds === undefined || typeof created !== 'number') return undefined;
  const ageSeconds = Math.max(0, Math.floor(nowMs / 1000 - created));
  if (ageSeconds <= fn.recordLifetimeSeconds) return undefined;
  return `created ${humanDuration(ageSeconds)} ago, longer than the record lifetime of ${letter.target.name} (${humanDuration(fn.recordLifetimeSeconds)})`;
}

async function decide(
  letter: DeadLetter,
  functions: FunctionCheck,
  options: RedriveOptions,
  nowMs: number,
  verify: (letter: DeadLetter) => Promise<Verification | undefined>,
): Promise<Decision> {
  const verdict = await functions.check(letter.target);
  if (!verdict.allowed) return { kind: 'refused', letter, reason: `${describeTarget(letter.target)} is not invoked: ${verdict.reason}` };
  if (letter.rejectedAsInvalid !== undefined) return { kind: 'poison', letter, reason: `the wrapper rejected it (${letter.rejectedAsInvalid})` };
  if (verdict.wrapped) {
    try {
      validateStripeEventBridgeEvent(letter.event, { sourcePrefix: verdict.sourcePrefix, maxBytes: MAX_EVENT_BYTES });
    } catch (err) {
      if (!(err instanceof InvalidStripeEventError)) throw err;
      return { kind: 'poison', letter, reason: `the wrapper would reject it (${err.message})` };
    }
  }
  const stale = staleness(letter, verdict, nowMs);
  if (stale !== undefined && !options.force) return { kind: 'tooOld', letter, reason: stale };
  // Asked of Stripe last: only for an event that would otherwise be invoked.
  const verification = await verify(letter);
  if (verification?.verdict === 'forged') return { kind: 'forged', letter, reason: `forged: ${verification.reason}` };
  if (verification?.verdict === 'unverified') return { kind: 'unverified', letter, reason: verification.reason };
  return { kind: 'redrive', letter, stale };
}

export async function redrive(options: RedriveOptions): Promise<RedriveSummary> {
  const log = options.log ?? ((line: string) => console.log(line));
  const now = options.now ?? Date.now;
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  if (!(limit > 0)) throw new Error(`limit must be a positive number, got ${options.limit}`);
  const lease = options.visibilityTimeoutSeconds ?? 300;
  const queue = new QueueMessages(options.sqs, options.queueUrl);
  const functions = new FunctionCheck({ lambda: options.lambda, queue: await queueIdentity(options.sqs, options.queueUrl), only: options.functions });
  const counts: Counts = {
    received: 0,
    redriven: 0,
    wouldRedrive: 0,
    failed: 0,
    unrecognized: 0,
    refused: 0,
    poison: 0,
    movedPoison: 0,
    tooOld: 0,
    staleRedriven: 0,
    notDeleted: 0,
    notAttempted: 0,
    forged: 0,
    unverified: 0,
  };
  const tracked = new Map<string, Tracked>();
  // One request per Stripe event and account, however many messages carry it (a rule's and a function's copy).
  const verifications = new Map<string, Promise<Verification>>();
  const verify = async (letter: DeadLetter): Promise<Verification | undefined> => {
    if (!options.stripe) return undefined;
    const detail = letter.event.detail as Record<string, unknown> | undefined;
    const key = `${String(detail?.account)}/${String(detail?.id)}`;
    if (!verifications.has(key)) verifications.set(key, verifyWithStripe(options.stripe, detail));
    return verifications.get(key)!;
  };

  /** Handles one message it holds a fresh lease on; marks the entry done when the message is gone from the queue. */
  const handle = async (message: Message, entry: Tracked): Promise<void> => {
    let letter: DeadLetter;
    try {
      letter = parseDeadLetter({ messageId: message.MessageId!, body: message.Body ?? '', attributes: attributesOf(message) });
    } catch (err) {
      counts.unrecognized++;
      log(`skip ${message.MessageId}: ${(err as Error).message}; left in the queue`);
      return;
    }
    const decision = await decide(letter, functions, options, now(), verify);
    if (decision.kind === 'refused') {
      counts.refused++;
      log(`refused ${message.MessageId} (${describe(letter)}): ${decision.reason}; left in the queue`);
      return;
    }
    if (decision.kind === 'tooOld') {
      counts.tooOld++;
      log(`too old ${describe(letter)}: ${decision.reason}, so its record may be gone and its handler would run again; left in the queue (--force redrives it)`);
      return;
    }
    if (decision.kind === 'unverified') {
      counts.unverified++;
      log(`not verified ${message.MessageId} (${describe(letter)}): ${decision.reason}; not invoked, left in the queue`);
      return;
    }
    if (decision.kind === 'poison' || decision.kind === 'forged') {
      counts[decision.kind]++;
      const what = `${decision.kind} ${message.MessageId} (${describe(letter)}): ${decision.reason}`;
      if (options.poisonQueueUrl === undefined || options.dryRun) {
        log(`${what}; ${options.dryRun && options.poisonQueueUrl ? 'would be moved' : 'left in the queue'}`);
        return;
      }
      const copyError = await queue.copyTo(options.poisonQueueUrl, message, decision.reason);
      if (copyError) {
        log(`${what}; could not be moved (${copyError.message}); left in the queue`);
        return;
      }
      const deleteError = await queue.delete(entry.handle);
      counts.movedPoison++;
      entry.state = 'done';
      log(`${what}; moved to ${options.poisonQueueUrl}${deleteError ? `, but not deleted here (${deleteError.message})` : ''}`);
      return;
    }
    const forced = decision.stale ? ` (forced: ${decision.stale}; its handler may run again)` : '';
    if (options.dryRun) {
      counts.wouldRedrive++;
      if (decision.stale) counts.staleRedriven++;
      log(`would redrive ${describe(letter)} (${letter.origin}: ${letter.reason})${forced}`);
      return;
    }
    try {
      const result = await options.lambda.send(new InvokeCommand({
        FunctionName: letter.target.arn,
        Qualifier: letter.target.qualifier,
        InvocationType: 'Event',
        Payload: Buffer.from(JSON.stringify(letter.event)),
      }));
      if (result.StatusCode !== 202) throw new Error(`Lambda answered ${result.StatusCode}, not 202 Accepted`);
    } catch (err) {
      counts.failed++;
      log(`FAILED ${describe(letter)}: ${(err as Error).message}; left in the queue`);
      return;
    }
    counts.redriven++;
    if (decision.stale) counts.staleRedriven++;
    entry.state = 'done';
    // Deleted only after Lambda accepted the event: a crash in between redrives it again, which the
    // wrapper's idempotency absorbs. A failed delete ends nothing: the message stays, and is said to.
    const deleteError = await queue.delete(entry.handle);
    if (deleteError) {
      counts.notDeleted++;
      log(`redriven ${describe(letter)}${forced}, but the message could not be deleted (${deleteError.message}): the next run redrives it again, a duplicate to the wrapper`);
      return;
    }
    log(`redriven ${describe(letter)}${forced}`);
  };

  let idleRounds = 0;
  while (counts.received < limit || [...tracked.values()].some((t) => t.state === 'pending')) {
    const out = await options.sqs.send(new ReceiveMessageCommand({
      QueueUrl: options.queueUrl,
      MaxNumberOfMessages: Math.max(1, Math.min(10, Number.isFinite(limit) ? limit - counts.received : 10)),
      MessageAttributeNames: ['All'],
      VisibilityTimeout: lease,
      WaitTimeSeconds: options.waitTimeSeconds ?? 1,
    }));
    const messages = (out.Messages ?? []).filter((m) => m.MessageId && m.ReceiptHandle);
    if (messages.length === 0) break;
    let progressed = false;
    for (const message of messages) {
      let entry = tracked.get(message.MessageId!);
      if (entry && entry.state !== 'pending') {
        // Back after its visibility timeout, already handled in this run: hidden again, not handled twice.
        entry.handle = message.ReceiptHandle!;
        await queue.hide(entry.handle, lease);
        continue;
      }
      if (!entry) {
        if (counts.received >= limit) {
          await queue.show(message.ReceiptHandle!);
          continue;
        }
        counts.received++;
        entry = { handle: message.ReceiptHandle!, state: 'pending' };
        tracked.set(message.MessageId!, entry);
      }
      entry.handle = message.ReceiptHandle!;
      progressed = true;
      // A fresh lease right before handling: the batch may have waited longer than the visibility timeout.
      const leaseError = await queue.hide(entry.handle, lease);
      if (leaseError) {
        log(`not attempted ${message.MessageId}: its visibility ran out before its turn (${leaseError.message}); it is back in the queue`);
        continue;
      }
      entry.state = 'left';
      await handle(message, entry);
    }
    idleRounds = progressed ? 0 : idleRounds + 1;
    // Only messages this run has handled keep coming back: nothing more to get.
    if (idleRounds >= 3) break;
  }

  for (const entry of tracked.values()) {
    if (entry.state === 'left') await queue.show(entry.handle);
    if (entry.state === 'pending') counts.notAttempted++;
  }
  log(summaryLine(counts, options));
  return { ...counts, bodiesVerified: options.stripe !== undefined };
}

function summaryLine(c: Counts, options: RedriveOptions): string {
  const forged = options.stripe ? `, ${c.forged} forged${c.unverified > 0 ? `, ${c.unverified} not verified` : ''}` : '';
  const left = `${c.unrecognized} unrecognized, ${c.refused} refused, ${c.poison} poison${forged}, ${c.tooOld} too old`;
  const parts = options.dryRun
    ? [`dry run: ${c.wouldRedrive} would be redriven, ${left}, of ${c.received} received (nothing invoked, moved or deleted)`]
    : [`${c.redriven} redriven, ${c.failed} failed, ${left}, of ${c.received} received`];
  if (c.movedPoison > 0) parts.push(`${c.movedPoison} ${c.forged > 0 ? 'poison or forged' : 'poison'} moved to ${options.poisonQueueUrl}`);
  if (c.notDeleted > 0) parts.push(`${c.notDeleted} redriven but not deleted (the next run redrives them again)`);
  if (c.notAttempted > 0) parts.push(`${c.notAttempted} not attempted (their visibility ran out first; they are back in the queue)`);
  if (c.staleRedriven > 0) {
    parts.push(`${c.staleRedriven} ${options.dryRun ? 'would be' : 'were'} redriven although older than their function's record lifetime: their handlers may run again`);
  }
  parts.push(options.stripe
    ? 'each event was verified with Stripe (GET /v1/events/{id}) before it was invoked'
    : 'the bodies were not verified with Stripe (no key: set STRIPE_API_KEY or pass --secret to verify each event before it is invoked)');
  return parts.join('; ');
}
