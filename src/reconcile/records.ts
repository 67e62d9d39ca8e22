/**
 * The wrapper's idempotency records, read back: which Stripe events a handler completed, and which are
 * in progress. Records are Powertools' (`@aws-lambda-powertools/idempotency` 2.35.0, DynamoDBPersistenceLayer
 * with its default attribute names): partition key `id`, `status` COMPLETED or INPROGRESS, `expiration`
 * (epoch seconds) and `in_progress_expiration` (epoch milliseconds).
 */
import { createHash } from 'node:crypto';
import { BatchGetItemCommand, DynamoDBClient, KeysAndAttributes } from '@aws-sdk/client-dynamodb';
import { StripeEventBridgeError } from '../contract/errors';

/**
 * The record key of one Stripe event: `<key prefix>#<hash>`. Powertools builds it in
 * BasePersistenceLayer.getHashedIdempotencyKey as `${idempotencyKeyPrefix}#${generateHash(JSON.stringify(deepSort(payload)))}`
 * where the payload is `detail.id` (the wrapper's eventKeyJmesPath), deepSort leaves a string as it is, and
 * generateHash is `createHash('md5').update(data).digest('base64')` (hashFunction 'md5'): base64, not hex.
 */
export function idempotencyKey(keyPrefix: string, stripeEventId: string): string {
  return `${keyPrefix}#${createHash('md5').update(JSON.stringify(stripeEventId)).digest('base64')}`;
}

/** Powertools' record states (IdempotencyRecordStatus). */
export const STATUS_COMPLETED = 'COMPLETED';
export const STATUS_IN_PROGRESS = 'INPROGRESS';

export interface RecordState {
  readonly status: string;
  /** When the record expires (epoch seconds). */
  readonly expiration?: number;
  /** When an in-progress record stops blocking a retry (epoch milliseconds). */
  readonly inProgressExpiration?: number;
}

export interface RecordRef {
  readonly table: string;
  readonly key: string;
}

/** The records could not be read: names the table and says what to do. */
export class RecordReadError extends StripeEventBridgeError {
  public readonly name = 'RecordReadError';
}

/** BatchGetItem takes at most 100 keys per request. */
const BATCH = 100;
const MAX_ATTEMPTS = 8;

const refId = (r: RecordRef) => `${r.table}\u0000${r.key}`;

/**
 * The records that exist among `refs`, by `recordId(ref)`. Reads with BatchGetItem, 100 keys at a time,
 * only the key, status and expiry attributes (never the stored result), retrying unprocessed keys with
 * backoff as DynamoDB asks.
 */
export async function readRecords(ddb: DynamoDBClient, refs: readonly RecordRef[]): Promise<Map<string, RecordState>> {
  const found = new Map<string, RecordState>();
  const unique = [...new Map(refs.map((r) => [refId(r), r])).values()];
  for (let i = 0; i < unique.length; i += BATCH) {
    let pending: Record<string, KeysAndAttributes> = {};
    for (const ref of unique.slice(i, i + BATCH)) {
      pending[ref.table] ??= {
        Keys: [],
        ProjectionExpression: '#id, #status, #expiration, #ipe',
        ExpressionAttributeNames: { '#id': 'id', '#status': 'status', '#expiration': 'expiration', '#ipe': 'in_progress_expiration' },
      };
      pending[ref.table].Keys!.push({ id: { S: ref.key } });
    }
    for (let attempt = 1; Object.keys(pending).length > 0; attempt++) {
      if (attempt > MAX_ATTEMPTS) {
        throw new RecordReadError(`DynamoDB left keys of ${Object.keys(pending).join(', ')} unprocessed after ${MAX_ATTEMPTS} attempts (throttled); run again later`);
      }
      if (attempt > 1) await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** attempt)));
      let out;
      try {
        out = await ddb.send(new BatchGetItemCommand({ RequestItems: pending }));
      } catch (err) {
        const e = err as { name?: string; message?: string };
        const tables = Object.keys(pending).join(', ');
        const hint = e.name === 'AccessDeniedException'
          ? ` (the caller needs dynamodb:BatchGetItem on ${tables})`
          : e.name === 'ResourceNotFoundException'
            ? ' (the idempotency table named in the function\'s environment does not exist in this account and region)'
            : '';
        throw new RecordReadError(`reading idempotency records from ${tables}: ${e.name ?? 'Error'}: ${e.message ?? String(err)}${hint}`);
      }
      for (const [table, items] of Object.entries(out.Responses ?? {})) {
        for (const item of items) {
          const key = item.id?.S;
          if (key === undefined) continue;
          found.set(refId({ table, key }), {
            status: item.status?.S ?? 'UNKNOWN',
            expiration: item.expiration?.N !== undefined ? Number(item.expiration.N) : undefined,
            inProgressExpiration: item.in_progress_expiration?.N !== undefined ? Number(item.in_progress_expiration.N) : undefined,
          });
        }
      }
      pending = out.UnprocessedKeys ?? {};
    }
  }
  return found;
}

/** The key of `found` for a ref. */
export function recordId(ref: RecordRef): string {
  return refId(ref);
}
