/**
 * What the wrapper adds to the Lambda context: `context.effects` (effects.ts), and for the Stripe API `context.stripe`
 * (a Stripe client with the event's account applied) and `context.eventNotification` (the SDK's notification of a thin event, with
 * `fetchRelatedObject()` and `fetchEvent()`). Both are getters: the Stripe SDK (stripe-client.js, a file of its own
 * in the layer) is required on first access, so a handler that never reads them costs nothing more. Also: the
 * idempotency view of a thin event, so that a thin event and its snapshot twin share one record.
 */
import * as path from 'node:path';
import type { StripeEventSummary } from './envelope';
import type { LatestStateIo } from './latest-state-effect';
import type { StripeAccess, StripeAccessOptions } from './stripe-client';

type Detail = Record<string, unknown>;

let access: StripeAccess | undefined;
function stripeAccess(options: StripeAccessOptions): StripeAccess {
  if (!access) {
    // Not a literal: esbuild leaves it to Node, which finds stripe-client.js beside wrapper.js (jest finds the .ts).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const module = require(path.join(__dirname, 'stripe-client')) as typeof import('./stripe-client');
    access = module.stripeAccess(options);
  }
  return access;
}

/**
 * The account a snapshot event's API calls act for: its `context` when it has one, else its `account` (a Connect
 * event of an API version before `context`), else none (the account that owns the key).
 */
function snapshotScope(detail: Detail): { stripeContext?: string; stripeAccount?: string } {
  if (typeof detail.context === 'string' && detail.context !== '') return { stripeContext: detail.context };
  if (typeof detail.account === 'string' && detail.account !== '') return { stripeAccount: detail.account };
  return {};
}

/** What `context.stripe` and `context.eventNotification` read: this invocation's event. */
interface StripeProperties {
  readonly event: { detail: Detail };
  readonly summary: StripeEventSummary;
  readonly options: StripeAccessOptions;
  notification?: unknown;
}

const STATE = Symbol('stripe-eventbridge.context');

function stateOf(context: unknown): StripeProperties {
  return (context as { [STATE]: StripeProperties })[STATE];
}

/**
 * The properties the wrapper adds to every invocation's context, defined with one call: the getters are the same
 * functions for every invocation (they read the invocation's event from a symbol-keyed property), so V8 reuses the
 * context's shape instead of building one per invocation. Only the values change; none is enumerable.
 */
const PROPERTIES = {
  [STATE]: { value: undefined as StripeProperties | undefined, configurable: true, writable: true, enumerable: false },
  effects: { value: undefined as unknown, configurable: true, writable: true, enumerable: false },
  stripe: {
    get(this: unknown): unknown {
      const { event, summary, options } = stateOf(this);
      return stripeAccess(options).clientFor(summary.thin ? { stripeContext: summary.thin.context } : snapshotScope(event.detail));
    },
    configurable: true,
    enumerable: false,
  },
  eventNotification: {
    get(this: unknown): unknown {
      const state = stateOf(this);
      if (!state.summary.thin) return undefined;
      state.notification ??= stripeAccess(state.options).notificationOf(state.event);
      return state.notification;
    },
    configurable: true,
    enumerable: false,
  },
};

/**
 * Defines `context.effects` and, for this invocation's event, `context.stripe` and `context.eventNotification`
 * (getters: the Stripe SDK is loaded on first access).
 */
export function defineContextProperties(
  context: object,
  effects: unknown,
  event: { detail: Detail },
  summary: StripeEventSummary,
  options: StripeAccessOptions,
): void {
  PROPERTIES[STATE].value = { event, summary, options };
  PROPERTIES.effects.value = effects;
  try {
    Object.defineProperties(context, PROPERTIES);
  } finally {
    PROPERTIES[STATE].value = undefined;
    PROPERTIES.effects.value = undefined;
  }
}

/**
 * How putLatest fetches an object: a thin event's related object with the SDK's `fetchRelatedObject()` (its context and
 * `Stripe-Request-Trigger`), any other with `context.stripe.rawRequest` in the snapshot event's API version, so that
 * the fetched object has the shape of the event's. Both resolve to the JSON with the SDK's `lastResponse`, whose
 * headers carry Stripe's `Date`.
 */
export function latestStateFetch(context: object): LatestStateIo['fetch'] {
  return async ({ path: apiPath, thin, apiVersion }) => {
    const ctx = context as {
      stripe: { rawRequest(method: string, p: string, params?: unknown, options?: unknown): Promise<unknown> };
      eventNotification?: { fetchRelatedObject(): Promise<unknown> };
    };
    const object = thin && ctx.eventNotification
      ? await ctx.eventNotification.fetchRelatedObject()
      : await ctx.stripe.rawRequest('GET', apiPath, undefined, apiVersion ? { apiVersion } : undefined);
    const headers = (object as { lastResponse?: { headers?: Record<string, string | string[] | undefined> } } | null)?.lastResponse?.headers;
    const date = headers?.date;
    return { object, date: Array.isArray(date) ? date[0] : date };
  };
}

/**
 * What the idempotency record of a thin event is keyed and validated on, in the shape Powertools reads the snapshot
 * event in (`detail.id`, PAYLOAD_VALIDATION_JMESPATH `[detail.type, detail.account]`): the key is its snapshot twin's
 * id when it has one (`snapshot_event`), else its own; the validation covers its type without the `v1.` of a twin
 * type and its account (from `context`), which is what the snapshot twin's record holds (`type`, `account`). So the
 * second of a twin pair is a duplicate, and a delivery reusing an id for another event is still refused.
 */
export function thinIdempotencyView(summary: StripeEventSummary): { detail: { id: string; type: string; account: string | null } } {
  const thin = summary.thin!;
  return {
    detail: {
      id: thin.snapshotEvent ?? summary.stripeEventId,
      type: summary.type.startsWith(TWIN_TYPE_PREFIX) ? summary.type.slice(TWIN_TYPE_PREFIX.length) : summary.type,
      // The last segment of a context path (`acct_platform/acct_connected`) is the account the event happened on,
      // which is what a snapshot event's `account` names.
      account: thin.context?.split('/').pop() ?? null,
    },
  };
}

/** A thin type that is the twin of a snapshot type is that type with this prefix (`v1.checkout.session.completed`). */
const TWIN_TYPE_PREFIX = 'v1.';
