/**
 * Entry point of the StripeEventDestination provider, bundled with the `stripe` SDK into
 * `assets/lambda/destination-provider/handler/index.js` (the Lambda Node.js runtime provides `@aws-sdk/*`).
 * Handlers: `index.onEvent` and `index.isComplete`.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as provider from './provider';
import { createStripeClient } from './stripe-destinations';

const secrets = new SecretsManagerClient({});
const eventBridge = new EventBridgeClient({});

/** One JSON line per entry, for CloudWatch Logs Insights. Entries never carry the Stripe key. */
function log(entry: Record<string, unknown>): void {
  console.log(JSON.stringify({ level: 'INFO', timestamp: new Date().toISOString(), ...entry }));
}

export async function onEvent(event: provider.DestinationRequest): Promise<provider.DestinationResponse> {
  return provider.onEvent(event, { secrets, stripeFor: (key) => createStripeClient(key), log, now: Date.now });
}

export async function isComplete(event: provider.CompletionRequest): Promise<provider.CompletionResponse> {
  return provider.isComplete(event, { eventBridge, log, now: Date.now });
}
