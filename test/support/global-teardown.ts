import type { DynamoDbLocal } from '../../src/cli/local/dynamodb-local';

export default async function globalTeardown(): Promise<void> {
  const ddb = (globalThis as { __DYNAMODB_LOCAL__?: DynamoDbLocal }).__DYNAMODB_LOCAL__;
  await ddb?.stop();
}
