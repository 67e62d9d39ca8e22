/**
 * The wrapper's EMF metrics: the names and dimension the wrapper emits and the alarms, dashboard and
 * public `metric*()` methods read. No imports.
 */

/** CloudWatch namespace for the wrapper's EMF metrics. */
export const DEFAULT_METRICS_NAMESPACE = 'StripeEventBridge';

/**
 * Metric names the wrapper emits (and that alarms and dashboards refer to). Every valid delivery counts
 * exactly one of processed, duplicate, in progress or failed; a rejected event counts invalid.
 * ProcessingTime (milliseconds) is recorded for processed events only; EventAge (milliseconds, now minus
 * the Stripe event's `created`) for every valid delivery.
 */
export const METRIC_PROCESSED = 'EventsProcessed';
export const METRIC_DUPLICATE = 'EventsDuplicate';
export const METRIC_IN_PROGRESS = 'EventsInProgress';
export const METRIC_FAILED = 'EventsFailed';
export const METRIC_INVALID = 'EventsInvalid';
export const METRIC_PROCESSING_TIME = 'ProcessingTime';
export const METRIC_EVENT_AGE = 'EventAge';
/** The metrics of which every delivery counts exactly one: their sum is every delivery. */
export const DELIVERY_METRICS = [METRIC_PROCESSED, METRIC_DUPLICATE, METRIC_IN_PROGRESS, METRIC_FAILED, METRIC_INVALID];
/** The EMF dimension that carries the handler name (Powertools Metrics' default `service` dimension). */
export const METRIC_DIMENSION_HANDLER = 'service';
/**
 * The EMF dimension that carries the integration's name (`<stack name>/<integration id>`). Every metric is
 * emitted with the dimension set [integration], so that one alarm watches all the integration's handlers
 * whatever their number; with per-handler metrics on, also with [integration, service].
 */
export const METRIC_DIMENSION_INTEGRATION = 'integration';
