/**
 * The idempotency record and its key: what both wrappers of this library write, the Node.js wrapper on
 * Powertools for AWS Lambda (TypeScript) and the Python wrapper on Powertools for AWS Lambda (Python), and what
 * the tools read (the redrive, a reconciliation). One contract for every runtime: a record written by one is a
 * duplicate for the other, so a handler moved from Node.js to Python (same name, same key scope) does not run an
 * event again. No imports. (Nothing older than this contract was ever published: the hex keys and JSON-text
 * `data` of the Python wrapper's earliest builds are not read.)
 *
 * Table: partition key `id` (string), TTL attribute `expiration`: Powertools' DynamoDB schema.
 *
 * Key: `<key prefix>#<hash>`, where the key prefix is the function's `STRIPE_EB_IDEMPOTENCY_KEY_PREFIX`
 * (`<key scope>.<handler name>`) and the hash is the MD5 digest of `JSON.stringify(stripeEventId)` (the
 * event id in double quotes, e.g. `"evt_1Q…"`, UTF-8) in standard base64 with padding: Powertools for AWS Lambda
 * (TypeScript) 2.x (`BasePersistenceLayer.generateHash`: `createHash('md5')…digest('base64')` of
 * `JSON.stringify(deepSort(value))`). Powertools Python hashes `json.dumps(value, sort_keys=True)` in hex; the
 * Python wrapper overrides its `_generate_hash` to write the TypeScript form (the same JSON text, the base64 digest).
 *
 * A thin event (`detail.object` `v2.core.event`) is keyed on `detail.snapshot_event` when it has one (its snapshot
 * twin's id, so the pair shares one record), else on `detail.id`; its `validation` is the hash of `[type, account]` with
 * the type's `v1.` removed and the account the last segment of `detail.context` (null without one), which is what its
 * snapshot twin's record holds.
 *
 * Attributes (Powertools' names):
 * - `expiration`: epoch seconds, now + the record lifetime (`STRIPE_EB_IDEMPOTENCY_TTL_SECONDS`), set when
 *   the record is put in progress and again when it completes; DynamoDB's TTL deletes it some time after.
 * - `status`: `INPROGRESS` or `COMPLETED`.
 * - `in_progress_expiration`: epoch milliseconds, the invocation's deadline (now + remaining time).
 * - `validation`: what the event that made the record was: the hash (as for the key) of
 *   PAYLOAD_VALIDATION_JMESPATH applied to the delivery, `[detail.type, detail.account]` (Powertools'
 *   payload validation, `payloadValidationJmesPath` / `payload_validation_jmespath`). Written with the
 *   in-progress put. A delivery of the same `evt_` id whose hash differs (another type or account) is not the
 *   same Stripe event: it is rejected as invalid (`EVENT_ID_REUSED`), never answered as a duplicate. A record
 *   without the attribute (written by hand, or by a build from before it) is not checked.
 * - `data`: the handler's result as a native DynamoDB value (`M`, `L`, `S`, `N`, `BOOL`, `NULL`), as the
 *   Node.js SDK marshals its JSON form; `NULL` when the handler returned nothing or a result DynamoDB
 *   cannot hold (both wrappers apply the same rules: numbers within ±(2^53 − 1), no empty map key, at most 32
 *   levels, about 396 KB). Written when the record completes.
 *
 * Requests, in this order:
 * 1. Put in progress: `PutItem` of `id`, `expiration`, `status = INPROGRESS`, `in_progress_expiration`,
 *    `validation` with Powertools' condition `attribute_not_exists(#id) OR #expiry < :now OR (#status =
 *    :inprogress AND attribute_exists(#in_progress_expiry) AND #in_progress_expiry < :now_in_millis)` and
 *    `ReturnValues: ALL_OLD` (so a replaced expired record can be reported; the Node.js wrapper only). A
 *    failed condition with `ReturnValuesOnConditionCheckFailure: ALL_OLD` is, after the `validation` check, a
 *    duplicate (COMPLETED: return `data`) or in progress elsewhere (INPROGRESS: fail so that Lambda retries).
 * 1b. Only for a function with previous key prefixes (`STRIPE_EB_IDEMPOTENCY_PREVIOUS_KEY_PREFIXES`), after a
 *    successful put: one strongly consistent read of the event's keys under those prefixes (`GetItem` for one,
 *    `BatchGetItem` for several). A live `COMPLETED` record there (`expiration` in the future) makes the
 *    delivery a duplicate: it returns that record's `data` and completes its own record with it (request 2a),
 *    so later copies cost one request. Else a live `INPROGRESS` one (`in_progress_expiration` in the future)
 *    makes it in progress: it deletes its own record (request 3) and fails so that Lambda retries.
 * 2a. Plain completion: `UpdateItem` `SET #expiry = :expiry, #status = :status, #response_data = :response_data`
 *    on the condition OWN_RECORD_CONDITION (`#status = :inprogress AND #in_progress_expiry =
 *    :in_progress_expiry`, this invocation's own deadline from step 1). A failed condition means the record
 *    was taken over (its deadline passed and another delivery put it in progress) or removed: nothing is
 *    overwritten and the invocation fails with `IdempotencyRecordLostError`.
 * 2b. Transactional completion: one `TransactWriteItems` holding the handler's own actions first, in its
 *     order, and last an `Update` of the record with the same `SET` and the same condition: the effects and the
 *     completion commit together or not at all.
 * 3. On a handler error: `DeleteItem` of the record with the same condition, so that a record this
 *    invocation no longer owns (completed by its own transaction, or taken over after its deadline) stays.
 */

/** Attribute names of the idempotency record (Powertools' defaults). */
export const RECORD_ATTRIBUTE = {
  KEY: 'id',
  EXPIRATION: 'expiration',
  STATUS: 'status',
  IN_PROGRESS_EXPIRATION: 'in_progress_expiration',
  DATA: 'data',
  VALIDATION: 'validation',
} as const;

/**
 * What the record's `validation` hash covers: the Stripe event's type and account (absent, hence null, for an
 * event of the account itself). Stripe event ids are unique, so a delivery of a known id with another type or
 * account is forged or corrupted. A JMESPath expression, applied to the EventBridge event by Powertools (both
 * runtimes evaluate it to the same list, hashed as the key is).
 */
export const PAYLOAD_VALIDATION_JMESPATH = '[detail.type, detail.account]';

/** The condition of every write after the in-progress put: the record is still this invocation's own. */
export const OWN_RECORD_CONDITION = '#status = :inprogress AND #in_progress_expiry = :in_progress_expiry';

/** The completion's update (plain or transactional). */
export const COMPLETION_UPDATE = 'SET #expiry = :expiry, #status = :status, #response_data = :response_data';

/**
 * At most this many previous key prefixes per function: each is one more key in the read that a fresh event
 * makes when previous prefixes are set, and they share Lambda's 4 KB of environment variables.
 */
export const MAX_PREVIOUS_KEY_PREFIXES = 10;

/** Values of the record's `status`. */
export const RECORD_STATUS = {
  IN_PROGRESS: 'INPROGRESS',
  COMPLETED: 'COMPLETED',
} as const;

/** Between the key prefix and the hash of the Stripe event id. */
export const KEY_HASH_SEPARATOR = '#';

/** Between the key scope and the handler name in a key prefix: `<key scope>.<handler name>`. */
export const KEY_SCOPE_SEPARATOR = '.';

/**
 * DynamoDB's TransactWriteItems limits (docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html):
 * up to 100 actions, no two on the same item, one account and Region, an aggregate item size of 4 MB.
 * The record's completion is one of the 100.
 */
export const MAX_TRANSACTION_ACTIONS = 100;
export const MAX_TRANSACTION_BYTES = 4 * 1024 * 1024;

/**
 * How long Stripe retries a delivery in live mode: "for up to 3 days with an exponential back off"
 * (docs.stripe.com/workbench/event-destinations, "Retry sending an event"); three times over a few hours in
 * test mode.
 */
export const STRIPE_RETRY_WINDOW_SECONDS = 3 * 24 * 60 * 60;
