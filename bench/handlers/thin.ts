/**
 * The thin events benchmark's thin handler (bench/thin.ts): a `v2.core.account.updated` handler that fetches the
 * event's related object with the wrapper's Stripe client (`context.eventNotification.fetchRelatedObject()`, a
 * `GET /v2/core/accounts/{id}`) and then makes variant (d)'s write (bench/handlers/transactional.ts `counterUpdate`),
 * one counter update per Stripe event handed to `context.effects.transactWrite`. It returns how long the fetch took,
 * so that the benchmark can tell the fetch's share of the latency.
 */
import { performance } from 'node:perf_hooks';
import { counterUpdate } from './transactional';
import type { StripeEventBridgeHandler } from '../../src/typed-events';

export const handler: StripeEventBridgeHandler<'v2.core.account.updated', { handled: string; account: string; fetchMs: number }> = async (event, context) => {
  const started = performance.now();
  const account = await context.eventNotification.fetchRelatedObject();
  const fetchMs = performance.now() - started;
  return context.effects.transactWrite(counterUpdate(event), { handled: event.detail.id, account: account.id, fetchMs });
};
