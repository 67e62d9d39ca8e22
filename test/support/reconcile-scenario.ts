/**
 * Stripe events for the reconciliation tests: what a Stripe account's event log holds, created some time
 * ago. Each wraps one of Stripe's own object fixtures (test/fixtures/data/stripe-openapi/fixtures3.json) in
 * a snapshot event shaped as Stripe's v1 spec defines `event`, so the Events API stand-in can serve it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { LambdaInvokeServer } from './lambda-invoke-server';
import { DATA_DIR, StripeEventSample } from './stripe-samples';
import type { LocalLambdaFunction } from '../../src/cli/local/local-lambda';

export const DAY = 86400;
export const HOUR = 3600;

const FIXTURES = JSON.parse(fs.readFileSync(path.join(DATA_DIR, 'stripe-openapi', 'fixtures3.json'), 'utf8')).resources as Record<string, any>;

function objectFor(type: string): Record<string, any> {
  const resource = type.startsWith('customer.subscription.') ? 'subscription' : type.startsWith('charge.') ? 'charge' : 'checkout.session';
  return structuredClone(FIXTURES[resource]);
}

/** A Stripe event of `type`, created `ageSeconds` before `now`. */
export function stripeEventAt(
  id: string,
  type: string,
  ageSeconds: number,
  extra: Record<string, unknown> = {},
  now = Math.floor(Date.now() / 1000),
): StripeEventSample {
  return {
    id,
    object: 'event',
    api_version: '2026-10-28.endive',
    created: now - ageSeconds,
    data: { object: objectFor(type) },
    livemode: false,
    pending_webhooks: 0,
    request: { id: null, idempotency_key: null },
    type,
    ...extra,
  };
}

export interface LambdaStandIn {
  readonly server: LambdaInvokeServer;
  readonly client: LambdaClient;
  stop(): Promise<void>;
}

/** The local Lambda Invoke API stand-in (no AWS account here) serving `functions`, and a client for it. */
export async function lambdaStandIn(functions: Record<string, LocalLambdaFunction>): Promise<LambdaStandIn> {
  const server = new LambdaInvokeServer(functions);
  const client = new LambdaClient({ endpoint: await server.start(), region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  return {
    server,
    client,
    stop: async () => {
      await server.stop();
      client.destroy();
    },
  };
}
