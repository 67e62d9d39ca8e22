/**
 * Stripe v1 objects (subscriptions, invoices, refunds) as the API returns them and as snapshot events carry them, built
 * from the fixtures that stripe-mock embeds beside its spec (embedded/openapi/fixtures3.json, the same version as the
 * spec stripe-objects-api.ts validates against), with the few fixture fields that spec no longer declares taken out.
 * Each state carries `metadata.rev`, its revision in the object's history, so that an older state is recognisable.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stripeV1SpecFile } from './stripe-mock';

type Json = any;

let fixtures: Record<string, Json> | undefined;

function fixture(type: string): Json {
  fixtures ??= JSON.parse(fs.readFileSync(path.join(path.dirname(stripeV1SpecFile()), 'fixtures3.json'), 'utf8')).resources;
  return structuredClone(fixtures![type]);
}

export interface SubscriptionFields {
  readonly status: string;
  readonly rev: number;
  readonly created: number;
  readonly price?: string;
  readonly periodEnd?: number;
  readonly trialEnd?: number | null;
  readonly canceledAt?: number | null;
}

/** A subscription with `status` and a price, in its billing period, at revision `rev`. */
export function subscriptionObject(id: string, fields: SubscriptionFields): Json {
  const sub = fixture('subscription');
  const item = sub.items.data[0];
  delete item.plan;
  delete item.price.recurring.trial_period_days;
  const periodEnd = fields.periodEnd ?? fields.created + 30 * 86400;
  Object.assign(item, { id: `si_${id.slice(4)}`, subscription: id, created: fields.created, current_period_start: periodEnd - 30 * 86400, current_period_end: periodEnd });
  if (fields.price) Object.assign(item.price, { id: fields.price, unit_amount: 2900, unit_amount_decimal: '2900' });
  return {
    ...sub,
    id,
    status: fields.status,
    created: fields.created,
    start_date: fields.created,
    billing_cycle_anchor: fields.created,
    customer: `cus_${id.slice(4)}`,
    items: { ...sub.items, data: [item], url: `/v1/subscription_items?subscription=${id}` },
    metadata: { rev: String(fields.rev) },
    pending_update: null,
    pause_collection: null,
    cancel_at: null,
    canceled_at: fields.canceledAt ?? null,
    ended_at: fields.canceledAt ?? null,
    trial_start: fields.trialEnd ? fields.created : null,
    trial_end: fields.trialEnd ?? null,
    latest_invoice: null,
    next_pending_invoice_item_invoice: null,
    test_clock: null,
  };
}

/** An invoice with `status` at revision `rev`. */
export function invoiceObject(id: string, fields: { status: string; rev: number; created: number; attempts?: number }): Json {
  const invoice = fixture('invoice');
  delete invoice.subscription;
  const paid = fields.status === 'paid';
  return {
    ...invoice,
    id,
    status: fields.status,
    created: fields.created,
    metadata: { rev: String(fields.rev) },
    attempt_count: fields.attempts ?? 0,
    attempted: (fields.attempts ?? 0) > 0,
    amount_paid: paid ? invoice.amount_due : 0,
    amount_remaining: paid ? 0 : invoice.amount_due,
    number: fields.status === 'draft' ? null : `INV-${id.slice(-6)}`,
    lines: { ...invoice.lines, data: invoice.lines.data.map((l: Json) => ({ ...l, invoice: id })), url: `/v1/invoices/${id}/lines` },
  };
}

/** A refund with `status` at revision `rev`. */
export function refundObject(id: string, fields: { status: string; rev: number; created: number }): Json {
  return { ...fixture('refund'), id, status: fields.status, created: fields.created, metadata: { rev: String(fields.rev) } };
}
