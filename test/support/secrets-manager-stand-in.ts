/**
 * A local stand-in for Secrets Manager's GetSecretValue, for running a bundled function that reads its Stripe key
 * through the AWS SDK (AWS_ENDPOINT_URL_SECRETS_MANAGER): the one `stripe-eventbridge replay` starts, given named
 * secrets. Secrets Manager needs an account; tests that use this say so.
 */
export { LocalSecretsManager as SecretsManagerStandIn } from '../../src/cli/local/secrets-manager';
