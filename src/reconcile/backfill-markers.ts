/**
 * What earlier backfills sent: a marker per event in the handler's idempotency table, beside its record
 * (src/contract/reconcile.ts, BACKFILL_MARKER_PREFIX), kept until Stripe's list no longer returns the event.
 * A backfill reads the markers of the missing events to tell events it never sent from events it sent that
 * are still missing (their handler failed on them, or Lambda is still retrying them), and writes one for each
 * event Lambda accepts.
 */
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { batchGetItems, RecordRef, recordId } from './records';
import { StripeEventBridgeError } from '../contract/errors';
import { RECORD_ATTRIBUTE } from '../contract/idempotency';
import { BACKFILL_MARKER_ATTRIBUTE, BACKFILL_MARKER_PREFIX, STRIPE_EVENTS_RETENTION_SECONDS } from '../contract/reconcile';

/** A marker could not be written: names the table and says what to do. */
export class BackfillMarkerError extends StripeEventBridgeError {
  public readonly name = 'BackfillMarkerError';
}

/** An earlier backfill's marker. */
export interface BackfillMarker {
  /** How many times the event was sent. */
  readonly attempts: number;
  /** When it was last sent (epoch seconds). */
  readonly last: number;
}

/** The marker of the record `ref`. */
export function markerRef(ref: RecordRef): RecordRef {
  return { table: ref.table, key: `${BACKFILL_MARKER_PREFIX}${ref.key}` };
}

/** The markers of the records `refs` that have one, by `recordId(ref)` of the record. */
export async function readMarkers(ddb: DynamoDBClient, refs: readonly RecordRef[]): Promise<Map<string, BackfillMarker>> {
  const items = await batchGetItems(ddb, refs.map(markerRef), [BACKFILL_MARKER_ATTRIBUTE.ATTEMPTS, BACKFILL_MARKER_ATTRIBUTE.LAST]);
  const markers = new Map<string, BackfillMarker>();
  for (const ref of refs) {
    const item = items.get(recordId(markerRef(ref)));
    if (!item) continue;
    markers.set(recordId(ref), {
      attempts: Number(item[BACKFILL_MARKER_ATTRIBUTE.ATTEMPTS]?.N ?? 0),
      last: Number(item[BACKFILL_MARKER_ATTRIBUTE.LAST]?.N ?? 0),
    });
  }
  return markers;
}

/**
 * Counts one more send of the event whose record is `ref` (one UpdateItem; it creates the marker). The marker
 * expires (the table's TTL) once the event is older than Stripe's list goes back: no later reconciliation sees
 * the event again.
 */
export async function markBackfilled(ddb: DynamoDBClient, ref: RecordRef, eventCreated: number, now: number): Promise<void> {
  try {
    await ddb.send(new UpdateItemCommand({
      TableName: ref.table,
      Key: { [RECORD_ATTRIBUTE.KEY]: { S: markerRef(ref).key } },
      UpdateExpression: 'ADD #attempts :one SET #last = :now, #expiration = :expiration',
      ExpressionAttributeNames: { '#attempts': BACKFILL_MARKER_ATTRIBUTE.ATTEMPTS, '#last': BACKFILL_MARKER_ATTRIBUTE.LAST, '#expiration': RECORD_ATTRIBUTE.EXPIRATION },
      ExpressionAttributeValues: {
        ':one': { N: '1' },
        ':now': { N: String(now) },
        ':expiration': { N: String(Math.max(now, eventCreated + STRIPE_EVENTS_RETENTION_SECONDS) + 86_400) },
      },
    }));
  } catch (err) {
    const e = err as { name?: string; message?: string };
    const hint = e.name === 'AccessDeniedException' ? ` (the caller needs dynamodb:UpdateItem on ${ref.table} for keys ${BACKFILL_MARKER_PREFIX}*)` : '';
    throw new BackfillMarkerError(`remembering a backfill in ${ref.table}: ${e.name ?? 'Error'}: ${e.message ?? String(err)}${hint}`);
  }
}
