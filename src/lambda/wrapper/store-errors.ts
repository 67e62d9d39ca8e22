/**
 * What the idempotency store reports when something goes wrong once the handler may have had its effect: named
 * errors that say which table, why, what ran and what a retry will do, instead of Powertools' cause-less "Failed to
 * … idempotency store".
 */
import { IdempotencyPersistenceLayerError } from '@aws-lambda-powertools/idempotency';
import { StripeEventBridgeError } from '../../contract/errors';

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

/**
 * The record is no longer this invocation's in-progress record (its deadline passed and another delivery put it
 * in progress, or it was removed): nothing of this invocation's was committed over it, and the invocation fails
 * whatever its handler returns.
 */
export class IdempotencyRecordLostError extends StripeEventBridgeError {
  public readonly name = 'IdempotencyRecordLostError';
}

/** The event's records under the previous key prefixes could not be read (its own in-progress record was released). */
export class PreviousKeysReadError extends StripeEventBridgeError {
  public readonly name = 'PreviousKeysReadError';
  constructor(public readonly prefixes: readonly string[], cause: unknown) {
    super(describeCause(cause), { cause });
  }
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
  // Named failures of the store itself (a record taken over) are reported as they are.
  if (err.cause instanceof IdempotencyRecordLostError) return err.cause;
  const cause = describeCause(err.cause ?? err);
  const where = `idempotency table ${context.tableName}`;
  if (err.cause instanceof PreviousKeysReadError) {
    return new IdempotencyStoreError(
      `could not read the records of ${context.stripeEventId} under the previous key prefixes ${err.cause.prefixes.join(', ')} in the ${where} ` +
        `(${err.cause.message}); the handler did not run. A retry is safe.`,
      false,
      { cause: err },
    );
  }
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
