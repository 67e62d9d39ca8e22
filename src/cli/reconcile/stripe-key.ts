/**
 * The Stripe key `reconcile` lists events with: a restricted key with read access to Events, from the
 * environment (STRIPE_API_KEY, as Stripe's own CLI reads it) or from a Secrets Manager secret (`--secret`).
 * Never an option value: that would put it in the shell history and the process list.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { StripeEventBridgeError } from '../../contract/errors';
import { readStripeKey } from '../../lambda/destination-provider/secret';

export const ENV_STRIPE_API_KEY = 'STRIPE_API_KEY';

/** A Stripe secret or restricted key, live or sandbox. */
const STRIPE_KEY = /^(?:sk|rk)_(?:live|test)_[A-Za-z0-9]+$/;

/** No usable key: says where to put one. */
export class StripeKeyError extends StripeEventBridgeError {
  public readonly name = 'StripeKeyError';
}

export interface StripeKey {
  readonly key: string;
  /** Where it came from, for the output (never the key). */
  readonly from: string;
}

export async function stripeKey(env: NodeJS.ProcessEnv, secretId: string | undefined, secrets: () => SecretsManagerClient): Promise<StripeKey> {
  if (secretId !== undefined) {
    try {
      return { key: await readStripeKey(secrets(), secretId), from: `secret ${secretId}` };
    } catch (err) {
      throw new StripeKeyError((err as Error).message);
    }
  }
  const key = env[ENV_STRIPE_API_KEY]?.trim();
  if (!key) {
    throw new StripeKeyError(
      `no Stripe key: set ${ENV_STRIPE_API_KEY} to a restricted key with Read access to Events (rk_live_… or rk_test_…), ` +
        'or pass --secret <ARN or name of a Secrets Manager secret that holds it>',
    );
  }
  if (!STRIPE_KEY.test(key)) {
    throw new StripeKeyError(`${ENV_STRIPE_API_KEY} does not hold a Stripe key; set it to a restricted key (rk_live_… or rk_test_…) with Read access to Events`);
  }
  return { key, from: ENV_STRIPE_API_KEY };
}
