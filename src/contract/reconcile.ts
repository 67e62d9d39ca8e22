/**
 * The contract between StripeEventReconciliation (synth time), its scheduled function and the
 * `stripe-eventbridge reconcile` command: environment names, the function's configuration, metric names
 * and the limits of Stripe's Events API both sides check. No imports.
 */

/** The reconciliation function's configuration (a ReconcileFunctionConfig as JSON). */
export const ENV_RECONCILE_CONFIG = 'STRIPE_EB_RECONCILE_CONFIG';

/** The ARN (or name) of the Secrets Manager secret holding the Stripe restricted key; never the key. */
export const ENV_RECONCILE_SECRET_ID = 'STRIPE_EB_RECONCILE_SECRET_ID';

/**
 * Optional override of Stripe's API base URL (`http://127.0.0.1:12111`): stripe-mock and the local Events
 * API stand-ins of the tests and the demo. Never set by the construct.
 */
export const ENV_STRIPE_API_BASE = 'STRIPE_EB_STRIPE_API_BASE';

/** One route the scheduled function checks: the function to read and invoke, and its rules' patterns. */
export interface ReconcileRouteConfig {
  /** Function name or ARN. */
  readonly function: string;
  /** The event patterns of the rules on a bus of snapshot events that target the function, as EventBridge holds them. */
  readonly patterns: unknown[];
  /** The event patterns of its rules on a bus of thin events (absent: none, as for every route before thin events). */
  readonly thinPatterns?: unknown[];
}

/** What the construct tells its scheduled function (ENV_RECONCILE_CONFIG). */
export interface ReconcileFunctionConfig {
  readonly routes: ReconcileRouteConfig[];
  /** The partner event source name of the snapshot bus (envelope `source` of backfilled snapshot events), when known. */
  readonly eventSourceName?: string;
  /** The partner event source name of the thin bus (envelope `source` of backfilled thin events), when known. */
  readonly thinEventSourceName?: string;
  /** How far back each run looks, in seconds. */
  readonly windowSeconds: number;
  /** Events younger than this (seconds) are left for the next run: they may still be on their way. */
  readonly graceSeconds: number;
  /** Deliver missing events to their functions. */
  readonly backfill: boolean;
  /** At most this many events delivered per run. */
  readonly backfillLimit: number;
}

/** Metric names of the reconciliation (EMF, the integration's namespace, dimension `service`). */
export const METRIC_EVENTS_MISSED = 'EventsMissed';
export const METRIC_EVENTS_BACKFILLED = 'EventsBackfilled';

/**
 * Stripe's Events API returns the events of the last 30 days ("List events, going back up to 30 days",
 * GET /v1/events in Stripe's OpenAPI spec, and GET /v2/core/events in its v2 spec).
 */
export const STRIPE_EVENTS_RETENTION_SECONDS = 30 * 24 * 60 * 60;

/**
 * `types[]` of GET /v1/events takes "an array of up to 20 strings containing specific event names", and so does `types`
 * of GET /v2/core/events.
 */
export const STRIPE_MAX_TYPES_PER_LIST = 20;

/** Defaults shared by the command and the construct. */
export const DEFAULT_RECONCILE_WINDOW_SECONDS = 3 * 24 * 60 * 60;
export const DEFAULT_RECONCILE_GRACE_SECONDS = 15 * 60;
export const DEFAULT_BACKFILL_LIMIT = 100;

/**
 * A backfill remembers each event it sent in the idempotency table of the event's handler, beside (never in)
 * the records: the item `<BACKFILL_MARKER_PREFIX><record key>`, e.g.
 * `stripe-eventbridge:backfill#Payments/Stripe.Orders#<hash>`. No key prefix starts so (a key prefix is
 * `<key scope>.<handler name>`, and a key scope has no `#`), so neither wrapper ever reads one as a record, and
 * IAM can let the reconciliation write markers (dynamodb:LeadingKeys `<BACKFILL_MARKER_PREFIX><key prefix>#*`)
 * without letting it write records. Attributes: `expiration` (the table's TTL attribute: the marker goes once
 * Stripe's list no longer returns the event), BACKFILL_MARKER_ATTRIBUTE.ATTEMPTS and .LAST (epoch seconds).
 */
export const BACKFILL_MARKER_PREFIX = 'stripe-eventbridge:backfill#';

/** Attribute names of a backfill marker (besides the key `id` and `expiration`). */
export const BACKFILL_MARKER_ATTRIBUTE = {
  /** How many times the event was sent by a backfill (a number). */
  ATTEMPTS: 'backfill_attempts',
  /** When it was last sent (epoch seconds). */
  LAST: 'last_backfill',
} as const;

/**
 * An event sent by a backfill and still missing is sent again only this long after the last send: before,
 * Lambda may still be retrying it (its asynchronous retries, a minute and two apart, or a throttled event).
 */
export const DEFAULT_BACKFILL_RETRY_AFTER_SECONDS = 60 * 60;

/**
 * An event sent this many times and still missing is not sent again: its handler fails on it, and each failed
 * send left a copy in the dead-letter queue, where it waits for a fix and a redrive.
 */
export const MAX_BACKFILL_ATTEMPTS = 3;
