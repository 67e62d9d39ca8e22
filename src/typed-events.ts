/**
 * Types for writing Stripe event handlers in TypeScript: the EventBridge event that a Stripe event
 * destination delivers, with `detail` typed by the `stripe` package for the event type the handler is
 * registered for.
 *
 * ```ts
 * import type { StripeEventBridgeHandler } from '@babes/stripe-eventbridge/typed-events';
 *
 * export const handler: StripeEventBridgeHandler<'checkout.session.completed'> = async (event) => {
 *   const session = event.detail.data.object; // Stripe.Checkout.Session
 *   return { session: session.id, total: session.amount_total };
 * };
 * ```
 *
 * Types only: this module has no runtime code, is not exported from the package's main entry point and
 * is not part of the jsii API (jsii has no generics or unions). It needs the `stripe` package (for its
 * types) and `@types/aws-lambda` in the consumer's own devDependencies; the types describe the Stripe API
 * version of the installed `stripe` package.
 */
import type { Context } from 'aws-lambda';
import type Stripe from 'stripe';

/** Every Stripe event type that the installed `stripe` package knows, e.g. `'checkout.session.completed'`. */
export type StripeEventType = Stripe.Event['type'];

/** The dotted prefixes of a type: `'a.b.c'` gives `'a' | 'a.b'`. */
type Prefixes<T extends string> = T extends `${infer Head}.${infer Rest}` ? Head | `${Head}.${Prefixes<Rest>}` : never;

/**
 * A handler key as the integration accepts it: an exact Stripe event type, a trailing wildcard over known
 * types (`'customer.subscription.*'`), or `'*'`.
 */
export type StripeEventTypeKey = StripeEventType | `${Prefixes<StripeEventType>}.*` | '*';

/** The Stripe events that a key matches, as the `stripe` package types them (a union for a wildcard). */
export type StripeEventFor<K extends StripeEventTypeKey> = K extends '*'
  ? Stripe.Event
  : K extends `${infer Prefix}.*`
    ? Extract<Stripe.Event, { type: `${Prefix}.${string}` }>
    : Extract<Stripe.Event, { type: K }>;

/**
 * The EventBridge envelope around one Stripe event: `detail-type` is always `detail.type`. Distributes over
 * a union of events. (`E` is deliberately unconstrained: a constraint makes the compiler expand every key.)
 */
export type StripeEventBridgeEnvelope<E> = E extends Stripe.Event
  ? {
    'version': string;
    /** EventBridge's own id: differs on every delivery of the same Stripe event. */
    'id': string;
    'detail-type': E['type'];
    /** `aws.partner/stripe.com/<event destination id>`. */
    'source': string;
    'account': string;
    'time': string;
    'region': string;
    'resources': string[];
    /** The Stripe event (a snapshot event), whose `id` is the idempotency key. */
    'detail': E;
  }
  : never;

/**
 * The EventBridge event a handler registered under key `K` receives. For a wildcard it is a union that
 * narrows on `detail-type` or `detail.type`.
 */
export type StripeEventBridgeEvent<K extends StripeEventTypeKey = '*'> = StripeEventBridgeEnvelope<StripeEventFor<K>>;

/** A handler for key `K`: receives the unchanged EventBridge event, returns a JSON-serialisable result. */
export type StripeEventBridgeHandler<K extends StripeEventTypeKey = '*', R = unknown> = (event: StripeEventBridgeEvent<K>, context: Context) => Promise<R>;
