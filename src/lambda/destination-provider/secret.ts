import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { StripeKeySecretError } from './errors';

/** A Stripe secret or restricted key, live or sandbox. */
const STRIPE_KEY = /^(?:sk|rk)_(?:live|test)_[A-Za-z0-9]+$/;

/**
 * Reads the Stripe key from Secrets Manager at deploy time. The secret string must be the key itself.
 * Error messages name the secret, never its value.
 */
export async function readStripeKey(client: SecretsManagerClient, secretId: string): Promise<string> {
  let value: string | undefined;
  try {
    const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    value = out.SecretString;
  } catch (err) {
    const e = err as { name?: string; message?: string };
    throw new StripeKeySecretError(`could not read the Stripe key from secret ${secretId}: ${e.name ?? 'Error'}: ${e.message ?? String(err)}`);
  }
  const key = value?.trim();
  if (!key) {
    throw new StripeKeySecretError(`secret ${secretId} has no secret string; store the Stripe restricted key (rk_live_… or rk_test_…) as plain text.`);
  }
  if (!STRIPE_KEY.test(key)) {
    const looksLikeJson = key.startsWith('{');
    throw new StripeKeySecretError(
      `secret ${secretId} does not hold a Stripe key${looksLikeJson ? ' (it holds JSON)' : ''}; store the restricted key itself ` +
        '(rk_live_… or rk_test_…) as the plain-text secret string.',
    );
  }
  return key;
}
