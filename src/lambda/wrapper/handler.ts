/**
 * The wrapper that runs around every Stripe event handler the integration deploys. It ships pre-bundled
 * as a Lambda layer (`/opt/stripe-eventbridge/wrapper.js`); the function's handler points here and the
 * user's own handler string is in `STRIPE_EB_USER_HANDLER`.
 *
 * Per invocation: validate the envelope → Powertools idempotency keyed on `detail.id` (the Stripe event
 * id, never the EventBridge envelope id, which differs on every redelivery; for a thin event its snapshot twin's id
 * when it has one) → the user's handler with the unchanged event, `context.effects` and `context.stripe` /
 * `context.eventNotification` (the Stripe SDK, loaded on first use) → one structured log line and EMF metrics with
 * the outcome.
 *
 * DynamoDB requests: a fresh event costs a conditional PutItem (in progress) and either a conditional
 * UpdateItem (completed, with the result) or, when the handler handed its writes to
 * `context.effects.transactWrite`, one TransactWriteItems holding those writes and the completion; a duplicate
 * costs one conditional PutItem whose failure returns the stored record; a handler error costs PutItem and
 * DeleteItem. An invalid event costs none (one PutItem for an `evt_` id reused by another event). With previous
 * key prefixes, a fresh event costs one read more (GetItem, or BatchGetItem for several prefixes); the first copy
 * of an event processed under a previous prefix costs PutItem, the read and UpdateItem, later copies one PutItem.
 *
 * The guarantee holds whatever the handler does: after IdempotencyRecordLostError, TransactionOutcomeUnknownError
 * or a refused second `transactWrite`, the invocation fails even if the handler caught the error and returned.
 */
import { IdempotencyAlreadyInProgressError, IdempotencyValidationError, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { Context } from 'aws-lambda';
import { readWrapperConfig, WrapperConfig } from './config';
import { createEffects } from './effects-on-use';
import { InvalidStripeEventError, InvalidStripeEventReason, StripeEventSummary, validateStripeEventBridgeEvent } from './envelope';
import type { InvocationStore } from './idempotency';
import { InvocationStores } from './idempotency-stores';
import type { LatestStateOutcome } from './latest-state-effect';
import { toStorableResult } from './result';
import { explainStoreFailure } from './store-errors';
import { defineContextProperties, latestStateFetch, thinIdempotencyView } from './stripe-context';
import { ContextFields, Fields, Metric, Telemetry } from './telemetry';
import { loadUserHandler, UserHandler } from './user-handler';
import { LOG_FIELD as F, Outcome, OUTCOME } from '../../contract/log-fields';
import {
  METRIC_DIMENSION_HANDLER,
  METRIC_DIMENSION_INTEGRATION,
  METRIC_DUPLICATE,
  METRIC_EVENT_AGE,
  METRIC_FAILED,
  METRIC_IN_PROGRESS,
  METRIC_INVALID,
  METRIC_PROCESSED,
  METRIC_PROCESSING_TIME,
} from '../../contract/metrics';
import { MAX_EVENT_BYTES } from '../../contract/wrapper';

const config: WrapperConfig = readWrapperConfig(process.env);
// The wrapper's lines are its own (telemetry.ts): POWERTOOLS_LOG_LEVEL, LOG_LEVEL and POWERTOOLS_LOGGER_SAMPLE_RATE
// are the user's code's alone, and the outcome lines (INFO), which the saved queries read, are never filtered out.
// Dimension sets: [integration], so that a fixed number of alarms covers every handler, and [integration, service]
// only when per-handler metrics are on (each dimension set is a custom metric of its own); [service] for a function
// configured without the integration dimension.
const telemetry = new Telemetry({
  service: config.handlerName,
  namespace: config.metricsNamespace,
  dimensionSets:
    config.metricsIntegration === undefined
      ? [{ [METRIC_DIMENSION_HANDLER]: config.handlerName }]
      : [
        { [METRIC_DIMENSION_INTEGRATION]: config.metricsIntegration },
        ...(config.handlerMetrics
          ? [{ [METRIC_DIMENSION_INTEGRATION]: config.metricsIntegration, [METRIC_DIMENSION_HANDLER]: config.handlerName }]
          : []),
      ],
});
const stores = new InvocationStores({
  tableName: config.tableName,
  endpoint: config.dynamoDbEndpoint,
  onResultRejected: (idempotencyKey, reason) =>
    telemetry.warn('DynamoDB refused to store the handler result; storing null instead', { idempotency_key: idempotencyKey, reason }),
  previousKeyPrefixes: config.previousKeyPrefixes,
  ttlSeconds: config.ttlSeconds,
  onPreviousCompletionFailed: (idempotencyKey, reason) =>
    telemetry.warn('Could not complete the record of a duplicate found under a previous key prefix; copies wait for its deadline', { idempotency_key: idempotencyKey, reason }),
});

const stripeAccessOptions = { secretId: config.stripeApiKeySecretId, apiBase: config.stripeApiBase };

let userHandler: Promise<UserHandler> | undefined;
function getUserHandler(): Promise<UserHandler> {
  if (!userHandler) {
    const loading = loadUserHandler(config.taskRoot, config.userHandler);
    // A failed load is reported by the invocation that awaits it and retried by the next one.
    loading.catch(() => {
      if (userHandler === loading) userHandler = undefined;
    });
    userHandler = loading;
  }
  return userHandler;
}
// Load the user's module during init, as the Lambda runtime does for an unwrapped handler (a CommonJS
// module is required right here; an ES module's import starts here and is awaited by the first invocation).
void getUserHandler();

function errorFields(err: unknown): Record<string, unknown> {
  const e = err as Error;
  return { [F.ERROR_NAME]: e?.name ?? typeof err, [F.ERROR_MESSAGE]: e?.message ?? String(err) };
}

/** What the store learned about the record: a replaced expired record, the committed transaction, a previous prefix. */
function recordFields(store: InvocationStore, latest?: LatestStateOutcome): Record<string, unknown> {
  return {
    [F.REPLACED_RECORD]: store.replaced,
    [F.TRANSACTION_ACTIONS]: store.committed?.actions,
    [F.PREVIOUS_KEY_PREFIX]: store.previous?.prefix,
    [F.LATEST_STATE]: latest?.decision,
    [F.LATEST_STATE_OBJECT]: latest?.object,
    [F.STRIPE_FETCHES]: latest?.fetches,
  };
}

/** A delivery whose `evt_` id has the record of another event (its type or account differ): refused, never a duplicate. */
function eventIdReused(summary: StripeEventSummary, account: unknown): InvalidStripeEventError {
  return new InvalidStripeEventError(
    InvalidStripeEventReason.EVENT_ID_REUSED,
    `${summary.stripeEventId} already has an idempotency record made by an event of another type or account (this delivery: type ` +
      `${JSON.stringify(summary.type.slice(0, 80))}, account ${typeof account === 'string' ? JSON.stringify(account.slice(0, 80)) : 'none'}); ` +
      'Stripe event ids are unique, so this delivery is forged or corrupted. It was not processed.',
    summary.eventBridgeId,
  );
}

/** Whether the handler's return value has the JSON form of the committed result (key order is the handler's own). */
function sameResult(returned: unknown, committed: unknown): boolean {
  try {
    return (JSON.stringify(returned) ?? 'null') === JSON.stringify(committed);
  } catch {
    return false;
  }
}

function eventFields(summary: StripeEventSummary): Record<string, unknown> {
  return {
    [F.STRIPE_EVENT_ID]: summary.stripeEventId,
    [F.STRIPE_EVENT_TYPE]: summary.type,
    [F.LIVEMODE]: summary.livemode,
    [F.EVENTBRIDGE_ID]: summary.eventBridgeId,
    [F.STRIPE_API_VERSION]: summary.apiVersion,
  };
}

/** The event's fields; for a thin event also the object it is about and its snapshot twin. */
function eventFieldSets(summary: StripeEventSummary): readonly Fields[] {
  const fields = eventFields(summary);
  if (!summary.thin) return [fields];
  return [fields, { [F.RELATED_OBJECT_ID]: summary.thin.relatedObject?.id, [F.SNAPSHOT_EVENT_ID]: summary.thin.snapshotEvent }];
}

const METRIC_OF: Record<Outcome, string> = {
  [OUTCOME.PROCESSED]: METRIC_PROCESSED,
  [OUTCOME.DUPLICATE]: METRIC_DUPLICATE,
  [OUTCOME.IN_PROGRESS]: METRIC_IN_PROGRESS,
  [OUTCOME.FAILED]: METRIC_FAILED,
  [OUTCOME.INVALID]: METRIC_INVALID,
};

/** The invocation's EMF metrics and outcome line, written together; `fields` in order (see Telemetry.logLine). */
function record(lambda: ContextFields, outcome: Outcome, fields: readonly Fields[], durationMs: number, eventAgeMs?: number): void {
  const measured: Metric[] = [{ name: METRIC_OF[outcome], unit: 'Count', value: 1 }];
  if (outcome === OUTCOME.PROCESSED) measured.push({ name: METRIC_PROCESSING_TIME, unit: 'Milliseconds', value: durationMs });
  if (eventAgeMs !== undefined) measured.push({ name: METRIC_EVENT_AGE, unit: 'Milliseconds', value: eventAgeMs });

  const line = [{ [F.HANDLER]: config.handlerName, [F.OUTCOME]: outcome, [F.DURATION_MS]: durationMs, [F.EVENT_AGE_MS]: eventAgeMs }, ...fields];
  const [level, message] =
    outcome === OUTCOME.PROCESSED ? ['INFO', 'Stripe event processed'] as const
      : outcome === OUTCOME.DUPLICATE ? ['INFO', 'Duplicate Stripe event skipped; returning the stored result'] as const
        : outcome === OUTCOME.IN_PROGRESS ? ['WARN', 'The same Stripe event is being processed by another invocation; failing so that Lambda retries'] as const
          : ['ERROR', outcome === OUTCOME.INVALID ? 'Rejected an event that is not a valid Stripe event' : 'Stripe event handler failed'] as const;
  telemetry.write(telemetry.metricsLine(measured), telemetry.logLine(level, message, line, lambda));
}

/** The EventBridge event the wrapper validated: its `detail` is the Stripe event (or thin event notification). */
type StripeEventBridgeEvent = { detail: Record<string, unknown> };

/**
 * The properties the handler finds on its context: `context.effects` (its DynamoDB writes, committed with the record's
 * completion; effects.ts, loaded on first use), and `context.stripe` and `context.eventNotification` (getters that load
 * the Stripe SDK on first use; stripe-context.ts).
 */
function defineHandlerContext(
  context: Context,
  event: StripeEventBridgeEvent,
  summary: StripeEventSummary,
  store: InvocationStore,
  storable: (result: unknown) => unknown,
  onLatest: (outcome: LatestStateOutcome) => void,
): void {
  const effects = createEffects({
    store,
    invocation: store.invocation,
    storable,
    region: process.env.AWS_REGION,
    account: context.invokedFunctionArn?.split(':')[4],
    // `context.effects.putLatest`: the event's order facts, and `context.stripe` to ask Stripe when they prove nothing.
    latest: {
      event: {
        id: summary.stripeEventId,
        type: summary.type,
        created: event.detail.created as number | string,
        apiVersion: summary.apiVersion,
        relatedObject: summary.thin?.relatedObject,
      },
      fetch: latestStateFetch(context),
    },
    onLatest,
  });
  defineContextProperties(context, effects, event, summary, stripeAccessOptions);
}

export async function handler(event: unknown, context: Context): Promise<unknown> {
  const startedAt = Date.now();
  const deadline = startedAt + context.getRemainingTimeInMillis();
  const lambda = telemetry.start(context);
  // Never the event, whatever POWERTOOLS_LOGGER_LOG_EVENT says: card details and addresses stay out of the logs,
  // and nothing walks a hostile event before it is validated.

  let summary: StripeEventSummary;
  try {
    summary = validateStripeEventBridgeEvent(event, { sourcePrefix: config.sourcePrefix, maxBytes: MAX_EVENT_BYTES, payloads: config.payloads });
  } catch (err) {
    const e = err as InvalidStripeEventError;
    const eventBridgeId = e.eventBridgeId ?? (typeof (event as { id?: unknown })?.id === 'string' ? (event as { id: string }).id : undefined);
    record(lambda, OUTCOME.INVALID, [{ [F.EVENTBRIDGE_ID]: eventBridgeId, [F.REASON]: e.reason }, errorFields(err)], Date.now() - startedAt);
    throw err;
  }

  const fields = eventFieldSets(summary);
  const eventAgeMs = Math.max(0, startedAt - summary.created * 1000);
  let handlerRan = false;
  let latest: LatestStateOutcome | undefined;
  const store = stores.acquire();
  try {
    const fn = await getUserHandler();
    const storable = (result: unknown): unknown =>
      toStorableResult(result, (reason) => telemetry.warn('The handler result cannot be stored; storing null instead', [...fields, { reason }], lambda));
    // The store's own IdempotencyConfig, which carries this invocation's Lambda context (InvocationStore.config).
    const idempotent = makeIdempotent(
      async (_keyed: unknown, ctx: Context) => {
        handlerRan = true;
        // Built for a handler that runs only: a duplicate never makes its context's properties.
        defineHandlerContext(context, event as StripeEventBridgeEvent, summary, store, storable, (outcome) => (latest = outcome));
        // The event as delivered (what Powertools keyed a thin event on is its idempotency view).
        const result = await fn(event, ctx);
        // The guarantee is the wrapper's, not the handler's: after a record taken over, an unknown commit outcome or a
        // refused second transactWrite, the invocation fails even if the handler caught the error and returned.
        if (store.failure) throw store.failure;
        if (!store.committed) return storable(result);
        if (!sameResult(result, store.committed.result)) {
          telemetry.warn('The handler returned another result than the one it committed with transactWrite; returning the committed one', fields, lambda);
        }
        return store.committed.result;
      },
      {
        persistenceStore: store,
        keyPrefix: config.keyPrefix,
        config: store.config,
      },
    );
    // A thin event is keyed on its snapshot twin's id when it has one, and validated on what the twins share.
    const returned = await idempotent(summary.thin ? thinIdempotencyView(summary) : event, context);
    const outcome = handlerRan ? OUTCOME.PROCESSED : OUTCOME.DUPLICATE;
    record(lambda, outcome, [...fields, recordFields(store, latest)], Date.now() - startedAt, eventAgeMs);
    // What the record holds, which duplicates return too (null where DynamoDB refused the result).
    return store.stored ? store.stored.value : returned;
  } catch (err) {
    if (err instanceof IdempotencyValidationError) {
      const account = summary.thin ? summary.thin.context : (event as StripeEventBridgeEvent).detail.account;
      const invalid = eventIdReused(summary, account);
      const invalidFields = [...fields, { [F.REASON]: invalid.reason }, recordFields(store), errorFields(invalid)];
      record(lambda, OUTCOME.INVALID, invalidFields, Date.now() - startedAt, eventAgeMs);
      throw invalid;
    }
    const error = explainStoreFailure(err, { tableName: config.tableName, stripeEventId: summary.stripeEventId, handlerRan, deadline });
    const outcome: Outcome = error instanceof IdempotencyAlreadyInProgressError ? OUTCOME.IN_PROGRESS : OUTCOME.FAILED;
    const failedFields = [...fields, { [F.HANDLER_RAN]: handlerRan }, recordFields(store), errorFields(error)];
    record(lambda, outcome, failedFields, Date.now() - startedAt, eventAgeMs);
    throw error;
  } finally {
    stores.release(store);
  }
}
