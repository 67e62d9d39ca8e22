import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';

/**
 * Idempotency settings: where the records of processed Stripe events are kept, for how long, and under
 * which keys.
 */
export interface StripeIdempotencyOptions {
  /**
   * An existing table in the Powertools idempotency schema: partition key `id` (string), TTL attribute
   * `expiration`. Integrations may share a table: their key scopes keep their records apart, and `cdk synth`
   * fails if two handlers of the app would share a table and a key prefix.
   *
   * @default - a table is created: on-demand, point-in-time recovery, retained on stack deletion
   */
  readonly table?: dynamodb.ITable;

  /**
   * How long a processed event's record (and stored result) is kept. A copy of the event that arrives after
   * its record expired runs the handler again, so the record must outlive every way the same event can come
   * back: Stripe's retries (up to 3 days), EventBridge's (`maxEventAge`) and Lambda's (`lambdaMaxEventAge`)
   * retries after them, a redrive from the dead-letter queue (its retention) and a replay from the archive
   * (its retention). A shorter value fails `cdk synth` with the window it misses. Where a window cannot be
   * read from the app (an imported dead-letter queue, no archive of the integration's own), the integration
   * warns with what it assumed.
   *
   * @default - the longest of those windows plus a day, in whole days: 36 days with the defaults (an archive
   * replay: Stripe's 3 days + 30 days of archive retention + 24 hours + 6 hours, plus a day)
   */
  readonly recordLifetime?: Duration;

  /**
   * The scope of this integration's idempotency keys: each handler's key prefix is `<keyScope>.<handler
   * name>` (in the functions' `STRIPE_EB_IDEMPOTENCY_KEY_PREFIX`). Pin it to keep the keys when a refactor
   * moves the integration to another construct path or stack. Changing it starts a new key space: events
   * processed under the old scope and still inside their record lifetime are processed again if they come
   * back (a late Stripe retry, a redrive, a replay). To keep the keys of a deployment made by an earlier release
   * of this library, which prefixed keys with the integration's construct id only, pin that id (e.g. `'Stripe'`).
   *
   * @default - `<stack name>/<path of the integration in its stack>`, e.g. `Payments/Stripe`: unique in an
   * account and Region, and stable across deployments
   */
  readonly keyScope?: string;

  /**
   * The key scopes this integration's records had before, most recent first: set them in the deployment that
   * changes `keyScope` (or moves an integration whose scope is not pinned to another construct path or stack). A
   * fresh event then also looks up its record under each previous scope: one processed there is a duplicate (its
   * stored result is returned, and the record is copied to the current scope), one in progress there is retried
   * later. The recovery tools read them too. Cost: one more DynamoDB read per fresh event (GetItem, or
   * BatchGetItem for several scopes); none for duplicates. Remove a scope once the record lifetime has passed
   * since the change: its records have expired. At most 10.
   *
   * @default - none: a changed key scope starts a new key space
   */
  readonly previousKeyScopes?: string[];

  /**
   * What happens to the created table when it leaves the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}
