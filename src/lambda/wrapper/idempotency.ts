/**
 * The idempotency store: Powertools' DynamoDB persistence layer (its schema, its key, two requests per fresh
 * event and one per duplicate), one instance per invocation in progress over one shared client (reused by the
 * invocations that follow: InvocationStores, idempotency-stores.ts), with what matters once the business effect
 * has happened (src/contract/idempotency.ts is the contract it writes):
 *
 * - the in-progress put returns the record it replaced, so a retry after an unfinished attempt, or after a
 *   record outlived its lifetime, is reported instead of passing for a first delivery;
 * - `commit()` writes the handler's own DynamoDB actions and the record's completion in one
 *   TransactWriteItems, conditioned on the record still being this invocation's in-progress record: the
 *   effect and the completion happen together or not at all;
 * - every write after the in-progress put (the plain completion too) is conditioned on the record still being
 *   this invocation's in-progress record: a record taken over by another delivery is never overwritten, and the
 *   invocation fails with IdempotencyRecordLostError;
 * - a handler error deletes the record only while it is still this invocation's in-progress record;
 * - the record carries Powertools' payload validation hash of the event's type and account, so a delivery that
 *   reuses an `evt_` id for another event is refused instead of answered as a duplicate;
 * - with previous key prefixes (an earlier key scope), a fresh event also reads its records there: a completed
 *   one makes it a duplicate, an unfinished one in progress (src/contract/idempotency.ts, request 1b);
 * - a result that DynamoDB refuses is stored as `null` and the record still completes (instead of staying
 *   in progress for a retry to repeat the effect); what was stored is what this delivery returns;
 * - a failure to reach the table is reported as an `IdempotencyStoreError` (store-errors.ts) that says which table, why and
 *   whether the handler ran, instead of Powertools' cause-less "Failed to … idempotency store".
 */
import { IdempotencyConfig, IdempotencyItemAlreadyExistsError } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';
import {
  AttributeValue,
  BatchGetItemCommand,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItem,
  TransactWriteItemsCommand,
  Update,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { idempotencyConfig, keyJson, PowertoolsHashing, validationJson } from './idempotency-key';
import { describeCause, IdempotencyRecordLostError, PreviousKeysReadError, TransactionOutcomeUnknownError } from './store-errors';
import { COMPLETION_UPDATE, KEY_HASH_SEPARATOR, OWN_RECORD_CONDITION, RECORD_ATTRIBUTE as A, RECORD_STATUS } from '../../contract/idempotency';

/** The record that the in-progress put replaced: an attempt that never finished, or one past its lifetime. */
export type ReplacedRecord = 'expired_in_progress' | 'expired_completed';

export interface IdempotencyStoreOptions {
  readonly tableName: string;
  /** DynamoDB endpoint override (DynamoDB Local). @default - the regional endpoint */
  readonly endpoint?: string;
  /** Called when DynamoDB refused a result and `null` is stored instead. */
  readonly onResultRejected: (idempotencyKey: string, reason: string) => void;
  /** Key prefixes of an earlier key scope, most recent first (`STRIPE_EB_IDEMPOTENCY_PREVIOUS_KEY_PREFIXES`). @default none */
  readonly previousKeyPrefixes?: readonly string[];
  /** Called when completing this invocation's record after a duplicate found under a previous prefix failed. */
  readonly onPreviousCompletionFailed?: (idempotencyKey: string, reason: string) => void;
  /** How long a completed record is kept (`STRIPE_EB_IDEMPOTENCY_TTL_SECONDS`). */
  readonly ttlSeconds: number;
}

/** What decided a delivery under a previous key prefix. */
export interface PreviousRecord {
  readonly prefix: string;
  readonly status: string;
}

/** DynamoDB's answer when the stored item would be invalid: its size, its nesting, one of its values. */
function isRejectedItem(err: unknown): boolean {
  return (err as { name?: string } | undefined)?.name === 'ValidationException';
}

function isConditionFailed(err: unknown): boolean {
  return (err as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';
}

const NAMES = { '#id': A.KEY, '#expiry': A.EXPIRATION, '#status': A.STATUS, '#in_progress_expiry': A.IN_PROGRESS_EXPIRATION };
/** BatchGetItem leaves keys unprocessed when throttled: read them again, at most this many times in all. */
const MAX_READ_ATTEMPTS = 4;

/** One invocation's view of its record: Powertools drives it; the wrapper and `commit()` read what it learned. */
export class InvocationStore extends DynamoDBPersistenceLayer {
  /** The record's key, once this invocation put it in progress. */
  public key?: string;
  /** This invocation's `in_progress_expiration`, the value that proves the record is still its own. */
  public inProgressExpiry?: number;
  /** What the in-progress put replaced, if anything. */
  public replaced?: ReplacedRecord;
  /** Set when `commit()` completed the record together with the handler's actions. */
  public committed?: { readonly result: unknown; readonly actions: number };
  /** Set when the stored result differs from the one handed over (DynamoDB refused it: `null` was stored). */
  public stored?: { readonly value: unknown };
  /**
   * Set when the invocation must fail whatever the handler returns: a transaction whose outcome is unknown, a
   * record taken over, a second `transactWrite` after the commit. A handler that catches the error cannot turn
   * the invocation into a success.
   */
  public failure?: Error;
  /** Set when the record of an earlier key scope decided the delivery (a duplicate, or in progress). */
  public previous?: PreviousRecord;
  /**
   * Which invocation the store serves: begin() and end() move it on, so the `context.effects` of an invocation that
   * has ended (a handler that calls them late) see another number and write nothing.
   */
  public invocation = 0;
  /** A commit() is in flight: a handler that did not await transactWrite can leave one behind its invocation. */
  public committing = false;
  /** The event the key was last hashed for, and the key (Powertools hashes it again for each request). */
  private hashed?: { readonly data: unknown; readonly key: string };
  /** The event the validation hash was last computed for, and the hash (Powertools computes it again for each request). */
  private payloadHashed?: { readonly data: unknown; readonly hash: string };

  /**
   * Powertools' configuration of this store's invocations: one per store, made once, since Powertools registers in it
   * the Lambda context of the invocation it serves (from which it sets the in-progress record to expire at that
   * invocation's deadline), and a store serves one invocation at a time.
   */
  public readonly config: IdempotencyConfig;

  constructor(private readonly ddb: DynamoDBClient, private readonly options: IdempotencyStoreOptions) {
    super({ tableName: options.tableName, awsSdkV3Client: ddb });
    this.config = idempotencyConfig(options.ttlSeconds);
  }

  /** Starts an invocation: what the previous one learned is forgotten. */
  public begin(): void {
    this.invocation++;
    this.key = undefined;
    this.inProgressExpiry = undefined;
    this.replaced = undefined;
    this.committed = undefined;
    this.stored = undefined;
    this.failure = undefined;
    this.previous = undefined;
    this.hashed = undefined;
    this.payloadHashed = undefined;
  }

  /** Ends the invocation: its `context.effects` write nothing more. */
  public end(): void {
    this.invocation++;
  }

  /**
   * Powertools' key (a JMESPath search, a JSON text, an MD5 digest), hashed once per invocation instead of once per
   * request, and without the search where `detail.id` is a non-empty string (Powertools' search builds an interpreter
   * each time; an empty one is missing, which Powertools refuses).
   */
  protected getHashedIdempotencyKey(data: Parameters<DynamoDBPersistenceLayer['getHashedIdempotencyKey']>[0]): string {
    if (this.hashed === undefined || this.hashed.data !== data) {
      const base = this as unknown as PowertoolsHashing;
      const json = base.generateHash ? keyJson(base, data) : undefined;
      const key = json !== undefined ? `${this.idempotencyKeyPrefix}${KEY_HASH_SEPARATOR}${base.generateHash!(json)}` : super.getHashedIdempotencyKey(data);
      this.hashed = { data, key };
    }
    return this.hashed.key;
  }

  /**
   * Powertools' payload validation hash (its getHashedPayload, which this replaces: see below the class), computed
   * once per invocation instead of once per request (a duplicate needs it twice), and without the search where
   * PAYLOAD_VALIDATION_JMESPATH's `[detail.type, detail.account]` is a string and a string or nothing: the same list
   * as Powertools' search (a field it does not find is null), hashed as it hashes it.
   */
  public hashedPayload(data: unknown): string {
    if (this.payloadHashed === undefined || this.payloadHashed.data !== data) {
      const base = this as unknown as PowertoolsHashing;
      const json = base.generateHash && this.isPayloadValidationEnabled() ? validationJson(base, data) : undefined;
      const hash = json !== undefined ? base.generateHash!(json) : POWERTOOLS.getHashedPayload.call(this, data);
      this.payloadHashed = { data, hash };
    }
    return this.payloadHashed.hash;
  }

  /** The table's name (for the checks of the handler's actions and for messages). */
  public get idempotencyTableName(): string {
    return this.options.tableName;
  }

  /** The record's primary key as DynamoDB takes it. */
  public recordKey(): Record<string, AttributeValue> {
    return this.getKey(this.key!);
  }

  /**
   * Powertools' in-progress put (same item, same condition), asking DynamoDB for the item it replaced.
   * A failed condition is Powertools' IdempotencyItemAlreadyExistsError with the existing record.
   */
  protected async _putRecord(record: IdempotencyRecord): Promise<void> {
    // Written value by value (as marshall writes them), not spread: spreads cost more than the values.
    const item: Record<string, AttributeValue> = this.getKey(record.idempotencyKey);
    item[A.EXPIRATION] = { N: String(record.expiryTimestamp) };
    item[A.STATUS] = { S: record.getStatus() };
    if (record.inProgressExpiryTimestamp !== undefined) item[A.IN_PROGRESS_EXPIRATION] = { N: String(record.inProgressExpiryTimestamp) };
    if (this.isPayloadValidationEnabled() && record.payloadHash !== undefined) item[A.VALIDATION] = { S: record.payloadHash };
    const now = Date.now();
    try {
      const out = await this.ddb.send(new PutItemCommand({
        TableName: this.options.tableName,
        Item: item,
        ConditionExpression: 'attribute_not_exists(#id) OR #expiry < :now OR (#status = :inprogress AND attribute_exists(#in_progress_expiry) AND #in_progress_expiry < :now_in_millis)',
        ExpressionAttributeNames: NAMES,
        ExpressionAttributeValues: { ':now': { N: String(now / 1000) }, ':now_in_millis': { N: String(now) }, ':inprogress': { S: RECORD_STATUS.IN_PROGRESS } },
        ReturnValues: 'ALL_OLD',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }));
      this.key = record.idempotencyKey;
      this.inProgressExpiry = record.inProgressExpiryTimestamp;
      if (out.Attributes) {
        this.replaced = unmarshall(out.Attributes)[A.STATUS] === RECORD_STATUS.IN_PROGRESS ? 'expired_in_progress' : 'expired_completed';
      }
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
      const existing = (err as { Item?: Record<string, AttributeValue> }).Item;
      throw new IdempotencyItemAlreadyExistsError(
        `Failed to put record for already existing idempotency key: ${record.idempotencyKey}`,
        existing && toIdempotencyRecord(existing, record.payloadHash),
      );
    }
    if (this.options.previousKeyPrefixes?.length) await this.checkPreviousKeys(record);
  }

  /**
   * Request 1b of the record contract: the event's records under the previous key prefixes, read once. A live
   * COMPLETED one makes the delivery a duplicate (this invocation's record completes with its result, so later
   * copies need one request); else a live INPROGRESS one makes it in progress (this invocation's record is
   * released). Either is handed to Powertools as the record that already exists, which checks its validation
   * hash (another event under the same id: IdempotencyValidationError) and answers as for the current prefix.
   */
  private async checkPreviousKeys(record: IdempotencyRecord): Promise<void> {
    const hash = record.idempotencyKey.slice(this.idempotencyKeyPrefix.length + KEY_HASH_SEPARATOR.length);
    const prefixes = this.options.previousKeyPrefixes!;
    let items: Map<string, Record<string, AttributeValue>>;
    try {
      items = await this.readKeys(prefixes.map((p) => `${p}${KEY_HASH_SEPARATOR}${hash}`));
    } catch (err) {
      await this.release().catch(() => undefined);
      throw new PreviousKeysReadError(prefixes, err);
    }
    const now = Date.now();
    const live = (i: Record<string, AttributeValue>) => Number(i[A.EXPIRATION]?.N ?? 0) * 1000 > now;
    const found = prefixes.map((prefix) => ({ prefix, item: items.get(`${prefix}${KEY_HASH_SEPARATOR}${hash}`) }))
      .filter((p): p is { prefix: string; item: Record<string, AttributeValue> } => p.item !== undefined && live(p.item));
    const completed = found.find((p) => p.item[A.STATUS]?.S === RECORD_STATUS.COMPLETED);
    const inProgress = found.find(
      (p) => p.item[A.STATUS]?.S === RECORD_STATUS.IN_PROGRESS && Number(p.item[A.IN_PROGRESS_EXPIRATION]?.N ?? Infinity) > now,
    );
    const decisive = completed ?? inProgress;
    if (!decisive) return;
    this.previous = { prefix: decisive.prefix, status: decisive.item[A.STATUS].S! };
    const existing = toIdempotencyRecord(decisive.item, record.payloadHash);
    const sameEvent = !this.isPayloadValidationEnabled() || existing.payloadHash === record.payloadHash;
    if (completed && sameEvent) {
      try {
        await this.complete(completed.item[A.DATA] ?? { NULL: true });
      } catch (err) {
        // The event was processed: this delivery is a duplicate whatever happens to its own record, which, left in
        // progress, blocks copies until its deadline and is then taken over by one that finds the same record.
        this.options.onPreviousCompletionFailed?.(record.idempotencyKey, describeCause(err));
      }
    } else {
      await this.release().catch(() => undefined);
    }
    throw new IdempotencyItemAlreadyExistsError(`Found a record for the event under the previous key prefix ${decisive.prefix}`, existing);
  }

  /** Strongly consistent reads of `keys`: a GetItem for one, a BatchGetItem for several. */
  private async readKeys(keys: readonly string[]): Promise<Map<string, Record<string, AttributeValue>>> {
    const found = new Map<string, Record<string, AttributeValue>>();
    if (keys.length === 1) {
      const out = await this.ddb.send(new GetItemCommand({ TableName: this.options.tableName, Key: this.getKey(keys[0]), ConsistentRead: true }));
      if (out.Item) found.set(out.Item[A.KEY].S!, out.Item);
      return found;
    }
    let pending: Array<Record<string, AttributeValue>> = keys.map((k) => this.getKey(k));
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > MAX_READ_ATTEMPTS) throw new Error(`DynamoDB left ${pending.length} keys unprocessed after ${MAX_READ_ATTEMPTS} attempts (throttled)`);
      if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
      const request = { [this.options.tableName]: { Keys: pending, ConsistentRead: true } };
      const out = await this.ddb.send(new BatchGetItemCommand({ RequestItems: request }));
      for (const item of out.Responses?.[this.options.tableName] ?? []) found.set(item[A.KEY].S!, item);
      pending = out.UnprocessedKeys?.[this.options.tableName]?.Keys ?? [];
    }
    return found;
  }

  /**
   * The values of OWN_RECORD_CONDITION (the bare in-progress condition when no deadline was known), in new objects
   * that the caller may add to.
   */
  private ownRecordCondition(): { ConditionExpression: string; names: Record<string, string>; values: Record<string, AttributeValue> } {
    const names: Record<string, string> = { '#status': A.STATUS };
    const values: Record<string, AttributeValue> = { ':inprogress': { S: RECORD_STATUS.IN_PROGRESS } };
    if (this.inProgressExpiry === undefined) return { ConditionExpression: '#status = :inprogress', names, values };
    names['#in_progress_expiry'] = A.IN_PROGRESS_EXPIRATION;
    values[':in_progress_expiry'] = { N: String(this.inProgressExpiry) };
    return { ConditionExpression: OWN_RECORD_CONDITION, names, values };
  }

  /** Request 2a's UpdateItem input (also the transaction's last action, request 2b): the completion with `data`. */
  private completion(data: AttributeValue): Update & { TableName: string } {
    const { ConditionExpression, names, values } = this.ownRecordCondition();
    names['#expiry'] = A.EXPIRATION;
    names['#response_data'] = A.DATA;
    values[':expiry'] = { N: String(Math.round(Date.now() / 1000 + this.getExpiresAfterSeconds())) };
    values[':status'] = { S: RECORD_STATUS.COMPLETED };
    values[':response_data'] = data;
    return {
      TableName: this.options.tableName,
      Key: this.recordKey(),
      UpdateExpression: COMPLETION_UPDATE,
      ConditionExpression,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    };
  }

  /** Request 2a: completes this invocation's record with `data`, only while it is still its own. */
  private async complete(data: AttributeValue): Promise<void> {
    await this.ddb.send(new UpdateItemCommand(this.completion(data)));
  }

  /** Request 3: deletes this invocation's record, only while it is still its own. A record it no longer owns stays. */
  private async release(): Promise<void> {
    const own = this.ownRecordCondition();
    try {
      await this.ddb.send(new DeleteItemCommand({
        TableName: this.options.tableName,
        Key: this.recordKey(),
        ConditionExpression: own.ConditionExpression,
        ExpressionAttributeNames: own.names,
        ExpressionAttributeValues: own.values,
      }));
    } catch (err) {
      // Completed by this invocation's own transaction, or taken over after its deadline: not ours to delete.
      if (!isConditionFailed(err)) throw err;
    }
  }

  /** The record was taken over or removed: the invocation fails, whatever its handler returns. */
  private recordLost(what: string, cause: unknown): IdempotencyRecordLostError {
    this.failure = new IdempotencyRecordLostError(
      `the idempotency record ${this.key} in ${this.options.tableName} is no longer this invocation's in-progress record ` +
        `(its deadline passed and another delivery took it over, or it was removed), so ${what}. ` +
        'The event fails; its retry finds out whether another delivery completed it.',
      { cause },
    );
    return this.failure as IdempotencyRecordLostError;
  }

  /**
   * The plain completion (request 2a, Powertools' UpdateItem made conditional), unless `commit()` already
   * completed the record. A record that is no longer this invocation's is left as it is: IdempotencyRecordLostError.
   */
  protected async _updateRecord(record: IdempotencyRecord): Promise<void> {
    if (this.committed) return;
    try {
      await this.complete(toAttributeValue(record.responseData));
    } catch (err) {
      if (isConditionFailed(err)) throw this.recordLost('it was not completed: nothing was written over it', err);
      if (record.responseData === undefined || record.responseData === null || !isRejectedItem(err)) throw err;
      this.options.onResultRejected(record.idempotencyKey, describeCause(err));
      try {
        await this.complete({ NULL: true });
      } catch (again) {
        if (isConditionFailed(again)) throw this.recordLost('it was not completed: nothing was written over it', again);
        throw again;
      }
      this.stored = { value: null };
    }
  }

  /** Deletes the record after a handler error (request 3), only while it is still this invocation's in-progress record. */
  protected async _deleteRecord(record: IdempotencyRecord): Promise<void> {
    if (this.key !== record.idempotencyKey) return super._deleteRecord(record);
    await this.release();
  }

  /**
   * Commits the handler's actions and the record's completion in one TransactWriteItems (the record last).
   * Resolves to the result as stored. A cancelled transaction committed nothing: a cancellation of one of
   * the handler's actions is rethrown as DynamoDB's own TransactionCanceledException (its
   * CancellationReasons one per handler action, in order), the record's own as IdempotencyRecordLostError.
   */
  public async commit(actions: readonly TransactWriteItem[], result: unknown): Promise<unknown> {
    this.committing = true;
    try {
      return await this.commitOnce(actions, result);
    } finally {
      this.committing = false;
    }
  }

  private async commitOnce(actions: readonly TransactWriteItem[], result: unknown): Promise<unknown> {
    try {
      await this.sendTransaction(actions, result);
      this.committed = { result, actions: actions.length };
      return result;
    } catch (err) {
      if (isRejectedItem(err) && result !== null) {
        // Maybe the result: try once without it (a refusal of the handler's own items fails again, unchanged).
        try {
          await this.sendTransaction(actions, null);
        } catch {
          throw err;
        }
        this.options.onResultRejected(this.key!, describeCause(err));
        this.committed = { result: null, actions: actions.length };
        this.stored = { value: null };
        return null;
      }
      throw this.explainCommitFailure(err, actions.length);
    }
  }

  /** The transaction, or without actions (putLatest skipping an older state) the plain completion (request 2a). */
  private async sendTransaction(actions: readonly TransactWriteItem[], result: unknown): Promise<void> {
    if (actions.length === 0) {
      try {
        await this.complete(toAttributeValue(result));
      } catch (err) {
        if (isConditionFailed(err)) throw this.recordLost('it was not completed: nothing was written over it', err);
        throw err;
      }
      return;
    }
    const completion: TransactWriteItem = { Update: this.completion(toAttributeValue(result)) };
    await this.ddb.send(new TransactWriteItemsCommand({ TransactItems: [...actions, completion] }));
  }

  /** A strongly consistent read of an item of the handler's (putLatest's read before a fetch). */
  public async readItem(table: string, key: Record<string, unknown>): Promise<Record<string, AttributeValue> | undefined> {
    const Key = marshall(key, { removeUndefinedValues: true });
    return (await this.ddb.send(new GetItemCommand({ TableName: table, Key, ConsistentRead: true }))).Item;
  }

  private explainCommitFailure(err: unknown, actions: number): unknown {
    // The plain completion found the record taken over (recordLost set it).
    if (err === this.failure) return err;
    const name = (err as { name?: string } | undefined)?.name;
    if (name === 'TransactionCanceledException') {
      const reasons = (err as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons ?? [];
      if (reasons[actions]?.Code === 'ConditionalCheckFailed') {
        return this.recordLost('neither the effects nor the completion were committed', err);
      }
      // The handler's own cancellation: its reasons, one per action it handed over (the record's is left out).
      (err as { CancellationReasons?: unknown[] }).CancellationReasons = reasons.slice(0, actions);
      return err;
    }
    if (isRejectedItem(err)) return err;
    this.failure = new TransactionOutcomeUnknownError(
      `the transaction that commits the handler's effects with the idempotency record ${this.key} in ${this.options.tableName} got no answer ` +
        `(${describeCause(err)}): it committed entirely or not at all. The invocation fails; the retry finds the completed record (a duplicate) or none (it runs the handler again).`,
      { cause: err },
    );
    return this.failure;
  }
}

const POWERTOOLS = DynamoDBPersistenceLayer.prototype as unknown as PowertoolsHashing;
// Powertools calls getHashedPayload for each request (saveInProgress, saveSuccess, and validatePayload for a duplicate).
if (typeof POWERTOOLS.getHashedPayload === 'function') {
  Object.defineProperty(InvocationStore.prototype, 'getHashedPayload', { value: InvocationStore.prototype.hashedPayload, configurable: true, writable: true });
}

/** A result's DynamoDB value, as `data` holds it (`NULL` for none). */
function toAttributeValue(value: unknown): AttributeValue {
  return marshall({ v: value ?? null }, { removeUndefinedValues: true }).v;
}

/**
 * A stored record as Powertools' IdempotencyRecord, its validation hash as the payload hash. A record without one
 * (written by hand, or by a build from before the hash) is not checked: it takes this delivery's `payloadHash`.
 */
function toIdempotencyRecord(item: Record<string, AttributeValue>, payloadHash: string | undefined): IdempotencyRecord {
  const old = unmarshall(item);
  return new IdempotencyRecord({
    idempotencyKey: old[A.KEY],
    status: old[A.STATUS],
    expiryTimestamp: old[A.EXPIRATION],
    inProgressExpiryTimestamp: old[A.IN_PROGRESS_EXPIRATION],
    responseData: old[A.DATA],
    payloadHash: old[A.VALIDATION] ?? payloadHash,
  });
}
