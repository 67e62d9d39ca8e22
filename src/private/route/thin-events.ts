/**
 * What a route tells its function about thin events (src/contract/wrapper.ts): the payload styles its rules
 * deliver, and where the Stripe API key of `context.stripe` is kept. Absent variables mean what they meant
 * before thin events, so that a snapshot-only route's template does not change.
 */
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { ENV_EVENT_PAYLOADS, ENV_STRIPE_API_KEY_SECRET_ID, EVENT_PAYLOAD_VALUES } from '../../contract/wrapper';
import { StripeEventPayload } from '../../event-payload';
import { warn } from '../errors';

const WIRE_NAME = { [StripeEventPayload.SNAPSHOT]: EVENT_PAYLOAD_VALUES[0], [StripeEventPayload.THIN]: EVENT_PAYLOAD_VALUES[1] };

/** The wrapper's variables about thin events, for a route whose rules deliver `payloads` (snapshot before thin). */
export function thinEventEnvironment(payloads: readonly StripeEventPayload[], secret: secretsmanager.ISecret | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  // Unset means snapshot alone, as for every function deployed before thin events.
  if (payloads.includes(StripeEventPayload.THIN)) env[ENV_EVENT_PAYLOADS] = payloads.map((p) => WIRE_NAME[p]).join(',');
  // A SecretId GetSecretValue accepts: a partial ARN (a secret imported by name) lacks Secrets Manager's suffix and can be ambiguous.
  if (secret) env[ENV_STRIPE_API_KEY_SECRET_ID] = secret.secretFullArn ?? secret.secretName;
  return env;
}

/** A handler of thin events without a Stripe key can use the notification alone: allowed, never silently. */
export function warnThinWithoutStripeKey(route: Construct, handlerName: string): void {
  warn(
    route,
    '@babes/stripe-eventbridge:thinHandlerWithoutStripeKey',
    `Handler '${handlerName}' receives thin events, which carry no data: its code fetches the event and its object through context.stripe, ` +
      'which needs a Stripe API key. Set stripeApiKeySecret on the integration (or the handler), e.g. ' +
      "stripeApiKeySecret: secretsmanager.Secret.fromSecretNameV2(this, 'StripeReadKey', 'stripe/restricted-read-key'); " +
      'if the handler uses only the notification (its type and related_object.id), acknowledge this warning.',
  );
}
