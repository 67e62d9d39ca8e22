/**
 * The wrapper's idempotency records, read back: which Stripe events a handler completed, and which are
 * in progress. Records are Powertools' (`@aws-lambda-powertools/idempotency` 2.35.0, DynamoDBPersistenceLayer
 * with its default attribute names): partition key `id`, `status` COMPLETED or INPROGRESS, `expiration`
 * (epoch seconds) and `in_progress_expiration` (epoch milliseconds).
 */
import { createHash } from 'node:crypto';
import { AttributeValue, BatchGetItemCommand, DynamoDBClient, KeysAndAttributes, ScanCommand } from '@aws-sdk/client-dynamodb';
import { StripeEventBridgeError } from '../contract/errors';
import { KEY_HASH_SEPARATOR, RECORD_ATTRIBUTE } from '../contract/idempotency';
import { BACKFILL_MARKER_PREFIX } from '../contract/reconcile';

/**
 * The hash part of a Stripe event's record key. Powertools builds the key in
 * BasePersistenceLayer.getHashedIdempotencyKey as `${idempotencyKeyPrefix}#${generateHash(JSON.stringify(deepSort(payload)))}`
 * where the payload is `detail.id` (the wrapper's eventKeyJmesPath), deepSort leaves a string as it is, and
 * generateHash is `createHash('md5').update(data).digest('base64')` (hashFunction 'md5'): base64, not hex. The
 * Python wrapper writes the same (src/contract/idempotency.ts).
 */
export function eventHash(stripeEventId: string): string {
  return createHash('md5').update(JSON.stringify(stripeEventId)).digest('base64');
}

/** The record key of one Stripe event: `<key prefix>#<hash>`. */
export function idempotencyKey(keyPrefix: string, stripeEventId: string): string {
  return `${keyPrefix}${KEY_HASH_SEPARATOR}${eventHash(stripeEventId)}`;
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

/** The items that exist among `refs`, by `recordId(ref)`, with only the `attributes` named. */
export async function batchGetItems(
  ddb: DynamoDBClient,
  refs: readonly RecordRef[],
  attributes: readonly string[],
): Promise<Map<string, Record<string, AttributeValue>>> {
  const found = new Map<string, Record<string, AttributeValue>>();
  const unique = [...new Map(refs.map((r) => [refId(r), r])).values()];
  const names = Object.fromEntries([RECORD_ATTRIBUTE.KEY, ...attributes].map((a, i) => [`#a${i}`, a]));
  for (let i = 0; i < unique.length; i += BATCH) {
    let pending: Record<string, KeysAndAttributes> = {};
    for (const ref of unique.slice(i, i + BATCH)) {
      pending[ref.table] ??= { Keys: [], ProjectionExpression: Object.keys(names).join(', '), ExpressionAttributeNames: names };
      pending[ref.table].Keys!.push({ [RECORD_ATTRIBUTE.KEY]: { S: ref.key } });
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
        throw readError(err, Object.keys(pending).join(', '), 'dynamodb:BatchGetItem');
      }
      for (const [table, items] of Object.entries(out.Responses ?? {})) {
        for (const item of items) {
          const key = item[RECORD_ATTRIBUTE.KEY]?.S;
          if (key !== undefined) found.set(refId({ table, key }), item);
        }
      }
      pending = out.UnprocessedKeys ?? {};
    }
  }
  return found;
}

function readError(err: unknown, tables: string, action: string): RecordReadError {
  const e = err as { name?: string; message?: string };
  const hint = e.name === 'AccessDeniedException'
    ? ` (the caller needs ${action} on ${tables})`
    : e.name === 'ResourceNotFoundException'
      ? ' (the idempotency table named in the function\'s environment does not exist in this account and region)'
      : '';
  return new RecordReadError(`reading idempotency records from ${tables}: ${e.name ?? 'Error'}: ${e.message ?? String(err)}${hint}`);
}

const num = (v: AttributeValue | undefined) => (v?.N !== undefined ? Number(v.N) : undefined);

/**
 * The records that exist among `refs`, by `recordId(ref)`. Reads with BatchGetItem, 100 keys at a time,
 * only the key, status and expiry attributes (never the stored result), retrying unprocessed keys with
 * backoff as DynamoDB asks.
 */
export async function readRecords(ddb: DynamoDBClient, refs: readonly RecordRef[]): Promise<Map<string, RecordState>> {
  const items = await batchGetItems(ddb, refs, [RECORD_ATTRIBUTE.STATUS, RECORD_ATTRIBUTE.EXPIRATION, RECORD_ATTRIBUTE.IN_PROGRESS_EXPIRATION]);
  return new Map([...items].map(([id, item]) => [id, {
    status: item[RECORD_ATTRIBUTE.STATUS]?.S ?? 'UNKNOWN',
    expiration: num(item[RECORD_ATTRIBUTE.EXPIRATION]),
    inProgressExpiration: num(item[RECORD_ATTRIBUTE.IN_PROGRESS_EXPIRATION]),
  }]));
}

/** A record found by its hash, whatever its key prefix. */
export interface FoundRecord {
  readonly key: string;
  /** The key prefix: the key up to its last `#`. */
  readonly keyPrefix: string;
  readonly status: string;
}

/** `contains` terms per filter: DynamoDB allows 300 operators and functions, and 4 KB, per expression. */
const MAX_FILTER_TERMS = 100;

/**
 * Every record of the table whose key ends with one of the hashes, under any key prefix (backfill markers
 * left out), by hash. One Scan of the whole table, page by page, reading only the key and the status: DynamoDB
 * charges a Scan by the data it reads, not by what the filter returns, so the cost is that of reading the table
 * once (about 0.5 read units per 4 KB of items, eventually consistent) whatever the filter; the filter (for up
 * to 100 hashes) only keeps other records' keys off the wire. Used only before a backfill sends anything.
 */
export async function findRecordsByHash(ddb: DynamoDBClient, table: string, hashes: ReadonlySet<string>): Promise<Map<string, FoundRecord[]>> {
  const found = new Map<string, FoundRecord[]>();
  if (hashes.size === 0) return found;
  const values = [...hashes].map((h) => `${KEY_HASH_SEPARATOR}${h}`);
  const filtered = values.length <= MAX_FILTER_TERMS;
  let start: Record<string, AttributeValue> | undefined;
  do {
    let page;
    try {
      page = await ddb.send(new ScanCommand({
        TableName: table,
        Select: 'SPECIFIC_ATTRIBUTES',
        ProjectionExpression: '#id, #status',
        ExpressionAttributeNames: { '#id': RECORD_ATTRIBUTE.KEY, '#status': RECORD_ATTRIBUTE.STATUS },
        ...(filtered
          ? {
            FilterExpression: values.map((_, i) => `contains(#id, :h${i})`).join(' OR '),
            ExpressionAttributeValues: Object.fromEntries(values.map((v, i) => [`:h${i}`, { S: v }])),
          }
          : {}),
        ExclusiveStartKey: start,
      }));
    } catch (err) {
      throw readError(err, table, 'dynamodb:Scan');
    }
    for (const item of page.Items ?? []) {
      const key = item[RECORD_ATTRIBUTE.KEY]?.S;
      if (key === undefined || key.startsWith(BACKFILL_MARKER_PREFIX)) continue;
      const at = key.lastIndexOf(KEY_HASH_SEPARATOR);
      const hash = key.slice(at + 1);
      if (at < 0 || !hashes.has(hash)) continue;
      const record = { key, keyPrefix: key.slice(0, at), status: item[RECORD_ATTRIBUTE.STATUS]?.S ?? 'UNKNOWN' };
      found.set(hash, [...(found.get(hash) ?? []), record]);
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return found;
}

/** The key of `found` for a ref. */
export function recordId(ref: RecordRef): string {
  return refId(ref);
}
