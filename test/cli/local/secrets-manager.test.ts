/**
 * The local Secrets Manager of `stripe-eventbridge replay` (GetSecretValue only), called with the AWS SDK for
 * JavaScript v3 as the wrapper reads its Stripe key (AWS_ENDPOINT_URL_SECRETS_MANAGER points the SDK at it).
 */
import { DescribeSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { LocalSecretsManager } from '../../../src/cli/local/secrets-manager';

const ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:platform/stripe-read-key-AbCdEf';

async function withServer(server: LocalSecretsManager, run: (client: SecretsManagerClient) => Promise<void>): Promise<void> {
  const endpoint = await server.start();
  const client = new SecretsManagerClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  try {
    await run(client);
  } finally {
    client.destroy();
    await server.stop();
  }
}

test('named secrets: their string by ARN or name; another SecretId is ResourceNotFoundException; every read is recorded', async () => {
  const server = new LocalSecretsManager({ [ARN]: 'rk_test_Named', 'platform/other': 'rk_test_Other' });
  await withServer(server, async (client) => {
    await expect(client.send(new GetSecretValueCommand({ SecretId: ARN }))).resolves.toMatchObject({ ARN, Name: 'platform/stripe-read-key-AbCdEf', SecretString: 'rk_test_Named' });
    await expect(client.send(new GetSecretValueCommand({ SecretId: 'platform/other' }))).resolves.toMatchObject({ Name: 'platform/other', SecretString: 'rk_test_Other' });
    await expect(client.send(new GetSecretValueCommand({ SecretId: 'platform/missing' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
  expect(server.reads).toEqual([ARN, 'platform/other', 'platform/missing']);
});

test('the replay\'s: every SecretId gets the one key; any other operation is refused by name', async () => {
  const server = new LocalSecretsManager({}, { anySecret: 'rk_test_Local' });
  await withServer(server, async (client) => {
    await expect(client.send(new GetSecretValueCommand({ SecretId: 'stripe-eventbridge-local/stripe-api-key' }))).resolves.toMatchObject({ SecretString: 'rk_test_Local' });
    await expect(client.send(new DescribeSecretCommand({ SecretId: ARN }))).rejects.toMatchObject({
      name: 'UnknownOperationException',
      message: 'the local Secrets Manager of stripe-eventbridge answers GetSecretValue only, not secretsmanager.DescribeSecret',
    });
  });
});
