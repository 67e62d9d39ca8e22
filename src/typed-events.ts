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
 * Thin events (keys `v1.…`, `v2.…`) get the SDK's notification types: `detail` is the notification as delivered,
 * and `context.eventNotification` the SDK's notification with `fetchRelatedObject()` typed for the event type:
 *
 * ```ts
 * export const handler: StripeEventBridgeHandler<'v2.core.account.updated'> = async (event, context) => {
 *   const account = await context.eventNotification.fetchRelatedObject(); // Stripe.V2.Core.Account
 *   return { account: account.id, name: account.display_name };
 * };
 * ```
 *
 * Types only: this module has no runtime code, is not exported from the package's main entry point and
 * is not part of the jsii API (jsii has no generics or unions). It needs the `stripe` package (for its
 * types), `@types/aws-lambda` and `@aws-sdk/lib-dynamodb` (for `context.effects`) in the consumer's own
 * devDependencies; the types describe the Stripe API version of the installed `stripe` package.
 */
import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import type Stripe from 'stripe';

/**
 * `true` when `T` is `any` (or `unknown`): what a type imported from a package that is not installed becomes
 * under `skipLibCheck`. The tuples matter: TypeScript's error type swallows an intersection or a conditional
 * that reads it directly (`0 extends 1 & T` is itself `any` then), but not a tuple that contains it.
 */
type IsMissing<T> = [unknown] extends [T] ? true : false;

/**
 * Whether a type package this module reads is missing. CDK apps compile with `skipLibCheck`, which hides the
 * "Cannot find module" errors in this declaration file: without the guard below, every type here would
 * silently become `any` and `session.amount_totl` would compile.
 */
type SomeTypePackageMissing = IsMissing<Stripe.Event> | IsMissing<Context> | IsMissing<TransactWriteCommandInput>;

/**
 * What the handler, event and context types are when `stripe`, `@types/aws-lambda` or `@aws-sdk/lib-dynamodb`
 * is not installed: a string no handler can be assigned to, so that the compiler's error says what to install
 * (`Type '(event: any) => …' is not assignable to type '"… npm i -D stripe @types/aws-lambda
 * @aws-sdk/lib-dynamodb"'`) instead of every type silently becoming `any`.
 */
export type StripeTypedEventsNeedTypePackages =
  'The types of @babes/stripe-eventbridge/typed-events need packages that are not installed: npm i -D stripe @types/aws-lambda @aws-sdk/lib-dynamodb';

/** `T`, or StripeTypedEventsNeedTypePackages when a type package is missing. */
type IfTypesInstalled<T> = SomeTypePackageMissing extends false ? T : StripeTypedEventsNeedTypePackages;

/** Every snapshot event type that the installed `stripe` package knows, e.g. `'checkout.session.completed'`. */
export type StripeEventType = Stripe.Event['type'];

/** Every thin event type that the installed `stripe` package knows, e.g. `'v2.core.account.updated'`. */
export type StripeThinEventType = Stripe.V2.Core.EventNotification['type'];

/**
 * The dotted prefixes of a type: `'a.b.c'` gives `'a' | 'a.b'`; none that ends inside brackets
 * (`v2.core.account[configuration.customer].updated` gives no `v2.core.account[configuration`).
 */
type Prefixes<T extends string> = T extends `${infer Head}.${infer Rest}` ? Head | `${Head}.${Prefixes<Rest>}` : never;
type WholePrefixes<T extends string> = Prefixes<T> extends infer P ? (P extends `${string}[${infer Inside}` ? (Inside extends `${string}]${string}` ? P : never) : P) : never;

/**
 * A handler key as the integration accepts it: an exact Stripe event type (snapshot or thin), a trailing wildcard
 * over known types (`'customer.subscription.*'`, `'v2.core.account.*'`), or `'*'`.
 */
export type StripeEventTypeKey = StripeEventType | StripeThinEventType | `${WholePrefixes<StripeEventType | StripeThinEventType> & string}.*` | '*';

/** A snapshot event or a thin event's notification, as the `stripe` package types them. */
type AnyStripeEvent = Stripe.Event | Stripe.V2.Core.EventNotification;

/**
 * The Stripe events that a key matches, as the `stripe` package types them (a union for a wildcard): `Stripe.Event`s
 * for snapshot types, the SDK's `…EventNotification`s for thin types, both for `'*'`.
 */
export type StripeEventFor<K extends StripeEventTypeKey> = K extends '*'
  ? AnyStripeEvent
  : K extends `${infer Prefix}.*`
    ? Extract<AnyStripeEvent, { type: `${Prefix}.${string}` }>
    : Extract<AnyStripeEvent, { type: K }>;

/**
 * A thin event's `detail` as EventBridge delivers it: the notification's fields as JSON (`context` the account id
 * string, `created` an ISO 8601 string), without the SDK's fetch methods.
 */
export type StripeThinEventDetail<N> = N extends { object: 'v2.core.event' }
  ? Omit<N, 'fetchEvent' | 'fetchRelatedObject' | 'context'> & { context?: string | null }
  : never;

/** The envelope's fields, around a `detail`. */
interface Envelope<T, D> {
  'version': string;
  /** EventBridge's own id: differs on every delivery of the same Stripe event. */
  'id': string;
  'detail-type': T;
  /** `aws.partner/stripe.com/<event destination id>`. */
  'source': string;
  'account': string;
  'time': string;
  'region': string;
  'resources': string[];
  /**
   * The Stripe event, whose `id` is the idempotency key: a snapshot event, or a thin event's notification (keyed on
   * its `snapshot_event` when it has one).
   */
  'detail': D;
}

/**
 * The EventBridge envelope around one Stripe event: `detail-type` is always `detail.type`. Distributes over
 * a union of events. (`E` is deliberately unconstrained: a constraint makes the compiler expand every key; the
 * checks are on `object`, the cheapest way to tell the two payload styles apart.)
 */
export type StripeEventBridgeEnvelope<E> = E extends { object: 'event'; type: infer T }
  ? Envelope<T, E>
  : E extends { object: 'v2.core.event'; type: infer T }
    ? Envelope<T, StripeThinEventDetail<E>>
    : never;

/**
 * The EventBridge event a handler registered under key `K` receives. For a wildcard it is a union that
 * narrows on `detail-type` or `detail.type` (and `detail.object`: `'event'` or `'v2.core.event'`).
 */
export type StripeEventBridgeEvent<K extends StripeEventTypeKey = '*'> = IfTypesInstalled<StripeEventBridgeEnvelope<StripeEventFor<K>>>;

/**
 * `context.eventNotification` for key `K`: the SDK's notification of a thin event (a union for a wildcard),
 * `undefined` for a snapshot event.
 */
export type StripeEventNotificationFor<K extends StripeEventTypeKey> =
  | Extract<StripeEventFor<K>, Stripe.V2.Core.EventNotification>
  | ([Extract<StripeEventFor<K>, Stripe.Event>] extends [never] ? never : undefined);

/**
 * One DynamoDB action in `@aws-sdk/lib-dynamodb`'s document shape, exactly as in a `TransactWriteCommand`'s
 * `TransactItems`: `{ Put }`, `{ Update }`, `{ Delete }` or `{ ConditionCheck }`, with plain JavaScript values.
 */
export type StripeTransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** A Stripe object as `putLatest` takes it: its `id` and its type, `object` (`'subscription'`, `'invoice'`, …). */
export interface StripeObjectRef {
  readonly id: string;
  readonly object: string;
}

/**
 * The objects whose state a handler for key `K` writes with `putLatest`: a snapshot event's `data.object`, a thin
 * event's related object (what `fetchRelatedObject()` resolves to). A union for a wildcard.
 */
export type StripeLatestObjectFor<K extends StripeEventTypeKey> = Extract<
  | (StripeEventFor<K> extends infer E ? (E extends { data: { object: infer O } } ? O : never) : never)
  | (StripeEventNotificationFor<K> extends infer N ? (N extends { fetchRelatedObject(): Promise<infer O> } ? O : never) : never),
  StripeObjectRef
>;

/** An item's attributes, as lib-dynamodb takes them (plain JavaScript values). */
export type StripeItemAttributes = NonNullable<NonNullable<StripeTransactItem['Put']>['Item']>;

/** What `putLatest` writes: an item per Stripe object, whose state is the object's latest. */
export interface StripeLatestStateInput<O extends StripeObjectRef> {
  /** The table (name or ARN) of the item, in the function's account and Region. */
  readonly TableName: string;
  /** The item's primary key, the same for every state of the object: `{ pk: \`SUBSCRIPTION#${subscription.id}\` }`. */
  readonly Key: StripeItemAttributes;
  /**
   * The object as the event carries it: `event.detail.data.object`. Leave it out for a thin event: the related object is
   * fetched from Stripe.
   */
  readonly object?: O;
  /**
   * The item's other attributes for a state of the object: the event's, or one fetched from Stripe (in the event's API
   * version) when the event cannot prove its order. The item is written whole (a Put), with the key and the fence
   * (`stripe_fence`).
   */
  readonly Item: (object: O) => StripeItemAttributes;
  /** Other writes of the event (counters, ledgers), committed in the same transaction whatever the decision. */
  readonly TransactItems?: StripeTransactItem[];
  /** The API path that retrieves the object, for a type not at `/v1/<type>s/<id>` (a person, a customer's card). */
  readonly path?: string;
}

/** What `putLatest` did: the result it stores unless the handler gives its own. */
export interface StripeLatestStateOutcome {
  /** The object's id. */
  readonly object: string;
  /** Whether this event wrote the item. */
  readonly written: boolean;
  /**
   * `newer`: the event proved it is (its second, a status that only moves forward, a deletion); `older`: it proved
   * the stored state newer; `unchanged`: the item was the same; `fetched`: Stripe decided (the state fetched was written).
   */
  readonly decision: 'newer' | 'older' | 'unchanged' | 'fetched';
  /** GETs of the object from Stripe (0 when the event decided). */
  readonly fetches: number;
}

/**
 * What the wrapper adds to the Lambda context: `context.effects`. Only a wrapped function has it; unwrapped,
 * `context.effects` is undefined and calling it throws a TypeError, so the event fails (and is retried, then
 * dead-lettered) instead of its writes being lost.
 */
export interface StripeEffects<K extends StripeEventTypeKey = '*'> {
  /**
   * Commits `TransactItems` (at most 99 actions, as for lib-dynamodb's `TransactWriteCommand`) in one
   * DynamoDB transaction with the completion of the event's idempotency record, storing `result`: the writes
   * and the record happen together or not at all, so the effect happens exactly once. Call it once, with all
   * of the event's writes, and return what it resolves to: `result` as stored (its JSON form), which
   * duplicates return too.
   *
   * When one of your conditions fails, it rejects with DynamoDB's own `TransactionCanceledException`
   * (`CancellationReasons` indexed like your `TransactItems`) and nothing is written: catch it to decide
   * (return a result: the event completes without the writes; or call `transactWrite` again with other
   * writes), or let it fail the event (retried, then dead-lettered). Actions that break DynamoDB's rules
   * (over 99, two on one item, another account or Region, above 4 MB) reject with
   * `InvalidTransactionError` before any request.
   */
  transactWrite<R>(input: { TransactItems: StripeTransactItem[] }, result: R): Promise<R>;

  /**
   * Writes the state of the Stripe object the event is about so that it never goes backwards and ends equal to
   * Stripe's latest, whatever the delivery order, duplicates or concurrency, in one transaction with the event's
   * idempotency record (and `TransactItems`). Decided by the event when its `created` second or a status that only
   * moves forward proves its order, else by fetching the object with `context.stripe` (the handler needs a
   * `stripeApiKeySecret`). Resolves to the result as stored: the outcome, or `result` (a function gets the outcome).
   * Call it once, instead of `transactWrite`; rejects with `LatestStateError` when it cannot decide (the event fails
   * and is retried).
   */
  putLatest<O extends StripeObjectRef = StripeLatestObjectFor<K>>(input: StripeLatestStateInput<O>): Promise<StripeLatestStateOutcome>;
  putLatest<R, O extends StripeObjectRef = StripeLatestObjectFor<K>>(
    input: StripeLatestStateInput<O>,
    result: R | ((outcome: StripeLatestStateOutcome) => R),
  ): Promise<R>;
}

/**
 * The Lambda context a wrapped handler receives: Lambda's own, plus `effects`, `stripe` and `eventNotification`.
 */
export type StripeEventBridgeContext<K extends StripeEventTypeKey = '*'> = IfTypesInstalled<Context & {
  readonly effects: StripeEffects<K>;
  /**
   * The `stripe` package's client, authenticated with the restricted key of the handler's `stripeApiKeySecret` (read
   * once per execution environment, on the first request), acting for the event's account (`Stripe-Context` from
   * its `context`, or `Stripe-Account` from a snapshot event's `account`). The SDK is loaded on first access. Without
   * a key secret, reading it throws `StripeApiKeyError`.
   */
  readonly stripe: Stripe;
  /**
   * For a thin event, the SDK's notification (`parseEventNotificationWithoutVerification` of the event): its fields,
   * and `fetchRelatedObject()` / `fetchEvent()`, which read with `stripe`'s key and the event's `context`. `undefined`
   * for a snapshot event.
   */
  readonly eventNotification: StripeEventNotificationFor<K>;
}>;

/**
 * A handler for key `K`: receives the unchanged EventBridge event and the Lambda context with `effects`, `stripe`
 * and `eventNotification`, returns a JSON-serialisable result.
 */
export type StripeEventBridgeHandler<K extends StripeEventTypeKey = '*', R = unknown> = IfTypesInstalled<(
  event: StripeEventBridgeEvent<K>,
  context: StripeEventBridgeContext<K>,
) => Promise<R>>;
