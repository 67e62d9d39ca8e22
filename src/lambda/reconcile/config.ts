import { StripeEventBridgeError } from '../../contract/errors';
import { ENV_RECONCILE_CONFIG, ENV_RECONCILE_SECRET_ID, ReconcileFunctionConfig } from '../../contract/reconcile';

/** The function's settings are missing or malformed: it was not deployed by StripeEventReconciliation. */
export class ReconcileConfigError extends StripeEventBridgeError {
  public readonly name = 'ReconcileConfigError';
}

export interface ReconcileSettings extends ReconcileFunctionConfig {
  readonly secretId: string;
}

export function readReconcileConfig(env: NodeJS.ProcessEnv): ReconcileSettings {
  const fail = (why: string): never => {
    throw new ReconcileConfigError(`${why}. The reconciliation function only runs as deployed by StripeEventReconciliation.`);
  };
  const secretId = env[ENV_RECONCILE_SECRET_ID] || fail(`environment variable ${ENV_RECONCILE_SECRET_ID} is not set`);
  let config: ReconcileFunctionConfig;
  try {
    config = JSON.parse(env[ENV_RECONCILE_CONFIG] ?? '');
  } catch {
    return fail(`environment variable ${ENV_RECONCILE_CONFIG} is not JSON`);
  }
  const malformed = (r: ReconcileFunctionConfig['routes'][number]) =>
    typeof r?.function !== 'string' || !Array.isArray(r.patterns) || (r.thinPatterns !== undefined && !Array.isArray(r.thinPatterns));
  if (!Array.isArray(config?.routes) || config.routes.some(malformed)) {
    fail(`${ENV_RECONCILE_CONFIG} has no routes ({ function, patterns, thinPatterns? }[])`);
  }
  for (const field of ['windowSeconds', 'graceSeconds', 'backfillLimit'] as const) {
    if (!Number.isInteger(config[field]) || config[field] < 0) fail(`${ENV_RECONCILE_CONFIG}.${field} is not a whole number of at least 0`);
  }
  return { ...config, backfill: config.backfill === true, secretId };
}
