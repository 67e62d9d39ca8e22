/**
 * The idempotency record and its key, as the wrappers of this library write them (the Node.js wrapper; the
 * Python wrapper on Powertools for AWS Lambda (Python) writes the same schema with its own key digest and
 * result encoding, below) and as tools read them (the redrive, a reconciliation). No imports.
 *
 * Table: partition key `id` (string), TTL attribute `expiration`: Powertools' DynamoDB schema.
 *
 * Key: `<key prefix>#<hash>`, where the key prefix is the function's `STRIPE_EB_IDEMPOTENCY_KEY_PREFIX`
 * (`<key scope>.<handler name>`) and the hash is the MD5 digest of `JSON.stringify(stripeEventId)` (the
 * event id in double quotes, e.g. `"evt_1Q…"`) in standard base64 with padding: Powertools for AWS Lambda
 * (TypeScript) 2.x (`BasePersistenceLayer.generateHash`: `createHash('md5')…digest('base64')`). Powertools
 * Python hashes `json.dumps(data, sort_keys=True)` (the same text for a string) but encodes it in hex
 * (`hexdigest()`), which the Python wrapper keeps: a Node.js and a Python handler never share a record.
 *
 * Attributes (Powertools' names):
 * - `expiration`: epoch seconds, now + the record lifetime (`STRIPE_EB_IDEMPOTENCY_TTL_SECONDS`), set when
 *   the record is put in progress and again when it completes; DynamoDB's TTL deletes it some time after.
 * - `status`: `INPROGRESS` or `COMPLETED`.
 * - `in_progress_expiration`: epoch milliseconds, the invocation's deadline (now + remaining time).
 * - `data`: the handler's result as a native DynamoDB value (`M`, `L`, `S`, `N`, `BOOL`, `NULL`), as the
 *   Node.js SDK marshals its JSON form; `NULL` when the handler returned nothing or a result DynamoDB
 *   cannot hold. The Python wrapper stores Powertools Python's form: `json.dumps(result, sort_keys=True)`
 *   as a string (`S`, `"null"` for no result); readers tell the two apart by the key's digest.
 *
 * Requests, in this order:
 * 1. Put in progress: `PutItem` of `id`, `expiration`, `status = INPROGRESS`, `in_progress_expiration`
 *    with Powertools' condition `attribute_not_exists(#id) OR #expiry < :now OR (#status = :inprogress
 *    AND attribute_exists(#in_progress_expiry) AND #in_progress_expiry < :now_in_millis)` and
 *    `ReturnValues: ALL_OLD` (so a replaced expired record can be reported; the Node.js wrapper only). A
 *    failed condition with `ReturnValuesOnConditionCheckFailure: ALL_OLD` is a duplicate (COMPLETED:
 *    return `data`) or in progress elsewhere (INPROGRESS: fail so that Lambda retries).
 * 2a. Plain completion: `UpdateItem` `SET #expiry = :expiry, #status = :status, #response_data = :data`.
 * 2b. Transactional completion (both wrappers): one `TransactWriteItems` holding the handler's own actions
 *     first, in its order, and last an `Update` of the record with the same `SET` and the condition
 *     `#status = :inprogress AND #in_progress_expiry = :in_progress_expiry` (this invocation's own
 *     deadline, from step 1): the effects and the completion commit together or not at all.
 * 3. On a handler error: `DeleteItem` of the record with the same condition as 2b, so that a record this
 *    invocation no longer owns (completed by its own transaction, or taken over after its deadline) stays.
 */

/** Attribute names of the idempotency record (Powertools' defaults). */
export const RECORD_ATTRIBUTE = {
  KEY: 'id',
  EXPIRATION: 'expiration',
  STATUS: 'status',
  IN_PROGRESS_EXPIRATION: 'in_progress_expiration',
  DATA: 'data',
} as const;

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
