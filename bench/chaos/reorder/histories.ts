/**
 * The reordering chaos run's object histories: subscriptions (a trial or an incomplete start, activation, plan changes,
 * renewals that fail and recover, cancellation), invoices (created → finalized → paid, voided, or failed and paid;
 * some marked uncollectible) and refunds (pending → succeeded, some failing later; some needing action, then
 * canceled), each change a new state of the object at an instant in milliseconds, often several in one second, each
 * announced by the Stripe events Stripe sends for it (invoice.paid and invoice.payment_succeeded carry one state; a
 * trial_will_end carries the state unchanged). The same seed gives the same histories.
 */
import { invoiceObject, refundObject, subscriptionObject } from '../../../test/support/stripe-objects';
import { seededRandom } from '../support';

type Json = Record<string, any>;

/** One Stripe event about an object: its type and the state it carries (an index into the states). */
export interface HistoryEvent {
  readonly type: string;
  /** When Stripe created it (epoch ms): the instant of the state it carries. */
  readonly at: number;
  readonly state: number;
}

/** How an object's events reach AWS: snapshot events, thin events, or both (thin twins carrying `snapshot_event`). */
export type EventStyle = 'snapshot' | 'thin' | 'twins';

export interface ObjectHistory {
  readonly id: string;
  readonly type: 'subscription' | 'invoice' | 'refund';
  /** The object's states, oldest first, each from its instant on; `metadata.rev` is the index. */
  readonly states: ReadonlyArray<{ readonly at: number; readonly object: Json }>;
  readonly events: readonly HistoryEvent[];
  readonly style: EventStyle;
}

export interface HistoryOptions {
  readonly seed: number;
  /** The first instant (epoch ms). */
  readonly start: number;
  /** Objects start within this many milliseconds of `start`. */
  readonly spreadMs: number;
  readonly subscriptions: number;
  readonly invoices: number;
  readonly refunds: number;
}

/** Builds an object's history change by change: each change is a new state `gapMs` after the previous one. */
class Builder {
  public readonly states: Array<{ at: number; object: Json }> = [];
  public readonly events: HistoryEvent[] = [];
  private at: number;

  constructor(start: number, private readonly random: () => number, private readonly make: (rev: number, fields: Json) => Json) {
    this.at = start;
  }

  /** A new state after a gap: within the same second as the last change (a burst) or one to three seconds later. */
  public change(fields: Json, eventTypes: string[], burst = this.random() < 0.45): this {
    if (this.states.length > 0) this.at += burst ? 40 + Math.floor(this.random() * 300) : 1000 + Math.floor(this.random() * 2000);
    this.states.push({ at: this.at, object: this.make(this.states.length, fields) });
    for (const type of eventTypes) this.events.push({ type, at: this.at, state: this.states.length - 1 });
    return this;
  }

  /** Another event carrying the current state, created with it (a trial_will_end: the state unchanged). */
  public again(type: string): this {
    this.events.push({ type, at: this.at, state: this.states.length - 1 });
    return this;
  }
}

function subscription(id: string, start: number, random: () => number): Builder {
  const created = Math.floor(start / 1000);
  let price = 'price_1ReorderSilver';
  const make = (rev: number, f: Json) => subscriptionObject(id, { rev, created, price, ...f } as never);
  const b = new Builder(start, random, make);
  if (random() < 0.5) {
    b.change({ status: 'trialing', trialEnd: created + 14 * 86400 }, ['customer.subscription.created']).again('customer.subscription.trial_will_end');
    b.change({ status: 'active' }, ['customer.subscription.updated']);
  } else {
    b.change({ status: 'incomplete' }, ['customer.subscription.created']);
    b.change({ status: 'active' }, ['customer.subscription.updated'], true);
  }
  for (let n = 1 + Math.floor(random() * 2); n > 0; n--) {
    price = price.endsWith('Silver') ? 'price_1ReorderGold' : 'price_1ReorderSilver';
    b.change({ status: 'active' }, ['customer.subscription.updated']);
  }
  for (let n = Math.floor(random() * 2) + 1; n > 0; n--) {
    b.change({ status: 'past_due' }, ['customer.subscription.updated']);
    b.change({ status: 'active' }, ['customer.subscription.updated']);
  }
  if (random() < 0.75) {
    const canceledAt = Math.floor((b.states[b.states.length - 1].at + 2000) / 1000);
    b.change({ status: 'canceled', canceledAt }, ['customer.subscription.deleted'], false);
  }
  return b;
}

function invoice(id: string, start: number, random: () => number): Builder {
  const created = Math.floor(start / 1000);
  const b = new Builder(start, random, (rev, f) => invoiceObject(id, { rev, created, ...f } as never));
  b.change({ status: 'draft' }, ['invoice.created']);
  b.change({ status: 'open' }, ['invoice.finalized']);
  const end = random();
  if (end < 0.45) {
    b.change({ status: 'paid', attempts: 1 }, ['invoice.paid', 'invoice.payment_succeeded'], true);
  } else if (end < 0.7) {
    b.change({ status: 'open', attempts: 1 }, ['invoice.payment_failed']);
    b.change({ status: 'paid', attempts: 2 }, ['invoice.paid', 'invoice.payment_succeeded']);
  } else if (end < 0.85) {
    b.change({ status: 'uncollectible', attempts: 1 }, ['invoice.marked_uncollectible']);
    b.change({ status: random() < 0.5 ? 'paid' : 'void', attempts: 2 }, ['invoice.updated']);
  } else {
    b.change({ status: 'void' }, ['invoice.voided']);
  }
  return b;
}

function refund(id: string, start: number, random: () => number): Builder {
  const created = Math.floor(start / 1000);
  const b = new Builder(start, random, (rev, f) => refundObject(id, { rev, created, ...f } as never));
  if (random() < 0.2) {
    b.change({ status: 'requires_action' }, ['refund.created']);
    b.change({ status: 'canceled' }, ['refund.updated']);
    return b;
  }
  b.change({ status: 'pending' }, ['refund.created']);
  b.change({ status: 'succeeded' }, ['refund.updated']);
  if (random() < 0.3) b.change({ status: 'failed' }, ['refund.failed', 'refund.updated'], false);
  return b;
}

/** The histories of one seed. */
export function objectHistories(options: HistoryOptions): ObjectHistory[] {
  const random = seededRandom(`${options.seed}|histories`);
  const style = (): EventStyle => {
    const r = random();
    return r < 0.5 ? 'snapshot' : r < 0.75 ? 'thin' : 'twins';
  };
  const start = () => options.start + Math.floor(random() * options.spreadMs);
  const out: ObjectHistory[] = [];
  const add = (type: ObjectHistory['type'], id: string, b: Builder) => out.push({ id, type, states: b.states, events: b.events, style: style() });
  for (let n = 0; n < options.subscriptions; n++) {
    const id = `sub_1Reorder${options.seed}S${n}`;
    add('subscription', id, subscription(id, start(), random));
  }
  for (let n = 0; n < options.invoices; n++) {
    const id = `in_1Reorder${options.seed}I${n}`;
    add('invoice', id, invoice(id, start(), random));
  }
  for (let n = 0; n < options.refunds; n++) {
    const id = `re_1Reorder${options.seed}R${n}`;
    add('refund', id, refund(id, start(), random));
  }
  return out;
}
