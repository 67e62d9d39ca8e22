/**
 * The keys of the integration's `handlers` map: an exact Stripe event type, a trailing-`.*` wildcard
 * (`customer.subscription.*`), or `*` for every event. Checked at synth time against the event types
 * of the `stripe` package this library was built with.
 */
import type { IConstruct } from 'constructs';
import { invalid } from './errors';
import { STRIPE_EVENT_TYPES, STRIPE_PACKAGE_VERSION } from './stripe-event-types.generated';

export type EventTypeKey =
  | { readonly kind: 'all'; readonly key: string }
  | { readonly kind: 'exact'; readonly key: string; readonly type: string }
  | { readonly kind: 'wildcard'; readonly key: string; readonly prefix: string };

const KNOWN = new Set(STRIPE_EVENT_TYPES);
/** Lower-case dotted segments, as every Stripe event type is (`checkout.session.completed`). */
const SEGMENTS = /^[a-z0-9_]+(\.[a-z0-9_]+)*$/;

/** Levenshtein distance, early-exit above `max`. */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      rowMin = Math.min(rowMin, current[j]);
    }
    if (rowMin > max) return max + 1;
    previous = current;
  }
  return previous[b.length];
}

/** The known candidates closest to `input`: those at the smallest distance (at most three). */
export function closest(input: string, candidates: Iterable<string>): string[] {
  const max = Math.max(2, Math.floor(input.length / 4));
  const scored: Array<[string, number]> = [];
  for (const candidate of candidates) {
    const d = editDistance(input, candidate, max);
    if (d <= max) scored.push([candidate, d]);
  }
  const best = Math.min(...scored.map(([, d]) => d));
  return scored
    .filter(([, d]) => d === best)
    .map(([c]) => c)
    .sort()
    .slice(0, 3);
}

function wildcardPrefixes(): Set<string> {
  const prefixes = new Set<string>();
  for (const type of STRIPE_EVENT_TYPES) {
    const parts = type.split('.');
    for (let i = 1; i < parts.length; i++) prefixes.add(parts.slice(0, i).join('.'));
  }
  return prefixes;
}

function suggestion(candidates: string[]): string {
  if (candidates.length === 0) return '';
  return ` (did you mean ${candidates.map((c) => `'${c}'`).join(' or ')}?)`;
}

/**
 * Parses one event-type key (a key of the `handlers` map, or an entry of another prop that takes keys).
 * @param allowUnknown accept well-formed types that the bundled `stripe` package does not know yet
 * @param prop the prop the key comes from, named in errors
 * @throws StripeValidationError that names the prop, the key and the fix
 */
export function parseEventTypeKey(key: string, allowUnknown: boolean, prop: string, scope?: IConstruct): EventTypeKey {
  const where = `${prop}: '${key}'`;
  const fail = (message: string): never => invalid(scope, message);
  const optOut = `If it is a Stripe event type newer than stripe@${STRIPE_PACKAGE_VERSION} (which this library checks against), set allowUnknownEventTypes: true.`;
  if (key === '*') {
    return { kind: 'all', key };
  }
  if (/^v\d+\./.test(key)) {
    fail(
      `${where} is a thin (v2) event type. StripeEventBridgeIntegration handles snapshot events (the event destination's payload \`snapshot\`); use the snapshot type without the '${key.split('.')[0]}.' prefix if there is one.`,
    );
  }
  if (key.endsWith('.*')) {
    const prefix = key.slice(0, -2);
    if (!SEGMENTS.test(prefix)) {
      fail(`${where} is not a valid wildcard: only a trailing '.*' after whole segments is supported, e.g. 'customer.subscription.*'.`);
    }
    if (!allowUnknown && !wildcardPrefixes().has(prefix)) {
      fail(`${where} matches no Stripe event type${suggestion(closest(prefix, wildcardPrefixes()).map((p) => `${p}.*`))}. ${optOut}`);
    }
    return { kind: 'wildcard', key, prefix };
  }
  if (key.includes('*')) {
    fail(`${where} is not supported: a wildcard may only be a trailing '.*' (e.g. 'invoice.*') or the single key '*'.`);
  }
  if (!SEGMENTS.test(key)) {
    fail(`${where} is not a Stripe event type: event types are lower-case words joined by dots, e.g. 'checkout.session.completed'${suggestion(closest(key.trim().toLowerCase(), KNOWN))}.`);
  }
  if (!allowUnknown && !KNOWN.has(key)) {
    fail(`${where} is not a Stripe event type${suggestion(closest(key, KNOWN))}. ${optOut}`);
  }
  return { kind: 'exact', key, type: key };
}

/** True when an event of `type` would be routed to a handler registered under `key`. */
export function keyMatches(key: EventTypeKey, type: string): boolean {
  switch (key.kind) {
    case 'all':
      return true;
    case 'exact':
      return key.type === type;
    case 'wildcard':
      return type.startsWith(`${key.prefix}.`);
  }
}

/**
 * The event types that both keys receive, written as the narrower key (`customer.subscription.updated`
 * for it and `customer.subscription.*`; `customer.subscription.*` for it and `customer.*` or `*`), or
 * undefined when no event type matches both.
 */
export function sharedKey(a: EventTypeKey, b: EventTypeKey): string | undefined {
  if (a.kind === 'all') return b.key;
  if (b.kind === 'all') return a.key;
  if (a.kind === 'exact') return keyMatches(b, a.type) ? a.key : undefined;
  if (b.kind === 'exact') return keyMatches(a, b.type) ? b.key : undefined;
  if (a.prefix === b.prefix || a.prefix.startsWith(`${b.prefix}.`)) return a.key;
  return b.prefix.startsWith(`${a.prefix}.`) ? b.key : undefined;
}

/** The known event types a key covers (for enabling events on a Stripe destination, for docs and tests). */
export function knownTypesFor(key: EventTypeKey): string[] {
  return STRIPE_EVENT_TYPES.filter((t) => keyMatches(key, t));
}

/** `checkout.session.completed` → `CheckoutSessionCompleted`; `customer.subscription.*` → `CustomerSubscriptionAll`. */
export function nameFromEventType(key: string): string {
  if (key === '*') return 'AllEvents';
  const words = key.replace(/\.\*$/, '.all').split(/[._]/).filter(Boolean);
  return words.map((w) => w[0].toUpperCase() + w.slice(1)).join('').slice(0, 64);
}

/** A handler's name: the one it was given, else derived from the first of its keys alphabetically. */
export function handlerNameFor(givenName: string | undefined, keys: readonly string[]): string {
  return givenName ?? nameFromEventType([...keys].sort()[0]);
}
