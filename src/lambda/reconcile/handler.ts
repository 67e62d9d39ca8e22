/**
 * The scheduled reconciliation of StripeEventReconciliation, bundled into
 * `assets/lambda/reconcile/handler/index.js` (the Lambda Node.js runtime provides `@aws-sdk/*`). Each run
 * does what `stripe-eventbridge reconcile` does (src/reconcile/): reads each handler function's
 * environment, lists the Stripe events of the window (snapshot and thin) with the restricted key from Secrets Manager, routes
 * them as the rules would and looks up their idempotency records; publishes how many are missing
 * (EventsMissed, EMF), logs their ids (never payloads), and with backfill on, sends them to their functions.
 * A run that cannot check fails, so the function's Errors metric shows a check that stopped working.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { readReconcileConfig } from './config';
import {
  ENV_STRIPE_API_BASE,
  METRIC_EVENTS_BACKFILLED,
  METRIC_EVENTS_MISSED,
} from '../../contract/reconcile';
import { backfill, BackfillSummary, lambdaInvoker } from '../../reconcile/backfill';
import { reconcile } from '../../reconcile/reconcile';
import { reportJson } from '../../reconcile/report-text';
import { readDeployedRoutes } from '../../reconcile/routes';
import { createStripeClient, eventWindow } from '../../reconcile/stripe-events';
import { readStripeKey } from '../destination-provider/secret';

const config = readReconcileConfig(process.env);
const logger = new Logger();
const metrics = new Metrics();
const secrets = new SecretsManagerClient({});
const lambda = new LambdaClient({});
const ddb = new DynamoDBClient({});

export interface ReconcileRunSummary {
  readonly since: string;
  readonly until: string;
  readonly listed: number;
  readonly missing: number;
  readonly backfilled: number;
  readonly backfillFailed: number;
  /** Missing events not sent: processed under another key scope (set previousKeyScopes). */
  readonly processedUnderOtherScopes: number;
  /** Missing events an earlier run sent, and not sent again now: Lambda may still be retrying them, or their handler keeps failing. */
  readonly backfillWaiting: number;
  readonly backfillFailing: number;
  /** Missing thin events not sent because their snapshot twin, missing too, was sent for both (one record for the pair). */
  readonly leftToSnapshotTwins: number;
}

/** The missing events a backfill held back, as a clause of the run's message. */
function heldBack(summary: BackfillSummary): string {
  const failing = summary.sentBefore.filter((e) => e.action === 'failing').length;
  const clauses = [
    summary.otherScope.length > 0 ? `${summary.otherScope.length} processed under another key scope, not sent (set idempotency.previousKeyScopes)` : '',
    failing > 0 ? `${failing} failing after every backfill, not sent again (see the dead-letter queue)` : '',
    summary.twins.length > 0 ? `${summary.twins.length} thin, left to ${summary.twins.length === 1 ? 'its snapshot twin' : 'their snapshot twins'} (one record for both)` : '',
  ];
  return clauses.filter((c) => c !== '').map((c) => `; ${c}`).join('');
}

export async function handler(): Promise<ReconcileRunSummary> {
  // Read on every run, so that a rotated key is used at once.
  const key = await readStripeKey(secrets, config.secretId);
  const routes = await readDeployedRoutes(
    lambda,
    config.routes.map((r) => ({ functionName: r.function, patterns: r.patterns, thinPatterns: r.thinPatterns })),
    { eventSourceName: config.eventSourceName, thinEventSourceName: config.thinEventSourceName },
  );
  const now = Math.floor(Date.now() / 1000);
  const result = await reconcile({
    routes,
    stripe: createStripeClient(key, process.env[ENV_STRIPE_API_BASE] || undefined),
    ddb,
    window: eventWindow(now, config.windowSeconds, config.graceSeconds),
    now,
  });
  const { report } = result;
  let summary: BackfillSummary | undefined;
  if (config.backfill && report.missing > 0) {
    summary = await backfill({ result, invoke: lambdaInvoker(lambda), ddb, now, limit: config.backfillLimit });
  }

  metrics.addMetric(METRIC_EVENTS_MISSED, MetricUnit.Count, report.missing);
  metrics.addMetric(METRIC_EVENTS_BACKFILLED, MetricUnit.Count, summary?.sent.length ?? 0);
  metrics.publishStoredMetrics();

  const { wouldSend: _none, ...sent } = summary ?? { wouldSend: [] };
  const details = { report: reportJson(report), ...(summary ? { backfill: sent } : {}) };
  if (report.missing > 0) {
    const held = summary ? heldBack(summary) : '';
    const one = report.missing === 1;
    const what = `${report.missing} Stripe ${one ? 'event' : 'events'} never reached ${one ? 'its handler' : 'their handlers'}`;
    logger.warn(`${what}${summary ? `; ${summary.sent.length} sent to ${one ? 'it' : 'them'}${held}` : ''}`, details);
  } else {
    logger.info('Every Stripe event the rules take reached its handler', details);
  }
  const json = details.report as { since: string; until: string };
  return {
    since: json.since,
    until: json.until,
    listed: report.listed,
    missing: report.missing,
    backfilled: summary?.sent.length ?? 0,
    backfillFailed: summary?.failed.length ?? 0,
    processedUnderOtherScopes: summary?.otherScope.length ?? 0,
    backfillWaiting: summary?.sentBefore.filter((e) => e.action === 'waiting').length ?? 0,
    backfillFailing: summary?.sentBefore.filter((e) => e.action === 'failing').length ?? 0,
    leftToSnapshotTwins: summary?.twins.length ?? 0,
  };
}
