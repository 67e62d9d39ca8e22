/**
 * The wrapper's structured log line: one JSON line per delivery, read back by the saved Logs Insights
 * queries and by the local replay. The field names and outcomes are defined here once. No imports.
 */

/** Field names of the wrapper's log line (besides the keys of Powertools Logger's lines, `level`, `message`, `timestamp`, …). */
export const LOG_FIELD = {
  /** The handler's name (also the line's `service`). */
  HANDLER: 'handler',
  /** What happened to the delivery: one of OUTCOME. */
  OUTCOME: 'outcome',
  DURATION_MS: 'duration_ms',
  /** Now minus the Stripe event's `created`, in milliseconds. */
  EVENT_AGE_MS: 'event_age_ms',
  STRIPE_EVENT_ID: 'stripe_event_id',
  STRIPE_EVENT_TYPE: 'stripe_event_type',
  STRIPE_API_VERSION: 'stripe_api_version',
  LIVEMODE: 'livemode',
  /** A thin event's `related_object.id`: the object it is about, which the handler fetches (absent for snapshot events). */
  RELATED_OBJECT_ID: 'related_object_id',
  /**
   * A thin event's `snapshot_event`: the id of its snapshot twin, under which its idempotency record is kept (so the
   * twin that arrives second is a `duplicate`). Absent for snapshot events and thin events without a twin.
   */
  SNAPSHOT_EVENT_ID: 'snapshot_event_id',
  /** The EventBridge envelope's own id (differs on every redelivery of the same Stripe event). */
  EVENTBRIDGE_ID: 'eventbridge_id',
  /**
   * Why an event was rejected as invalid (an InvalidStripeEventReason: one of the envelope's, or
   * `EVENT_ID_REUSED` when its `evt_` id has a record made by an event of another type or account).
   */
  REASON: 'reason',
  ERROR_NAME: 'error_name',
  ERROR_MESSAGE: 'error_message',
  /** Whether the user's handler ran before a failure (its business effect may have happened). */
  HANDLER_RAN: 'handler_ran',
  /**
   * How many DynamoDB actions the handler handed over with `context.effects.transactWrite` and the wrapper
   * committed in one transaction with the record's completion (absent when the handler wrote on its own).
   */
  TRANSACTION_ACTIONS: 'transaction_actions',
  /**
   * Set when the in-progress record replaced an expired one: `expired_in_progress` (an earlier attempt
   * started and never finished: a crash, a timeout or a failed completion; a handler that wrote on its own
   * may have had its effect then, and has it again now) or `expired_completed` (the event was processed
   * before its record outlived its lifetime).
   */
  REPLACED_RECORD: 'replaced_record',
  /**
   * Set when the delivery was decided by the event's record under a previous key prefix (a duplicate of an event
   * processed before the key scope changed, or in progress under it): that prefix. While such lines appear, the
   * previous key scope is still needed.
   */
  PREVIOUS_KEY_PREFIX: 'previous_key_prefix',
  /**
   * Set when the handler wrote an object's state with `context.effects.putLatest`: how it was decided (`newer`,
   * `older`, `unchanged` or `fetched`; src/contract/latest-state.ts).
   */
  LATEST_STATE: 'latest_state',
  /** With LATEST_STATE: the object's id. */
  LATEST_STATE_OBJECT: 'latest_state_object',
  /** With LATEST_STATE: how many times the object was fetched from Stripe (0 when the event decided). */
  STRIPE_FETCHES: 'stripe_fetches',
} as const;

/** What happened to one delivery. Logged as `outcome` and counted as a metric. */
export const OUTCOME = {
  /** The handler ran and its record completed. */
  PROCESSED: 'processed',
  /** A completed record existed: the handler did not run; the stored result was returned. */
  DUPLICATE: 'duplicate',
  /** Another invocation holds the event's in-progress record: failed so that Lambda retries later. */
  IN_PROGRESS: 'in_progress',
  /** The handler (or the idempotency store) failed. */
  FAILED: 'failed',
  /** Not a valid Stripe event: no record, no handler call. */
  INVALID: 'invalid',
} as const;

export type Outcome = (typeof OUTCOME)[keyof typeof OUTCOME];
