/**
 * The chaos run's recovery tools, the same code the commands run: the reconciliation with backfill
 * (src/reconcile/, as `stripe-eventbridge reconcile --backfill` and the scheduled reconciliation run it) against a
 * local stand-in of Stripe's Events API holding the stream's events, and the redrive's check of each dead letter
 * with Stripe (src/cli/redrive/verify.ts), which forged messages must fail.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type Stripe from 'stripe';
import { verifyWithStripe } from '../../src/cli/redrive/verify';
import { backfill, BackfillSummary } from '../../src/reconcile/backfill';
import { reconcile } from '../../src/reconcile/reconcile';
import type { ReconcileRoute } from '../../src/reconcile/routes';
import { createStripeClient, eventWindow } from '../../src/reconcile/stripe-events';
import { StripeEventsServer } from '../../test/support/stripe-events-server';

const KEY = 'rk_test_51ChaosRunReadsEvents';

/** The Stripe account's event log: every Stripe event of the stream, as Stripe's Events API lists and retrieves them. */
export interface StripeLog {
  readonly stripe: Stripe;
  /** Stripe's clock: an hour after the stream's last event. */
  readonly now: number;
  close(): Promise<void>;
}

export async function startStripeLog(events: ReadonlyArray<Record<string, any>>): Promise<StripeLog> {
  const details = new Map<string, Record<string, any>>();
  for (const e of events) if (typeof e.detail?.id === 'string' && e.detail.object === 'event' && typeof e.detail.created === 'number') details.set(e.detail.id, e.detail);
  const now = Math.max(...[...details.values()].map((d) => d.created)) + 3600;
  // Not validated against Stripe's spec here (the tests do that for every request and response shape): the run
  // measures effects, and the stream's events come from samples of many API versions.
  const server = await StripeEventsServer.start({ apiKey: KEY, now: () => now, validate: false });
  server.seed(...details.values());
  return { stripe: createStripeClient(KEY, server.url, 'chaos'), now, close: () => server.close() };
}

/** An event a backfill handed to a function (to be delivered by the run, with Lambda's retries and faults). */
export interface BackfillDelivery {
  readonly functionName: string;
  readonly event: Record<string, unknown>;
}

/** A reconciliation over the last 3 days of Stripe's log, and a backfill of what it finds missing, at `backfillNow`. */
export async function reconcileAndBackfill(
  log: StripeLog,
  ddb: DynamoDBClient,
  routes: readonly ReconcileRoute[],
  backfillNow: number,
): Promise<{ summary: BackfillSummary; missing: number; deliveries: BackfillDelivery[] }> {
  const result = await reconcile({ routes, stripe: log.stripe, ddb, window: eventWindow(log.now, 3 * 86_400, 15 * 60), now: log.now });
  const deliveries: BackfillDelivery[] = [];
  const summary = await backfill({
    result,
    ddb,
    now: backfillNow,
    // Lambda accepts the event (202); the run delivers it as Lambda would, retries, faults and dead-letter queue included.
    invoke: async (functionName, event) => void deliveries.push({ functionName, event }),
  });
  return { summary, missing: result.report.missing, deliveries };
}

/**
 * Events planted in the dead-letter queue for one of the integration's functions, made from real events of the
 * stream: a made-up event id, a real event under another type, a real event with its amount changed, a real
 * event claimed for a connected account.
 */
export function forgedDeadLetters(checkout: Record<string, any>, other: Record<string, any>): Array<Record<string, any>> {
  type Json = Record<string, any>;
  const clone = (e: Json, detail: Json): Json => ({ ...structuredClone(e), detail: { ...structuredClone(e.detail), ...detail } });
  const madeUp = clone(checkout, { id: 'evt_1ChaosForgedMadeUp' });
  const retyped = clone(other, { type: 'checkout.session.completed' });
  retyped['detail-type'] = 'checkout.session.completed';
  const tampered = clone(checkout, {});
  tampered.detail.data.object.amount_total = 1;
  const connected = clone(checkout, { account: 'acct_1ChaosNotOurs' });
  return [madeUp, retyped, tampered, connected];
}

/** The redrive's check: each dead letter's event asked of Stripe; the forged ones are left out, with their reasons. */
export async function verifyDeadLetters<T extends { event: Record<string, any> }>(
  log: StripeLog,
  letters: readonly T[],
): Promise<{ verified: T[]; forged: Array<T & { reason: string }> }> {
  const verified: T[] = [];
  const forged: Array<T & { reason: string }> = [];
  for (const letter of letters) {
    const v = await verifyWithStripe(log.stripe, letter.event.detail);
    if (v.verdict === 'verified') verified.push(letter);
    else forged.push({ ...letter, reason: v.reason });
  }
  return { verified, forged };
}
