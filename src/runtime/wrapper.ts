/**
 * The wrapper that runs around every Stripe event handler the integration deploys. It ships pre-bundled
 * as a Lambda layer (`/opt/stripe-eventbridge/wrapper.js`); the function's handler points here and the
 * user's own handler string is in `STRIPE_EB_USER_HANDLER`.
 *
 * Per invocation: validate the envelope → Powertools idempotency keyed on `detail.id` (the Stripe event
 * id, never the EventBridge envelope id, which differs on every redelivery) → the user's handler with
 * the unchanged event → one structured log line and EMF metrics with the outcome.
 */
import { IdempotencyAlreadyInProgressError, IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { readWrapperConfig, WrapperConfig } from './config';
import {
  METRIC_DUPLICATE,
  METRIC_EVENT_AGE,
  METRIC_FAILED,
  METRIC_IN_PROGRESS,
  METRIC_INVALID,
  METRIC_PROCESSED,
  METRIC_PROCESSING_TIME,
} from './constants';
import { InvalidStripeEventError, StripeEventSummary, validateStripeEventBridgeEvent } from './envelope';
import { toStorableResult } from './result';
import { loadUserHandler, UserHandler } from './user-handler';

/** What happened to one delivery. Logged as `outcome` and counted as a metric. */
export type Outcome = 'processed' | 'duplicate' | 'in_progress' | 'failed' | 'invalid';

/** EventBridge caps an event at 1 MiB (256 KiB before 2026); anything larger did not come from it. */
const MAX_EVENT_BYTES = 1024 * 1024;

const config: WrapperConfig = readWrapperConfig(process.env);
const logger = new Logger({ serviceName: config.handlerName });
const metrics = new Metrics({ namespace: config.metricsNamespace, serviceName: config.handlerName });
const persistenceStore = new DynamoDBPersistenceLayer({
  tableName: config.tableName,
  clientConfig: config.dynamoDbEndpoint ? { endpoint: config.dynamoDbEndpoint } : undefined,
});

let userHandler: Promise<UserHandler> | undefined;
function getUserHandler(): Promise<UserHandler> {
  userHandler ??= loadUserHandler(config.taskRoot, config.userHandler);
  // A failed load is retried on the next invocation rather than cached forever.
  userHandler.catch(() => (userHandler = undefined));
  return userHandler;
}

function errorFields(err: unknown): Record<string, unknown> {
  const e = err as Error;
  return { error_name: e?.name ?? typeof err, error_message: e?.message ?? String(err) };
}

function eventFields(summary: StripeEventSummary): Record<string, unknown> {
  return {
    stripe_event_id: summary.stripeEventId,
    stripe_event_type: summary.type,
    livemode: summary.livemode,
    eventbridge_id: summary.eventBridgeId,
    stripe_api_version: summary.apiVersion,
  };
}

function record(outcome: Outcome, fields: Record<string, unknown>, durationMs: number, eventAgeMs?: number): void {
  const metricName = {
    processed: METRIC_PROCESSED,
    duplicate: METRIC_DUPLICATE,
    in_progress: METRIC_IN_PROGRESS,
    failed: METRIC_FAILED,
    invalid: METRIC_INVALID,
  }[outcome];
  metrics.addMetric(metricName, MetricUnit.Count, 1);
  if (outcome === 'processed') {
    metrics.addMetric(METRIC_PROCESSING_TIME, MetricUnit.Milliseconds, durationMs);
  }
  if (eventAgeMs !== undefined) {
    metrics.addMetric(METRIC_EVENT_AGE, MetricUnit.Milliseconds, eventAgeMs);
  }
  metrics.publishStoredMetrics();

  const line = { handler: config.handlerName, outcome, duration_ms: durationMs, event_age_ms: eventAgeMs, ...fields };
  if (outcome === 'processed' || outcome === 'duplicate') {
    logger.info(outcome === 'processed' ? 'Stripe event processed' : 'Duplicate Stripe event skipped; returning the stored result', line);
  } else if (outcome === 'in_progress') {
    logger.warn('The same Stripe event is being processed by another invocation; failing so that Lambda retries', line);
  } else {
    logger.error(outcome === 'invalid' ? 'Rejected an event that is not a valid Stripe event' : 'Stripe event handler failed', line);
  }
}

export async function handler(event: unknown, context: Context): Promise<unknown> {
  const startedAt = Date.now();
  logger.addContext(context);

  let summary: StripeEventSummary;
  try {
    summary = validateStripeEventBridgeEvent(event, { sourcePrefix: config.sourcePrefix, maxBytes: MAX_EVENT_BYTES });
  } catch (err) {
    const e = err as InvalidStripeEventError;
    record('invalid', { eventbridge_id: e.eventBridgeId, reason: e.reason, ...errorFields(err) }, Date.now() - startedAt);
    throw err;
  }

  const fields = eventFields(summary);
  const eventAgeMs = Math.max(0, startedAt - summary.created * 1000);
  let ranHandler = false;
  try {
    const fn = await getUserHandler();
    // A fresh IdempotencyConfig per invocation: it carries this invocation's Lambda context, from which
    // Powertools sets the in-progress record to expire at this invocation's deadline.
    const idempotent = makeIdempotent(
      async (e: unknown, ctx: Context) => {
        ranHandler = true;
        const result = await fn(e, ctx);
        return toStorableResult(result, (reason) =>
          logger.warn('The handler result cannot be stored as JSON; storing null instead', { ...fields, reason }),
        );
      },
      {
        persistenceStore,
        keyPrefix: config.keyPrefix,
        config: new IdempotencyConfig({
          eventKeyJmesPath: 'detail.id',
          expiresAfterSeconds: config.ttlSeconds,
          throwOnNoIdempotencyKey: true,
        }),
      },
    );
    const result = await idempotent(event, context);
    record(ranHandler ? 'processed' : 'duplicate', fields, Date.now() - startedAt, eventAgeMs);
    return result;
  } catch (err) {
    const outcome: Outcome = err instanceof IdempotencyAlreadyInProgressError ? 'in_progress' : 'failed';
    record(outcome, { ...fields, handler_ran: ranHandler, ...errorFields(err) }, Date.now() - startedAt, eventAgeMs);
    throw err;
  }
}
