/**
 * The idempotency store: Powertools' DynamoDB persistence layer (its schema, its key, two requests per fresh
 * event and one per duplicate), one instance per invocation over one shared client, with what matters once
 * the business effect has happened (src/contract/idempotency.ts is the contract it writes):
 *
 * - the in-progress put returns the record it replaced, so a retry after an unfinished attempt, or after a
 *   record outlived its lifetime, is reported instead of passing for a first delivery;
 * - `commit()` writes the handler's own DynamoDB actions and the record's completion in one
 *   TransactWriteItems, conditioned on the record still being this invocation's in-progress record: the
 *   effect and the completion happen together or not at all;
 * - a handler error deletes the record only while it is still this invocation's in-progress record;
 * - a result that DynamoDB refuses is stored as `null` and the record still completes (instead of staying
 *   in progress for a retry to repeat the effect); what was stored is what this delivery returns;
 * - a failure to reach the table is reported as an `IdempotencyStoreError` that says which table, why and
 *   whether the handler ran, instead of Powertools' cause-less "Failed to … idempotency store".
 */
import { IdempotencyItemAlreadyExistsError, IdempotencyPersistenceLayerError } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';
import {
  AttributeValue,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  TransactWriteItem,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { StripeEventBridgeError } from '../../contract/errors';
import { RECORD_ATTRIBUTE as A, RECORD_STATUS } from '../../contract/idempotency';

/** The idempotency table could not be read or written. Retrying later is safe; see the message for what ran. */
export class IdempotencyStoreError extends StripeEventBridgeError {
  public readonly name = 'IdempotencyStoreError';
  constructor(
    message: string,
    /** Whether the user's handler ran (and its business effect may have happened) before the failure. */
    public readonly handlerRan: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The transaction's answer never arrived (DynamoDB unreachable or failing after the SDK's retries): the
 * effects may or may not have been committed. The invocation fails; the retry finds either the completed
 * record (a duplicate) or no record (it processes the event), never half of it.
 */
export class TransactionOutcomeUnknownError extends StripeEventBridgeError {
  public readonly name = 'TransactionOutcomeUnknownError';
}

/** The record is no longer this invocation's in-progress record, so nothing was committed. */
export class IdempotencyRecordLostError extends StripeEventBridgeError {
  public readonly name = 'IdempotencyRecordLostError';
}

/** The record that the in-progress put replaced: an attempt that never finished, or one past its lifetime. */
export type ReplacedRecord = 'expired_in_progress' | 'expired_completed';

export interface IdempotencyStoreOptions {
  readonly tableName: string;
  /** DynamoDB endpoint override (DynamoDB Local). @default - the regional endpoint */
  readonly endpoint?: string;
  /** Called when DynamoDB refused a result and `null` is stored instead. */
  readonly onResultRejected: (idempotencyKey: string, reason: string) => void;
}

/** DynamoDB's answer when the stored item would be invalid: its size, its nesting, one of its values. */
function isRejectedItem(err: unknown): boolean {
  return (err as { name?: string } | undefined)?.name === 'ValidationException';
}

function isConditionFailed(err: unknown): boolean {
  return (err as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';
}

const NAMES = { '#id': A.KEY, '#expiry': A.EXPIRATION, '#status': A.STATUS, '#in_progress_expiry': A.IN_PROGRESS_EXPIRATION };
const COMPLETION = 'SET #expiry = :expiry, #status = :status, #response_data = :response_data';
const STILL_MINE = '#status = :inprogress AND #in_progress_expiry = :in_progress_expiry';

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
  /** Set when a transaction's outcome is unknown: the invocation must fail whatever the handler returns. */
  public commitOutcomeUnknown?: TransactionOutcomeUnknownError;

  constructor(private readonly ddb: DynamoDBClient, private readonly options: IdempotencyStoreOptions) {
    super({ tableName: options.tableName, awsSdkV3Client: ddb });
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
    const item: Record<string, AttributeValue> = {
      ...this.getKey(record.idempotencyKey),
      ...marshall({ [A.EXPIRATION]: record.expiryTimestamp, [A.STATUS]: record.getStatus() }),
    };
    if (record.inProgressExpiryTimestamp !== undefined) item[A.IN_PROGRESS_EXPIRATION] = { N: String(record.inProgressExpiryTimestamp) };
    const now = Date.now();
    try {
      const out = await this.ddb.send(new PutItemCommand({
        TableName: this.options.tableName,
        Item: item,
        ConditionExpression: 'attribute_not_exists(#id) OR #expiry < :now OR (#status = :inprogress AND attribute_exists(#in_progress_expiry) AND #in_progress_expiry < :now_in_millis)',
        ExpressionAttributeNames: NAMES,
        ExpressionAttributeValues: marshall({ ':now': now / 1000, ':now_in_millis': now, ':inprogress': RECORD_STATUS.IN_PROGRESS }),
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
      const old = existing && unmarshall(existing);
      throw new IdempotencyItemAlreadyExistsError(
        `Failed to put record for already existing idempotency key: ${record.idempotencyKey}`,
        old && new IdempotencyRecord({
          idempotencyKey: old[A.KEY],
          status: old[A.STATUS],
          expiryTimestamp: old[A.EXPIRATION],
          inProgressExpiryTimestamp: old[A.IN_PROGRESS_EXPIRATION],
          responseData: old[A.DATA],
        }),
      );
    }
  }

  /** The plain completion (Powertools' UpdateItem), unless `commit()` already completed the record. */
  protected async _updateRecord(record: IdempotencyRecord): Promise<void> {
    if (this.committed) return;
    try {
      await super._updateRecord(record);
    } catch (err) {
      if (record.responseData === undefined || record.responseData === null || !isRejectedItem(err)) throw err;
      this.options.onResultRejected(record.idempotencyKey, describeCause(err));
      record.responseData = null;
      await super._updateRecord(record);
      this.stored = { value: null };
    }
  }

  /** Deletes the record after a handler error, only while it is still this invocation's in-progress record. */
  protected async _deleteRecord(record: IdempotencyRecord): Promise<void> {
    if (this.inProgressExpiry === undefined) return super._deleteRecord(record);
    try {
      await this.ddb.send(new DeleteItemCommand({
        TableName: this.options.tableName,
        Key: this.getKey(record.idempotencyKey),
        ConditionExpression: STILL_MINE,
        ExpressionAttributeNames: { '#status': A.STATUS, '#in_progress_expiry': A.IN_PROGRESS_EXPIRATION },
        ExpressionAttributeValues: marshall({ ':inprogress': RECORD_STATUS.IN_PROGRESS, ':in_progress_expiry': this.inProgressExpiry }),
      }));
    } catch (err) {
      // Completed by this invocation's own transaction, or taken over after its deadline: not ours to delete.
      if (!isConditionFailed(err)) throw err;
    }
  }

  /**
   * Commits the handler's actions and the record's completion in one TransactWriteItems (the record last).
   * Resolves to the result as stored. A cancelled transaction committed nothing: a cancellation of one of
   * the handler's actions is rethrown as DynamoDB's own TransactionCanceledException (its
   * CancellationReasons one per handler action, in order), the record's own as IdempotencyRecordLostError.
   */
  public async commit(actions: readonly TransactWriteItem[], result: unknown): Promise<unknown> {
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

  private async sendTransaction(actions: readonly TransactWriteItem[], result: unknown): Promise<void> {
    const completion: TransactWriteItem = {
      Update: {
        TableName: this.options.tableName,
        Key: this.recordKey(),
        UpdateExpression: COMPLETION,
        ConditionExpression: this.inProgressExpiry === undefined ? '#status = :inprogress' : STILL_MINE,
        ExpressionAttributeNames: { '#expiry': A.EXPIRATION, '#status': A.STATUS, '#response_data': A.DATA, ...(this.inProgressExpiry === undefined ? {} : { '#in_progress_expiry': A.IN_PROGRESS_EXPIRATION }) },
        ExpressionAttributeValues: marshall({
          ':expiry': Math.round(Date.now() / 1000 + this.getExpiresAfterSeconds()),
          ':status': RECORD_STATUS.COMPLETED,
          ':response_data': result,
          ':inprogress': RECORD_STATUS.IN_PROGRESS,
          ...(this.inProgressExpiry === undefined ? {} : { ':in_progress_expiry': this.inProgressExpiry }),
        }, { removeUndefinedValues: true }),
      },
    };
    await this.ddb.send(new TransactWriteItemsCommand({ TransactItems: [...actions, completion] }));
  }

  private explainCommitFailure(err: unknown, actions: number): unknown {
    const name = (err as { name?: string } | undefined)?.name;
    if (name === 'TransactionCanceledException') {
      const reasons = (err as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons ?? [];
      if (reasons[actions]?.Code === 'ConditionalCheckFailed') {
        return new IdempotencyRecordLostError(
          `the idempotency record ${this.key} in ${this.options.tableName} is no longer this invocation's in-progress record ` +
            '(its deadline passed and another delivery took it over, or it was removed), so neither the effects nor the completion were committed. ' +
            'The event fails; its retry finds out whether another delivery completed it.',
          { cause: err },
        );
      }
      // The handler's own cancellation: its reasons, one per action it handed over (the record's is left out).
      (err as { CancellationReasons?: unknown[] }).CancellationReasons = reasons.slice(0, actions);
      return err;
    }
    if (isRejectedItem(err)) return err;
    this.commitOutcomeUnknown = new TransactionOutcomeUnknownError(
      `the transaction that commits the handler's effects with the idempotency record ${this.key} in ${this.options.tableName} got no answer ` +
        `(${describeCause(err)}): it committed entirely or not at all. The invocation fails; the retry finds the completed record (a duplicate) or none (it runs the handler again).`,
      { cause: err },
    );
    return this.commitOutcomeUnknown;
  }
}

/** One DynamoDB client for the execution environment; a store per invocation. */
export function idempotencyStores(options: IdempotencyStoreOptions): () => InvocationStore {
  const client = new DynamoDBClient(options.endpoint ? { endpoint: options.endpoint } : {});
  return () => new InvocationStore(client, options);
}

/** `Name CODE: message` of an error, for logs and error messages; never a stack. */
export function describeCause(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: string }).code;
  const message = err.message || (err instanceof AggregateError ? err.errors.map((e) => describeCause(e)).join('; ') : '');
  return `${err.name}${code && code !== err.name ? ` ${code}` : ''}${message ? `: ${message}` : ''}`;
}

/**
 * Turns Powertools' persistence-layer error into an IdempotencyStoreError that names the table, the Stripe
 * event, the cause, and what a retry will do. Any other error is returned unchanged.
 */
export function explainStoreFailure(
  err: unknown,
  context: { tableName: string; stripeEventId: string; handlerRan: boolean; deadline?: number },
): unknown {
  if (!(err instanceof IdempotencyPersistenceLayerError)) return err;
  const cause = describeCause(err.cause ?? err);
  const where = `idempotency table ${context.tableName}`;
  if (!context.handlerRan) {
    return new IdempotencyStoreError(
      `could not record ${context.stripeEventId} as in progress in the ${where} (${cause}); the handler did not run. A retry is safe.`,
      false,
      { cause: err },
    );
  }
  const until = context.deadline ? ` until ${new Date(context.deadline).toISOString()}` : '';
  const what = err.message.startsWith('Failed to delete')
    ? `the handler failed for ${context.stripeEventId} and its in-progress record could not be removed from the ${where}`
    : `the handler ran for ${context.stripeEventId} but the ${where} could not be updated with its result`;
  return new IdempotencyStoreError(
    `${what} (${cause}). The in-progress record blocks duplicates${until}; a retry after that runs the handler again.`,
    true,
    { cause: err },
  );
}
