/**
 * Latest state wins: the fence that `context.effects.putLatest` (Node.js) and `context.effects.put_latest` (Python)
 * keep on each item they write, so that the item holds a Stripe object's state, never goes backwards and ends equal
 * to Stripe's latest state whatever the delivery order. One contract for both runtimes: an item written by one is
 * read by the other. No imports.
 *
 * The fence is one map attribute of the item, FENCE_ATTRIBUTE, with FENCE's fields:
 * - `id`, `type`: the Stripe object (`sub_…`, `subscription`) whose state the item holds. An item holds one object.
 * - `lo`, `hi` (epoch milliseconds): the stored state is Stripe's state at some instant in [lo, hi). A snapshot
 *   event's state is the object at its `created` second: [created·1000, created·1000 + 1000). A thin event's
 *   `created` has milliseconds: [t, t + 1). A state fetched from Stripe is the object at the fetch, which came after
 *   the state that was stored when it started (read first, written on the condition that nothing was written in
 *   between) and before Stripe's `Date` header's second ended: [max(stored lo, event lo, Date − 1 s), Date + 1 s).
 * - `status`: the object's `status`, when it has one.
 * - `terminal`: set by an event whose type ends in `.deleted`: nothing comes after it.
 * - `token`: a value unique to each write, which a write decided by a fetch checks (optimistic concurrency).
 * - `event`, `source`: the Stripe event that wrote it and how (`event`: from its snapshot; `stripe`: fetched).
 *
 * The rule, for an event about an object whose item holds a fenced state:
 * 1. Decided from the event, in the same TransactWriteItems as the idempotency record's completion, with no read:
 *    written when the event is provably newer (its instant range starts at or after the stored `hi`; or its status
 *    can only follow the stored one, STATUS_TRANSITIONS; or it deletes the object), skipped when provably older (its
 *    range ends at or before the stored `lo`; or the stored status can only follow its own; or the stored state is
 *    terminal) or when the item it would write equals the stored one.
 * 2. Otherwise (the same second, statuses that can go back and forth) Stripe decides: the object is fetched and what
 *    Stripe says now is written, on the condition that the stored `token` is still the one read before the fetch,
 *    so a slower fetch never overwrites a newer write (it reads, fetches and decides again, at most
 *    MAX_LATEST_STATE_ROUNDS times, then fails the event for Lambda to retry).
 * A thin event carries no state: its item is read, and unless the stored state is provably at least as new as the
 * event, the object is fetched (rule 2).
 */

/** The item attribute (a map) holding the fence. */
export const FENCE_ATTRIBUTE = 'stripe_fence';

/** The fence's fields. */
export const FENCE = {
  ID: 'id',
  TYPE: 'type',
  LO: 'lo',
  HI: 'hi',
  STATUS: 'status',
  TERMINAL: 'terminal',
  TOKEN: 'token',
  EVENT: 'event',
  SOURCE: 'source',
} as const;

/** How the stored state was learned: from an event's snapshot, or fetched from Stripe. */
export const FENCE_SOURCE = { EVENT: 'event', STRIPE: 'stripe' } as const;

/** What `putLatest` did, in its outcome (`decision`) and the log line (`latest_state`). */
export const LATEST_DECISION = {
  /** No fenced state was stored: written. */
  FIRST: 'first',
  /** The event is provably newer (its time, its status, or a deletion): written. */
  NEWER: 'newer',
  /** The event is provably older than the stored state: nothing written. */
  OLDER: 'older',
  /** The item the event would write equals the stored one: nothing written. */
  UNCHANGED: 'unchanged',
  /** The event could not prove its order (or carried no state): the object was fetched and Stripe's state written. */
  FETCHED: 'fetched',
} as const;

/** Fetch-and-write rounds before the event fails (each lost to a concurrent write of the same item). */
export const MAX_LATEST_STATE_ROUNDS = 4;

/**
 * How far Stripe's `Date` header's second may be from the instant Stripe read the object (its processing time and
 * the skew between its servers' clocks, which also set events' `created`): 1 second.
 */
export const STRIPE_DATE_MARGIN_MS = 1000;

/**
 * Without a `Date` header (a proxy removed it), the function's clock stands in for Stripe's, with this margin for
 * the skew between them: a larger `hi` costs more fetches, never a state going backwards.
 */
export const LOCAL_CLOCK_MARGIN_MS = 5 * 60 * 1000;

/**
 * The status changes Stripe documents, per object type (`object`): a status `b` is provably after `a` when `b` can
 * be reached from `a` and `a` never from `b`. Statuses that can return to each other (a subscription's `active` and
 * `past_due`) prove nothing; a status missing here proves nothing.
 *
 * - subscription: the `status` description of Stripe's OpenAPI spec (stripe@23.1.0 types/Subscriptions.d.ts):
 *   `incomplete` only when the initial payment fails, then `active` once paid or `incomplete_expired` ("a terminal
 *   status") after 23 hours; `trialing` → `active` when the trial ends; `past_due` when a renewal cannot be paid,
 *   then `active` again, or `canceled`/`unpaid`; `unpaid` → `active` once its invoices are paid; `paused` → `active`
 *   when resumed (docs.stripe.com/billing/subscriptions/overview#subscription-statuses). Canceling is final
 *   (docs.stripe.com/billing/subscriptions/cancel). A trial can be added to an active subscription (`trial_end`).
 * - invoice: docs.stripe.com/invoicing/integration/workflow-transitions: `draft` → `open` (finalize); `open` → `paid`,
 *   `void`, `uncollectible`; `uncollectible` → `paid`, `void`.
 * - refund: `pending`/`requires_action` → `succeeded`, `failed`, `canceled`; a succeeded refund can still fail
 *   (docs.stripe.com/refunds#failed-refunds); `failed` and `canceled` are final.
 * - checkout.session: `open` → `complete` or `expired` (the `status` description of the OpenAPI spec).
 * - payment_intent: `succeeded` and `canceled` are final (docs.stripe.com/payments/paymentintents/lifecycle); the
 *   others can return to each other (a failed payment sends `processing` back to `requires_payment_method`).
 */
export const STATUS_TRANSITIONS: Record<string, Record<string, readonly string[]>> = {
  'subscription': {
    incomplete: ['active', 'incomplete_expired', 'canceled'],
    trialing: ['active', 'past_due', 'unpaid', 'paused', 'canceled'],
    active: ['trialing', 'past_due', 'unpaid', 'paused', 'canceled'],
    past_due: ['active', 'unpaid', 'canceled'],
    unpaid: ['active', 'past_due', 'canceled'],
    paused: ['active', 'trialing', 'canceled'],
    canceled: [],
    incomplete_expired: [],
  },
  'invoice': {
    draft: ['open'],
    open: ['paid', 'void', 'uncollectible'],
    uncollectible: ['paid', 'void'],
    paid: [],
    void: [],
  },
  'refund': {
    pending: ['requires_action', 'succeeded', 'failed', 'canceled'],
    requires_action: ['pending', 'succeeded', 'failed', 'canceled'],
    succeeded: ['failed'],
    failed: [],
    canceled: [],
  },
  'checkout.session': {
    open: ['complete', 'expired'],
    complete: [],
    expired: [],
  },
  'payment_intent': {
    requires_payment_method: ['requires_confirmation', 'requires_action', 'processing', 'requires_capture', 'succeeded', 'canceled'],
    requires_confirmation: ['requires_payment_method', 'requires_action', 'processing', 'requires_capture', 'succeeded', 'canceled'],
    requires_action: ['requires_payment_method', 'requires_confirmation', 'processing', 'requires_capture', 'succeeded', 'canceled'],
    processing: ['requires_payment_method', 'requires_action', 'requires_capture', 'succeeded', 'canceled'],
    requires_capture: ['succeeded', 'canceled'],
    succeeded: [],
    canceled: [],
  },
};

/** An event type whose object no longer exists afterwards (`customer.deleted`, `v1.invoice.deleted`): a final state. */
export const DELETED_EVENT_TYPE_SUFFIX = '.deleted';

/**
 * The API path that retrieves a v1 object of each type, where `/v1/<type with dots as slashes>s/<id>` does not:
 * nested objects (a person, a customer's card) need the handler's `path`.
 */
export const NESTED_OBJECT_TYPES: readonly string[] = [
  'person', 'bank_account', 'card', 'capability', 'customer_balance_transaction', 'customer_cash_balance_transaction',
  'fee_refund', 'transfer_reversal', 'line_item', 'source', 'tax_id', 'discount', 'login_link',
];
