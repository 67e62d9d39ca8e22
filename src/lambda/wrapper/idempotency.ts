/**
 * The idempotency store: Powertools' DynamoDB persistence layer (its schema and its two requests per fresh
 * event, one per duplicate) with two additions that matter once the business effect has happened:
 *
 * - a result that DynamoDB refuses to store (item above 400 KB, nesting too deep, …) is replaced by `null`
 *   and the record still completes, instead of leaving it in progress for a retry to repeat the effect;
 * - a failure to reach the table is reported as an `IdempotencyStoreError` that says which table, why, and
 *   whether the handler ran, instead of Powertools' cause-less "Failed to … idempotency store".
 */
import { IdempotencyPersistenceLayerError } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';

/** The idempotency table could not be read or written. Retrying later is safe; see the message for what ran. */
export class IdempotencyStoreError extends Error {
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

class StripeIdempotencyStore extends DynamoDBPersistenceLayer {
  constructor(private readonly options: IdempotencyStoreOptions) {
    super({
      tableName: options.tableName,
      clientConfig: options.endpoint ? { endpoint: options.endpoint } : undefined,
    });
  }

  protected async _updateRecord(record: IdempotencyRecord): Promise<void> {
    try {
      await super._updateRecord(record);
    } catch (err) {
      if (record.responseData === undefined || record.responseData === null || !isRejectedItem(err)) throw err;
      this.options.onResultRejected(record.idempotencyKey, describeCause(err));
      record.responseData = null;
      await super._updateRecord(record);
    }
  }
}

export function createIdempotencyStore(options: IdempotencyStoreOptions): DynamoDBPersistenceLayer {
  return new StripeIdempotencyStore(options);
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
