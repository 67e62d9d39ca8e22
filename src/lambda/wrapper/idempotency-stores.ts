/**
 * The execution environment's idempotency stores (idempotency.ts): one per invocation in progress, over one DynamoDB
 * client, reused by the invocations that follow.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IdempotencyStoreOptions, InvocationStore } from './idempotency';

/**
 * One DynamoDB client for the execution environment, and a store for each invocation in progress: one in all where
 * Lambda runs one invocation at a time, as a persistence layer made once at module scope is in Powertools' own
 * examples (making one per invocation cost more CPU than the wrapper's whole envelope validation: Powertools
 * lists the client's middleware each time to add its user agent once).
 */
export class InvocationStores {
  private readonly client: DynamoDBClient;
  private readonly idle: InvocationStore[] = [];

  constructor(private readonly options: IdempotencyStoreOptions) {
    this.client = new DynamoDBClient(options.endpoint ? { endpoint: options.endpoint } : {});
  }

  /** A store for a new invocation. */
  public acquire(): InvocationStore {
    const store = this.idle.pop() ?? new InvocationStore(this.client, this.options);
    store.begin();
    return store;
  }

  /** Takes the store back once its invocation is over; one with a commit still in flight is never used again. */
  public release(store: InvocationStore): void {
    store.end();
    if (!store.committing) this.idle.push(store);
  }
}
