/**
 * Variant (b) of the benchmark: the same business handler made idempotent by hand with Powertools'
 * `makeIdempotent`, as the Powertools documentation shows it (a persistence layer and a config at module
 * scope, the handler wrapped once), keyed on the Stripe event id with the same record lifetime as (c).
 */
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { handler as business } from './bare';

const persistenceStore = new DynamoDBPersistenceLayer({
  tableName: process.env.BENCH_IDEMPOTENCY_TABLE!,
  clientConfig: { endpoint: process.env.BENCH_DYNAMODB_ENDPOINT },
});

const config = new IdempotencyConfig({
  eventKeyJmesPath: 'detail.id',
  expiresAfterSeconds: 7 * 24 * 60 * 60,
});

export const handler = makeIdempotent(business, { persistenceStore, config });
