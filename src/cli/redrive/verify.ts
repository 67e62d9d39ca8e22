/**
 * Whether a dead-lettered event is a Stripe event: anyone who may send to the dead-letter queue (a handler's
 * role, an administrator) can write a message naming one of the integration's functions, so the body proves
 * nothing. Stripe's own copy does: `GET /v1/events/{id}` (the `stripe` package's `events.retrieve`, with
 * `Stripe-Account` for an event of a connected account), which answers for events of the last 30 days.
 *
 * The event must exist on the account the body names, with the same type, account, livemode, creation time
 * and object; and when both were rendered with the same API version, the same `data`: Stripe renders an
 * event's data once, with the API version of its creation, and "the contents of `data` never change"
 * (stripe-node, Event.api_version). A body rendered with another version (an event destination's
 * snapshot_api_version) is compared by the object's id only.
 */
import type Stripe from 'stripe';

/** Verified: the body is Stripe's event. */
export interface Verified {
  readonly verdict: 'verified';
  /** What was compared, for the log (e.g. `data compared` or `data not compared: API version …`). */
  readonly note?: string;
}

/** Forged: Stripe has no such event, or a different one. */
export interface Forged {
  readonly verdict: 'forged';
  readonly reason: string;
}

/** Stripe could not say (a refused key, a rate limit, Stripe unreachable): the message is left for another run. */
export interface Unverified {
  readonly verdict: 'unverified';
  readonly reason: string;
}

export type Verification = Verified | Forged | Unverified;

const STRIPE_KEY = /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9*]+/g;

/** Up to `max` paths where `a` and `b` differ, as `data.object.amount_total`. */
function differences(a: unknown, b: unknown, path: string, out: string[], max = 3): string[] {
  if (out.length >= max) return out;
  if (a === b) return out;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) {
    out.push(path);
    return out;
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of [...keys].sort()) {
    differences((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`, out, max);
  }
  return out;
}

const show = (v: unknown) => (v === undefined ? 'none' : JSON.stringify(v));

/** Asks Stripe for the event the body claims to be, and compares. */
export async function verifyWithStripe(stripe: Stripe, detail: Record<string, unknown> | undefined): Promise<Verification> {
  const id = detail?.id;
  if (typeof id !== 'string' || !/^evt_\w+$/.test(id)) {
    return { verdict: 'forged', reason: `the body names no Stripe event id (detail.id is ${show(id)})` };
  }
  const account = typeof detail!.account === 'string' ? detail!.account : undefined;
  const where = account ? ` on account ${account}` : '';
  let event: Stripe.Event;
  try {
    event = await stripe.events.retrieve(id, undefined, account ? { stripeAccount: account } : undefined);
  } catch (err) {
    const e = err as { statusCode?: number; code?: string; message?: string; type?: string };
    if (e.statusCode === 404) return { verdict: 'forged', reason: `Stripe has no event ${id}${where} (GET /v1/events/${id} answered 404${e.code ? `, ${e.code}` : ''})` };
    const said = (e.message ?? String(err)).replace(STRIPE_KEY, '[redacted key]');
    const hint = e.statusCode === 403 ? ' (give the restricted key Read access to Events)' : e.statusCode === 401 ? ' (the key was rejected)' : '';
    const status = e.statusCode !== undefined ? `Stripe answered ${e.statusCode}` : `Stripe could not be reached (${e.type ?? 'error'})`;
    return { verdict: 'unverified', reason: `GET /v1/events/${id}: ${status}: ${said}${hint}` };
  }
  const body = detail!;
  const data = (body.data ?? {}) as Record<string, unknown>;
  const object = (data.object ?? {}) as Record<string, unknown>;
  const theirs = event.data.object as unknown as Record<string, unknown>;
  const checks: Array<[string, unknown, unknown]> = [
    ['type', body.type, event.type],
    ['account', account, event.account],
    ['livemode', body.livemode, event.livemode],
    ['created', body.created, event.created],
    ['data.object.id', object.id, theirs?.id],
  ];
  const wrong = checks.filter(([, mine, stripes]) => mine !== stripes);
  if (wrong.length > 0) {
    return { verdict: 'forged', reason: `Stripe's event ${id}${where} differs: ${wrong.map(([f, mine, stripes]) => `${f} is ${show(stripes)}, the message says ${show(mine)}`).join('; ')}` };
  }
  if (body.api_version !== event.api_version) {
    return { verdict: 'verified', note: `data not compared: rendered with API version ${show(body.api_version)}, Stripe's copy with ${show(event.api_version)}` };
  }
  const changed = differences(data.object, event.data.object, 'data.object', []);
  differences(data.previous_attributes, event.data.previous_attributes, 'data.previous_attributes', changed);
  if (changed.length > 0) return { verdict: 'forged', reason: `Stripe's event ${id}${where} has other data: ${changed.join(', ')} differ` };
  return { verdict: 'verified' };
}
