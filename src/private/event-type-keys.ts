/**
 * The keys of the integration's `handlers` map: an exact Stripe event type, a trailing-`.*` wildcard
 * (`customer.subscription.*`), or `*` for every event. Checked at synth time against the event types
 * of the `stripe` package this library was built with: snapshot types against `Stripe.Event.Type`, thin types
 * (those that start with a version, `v1.` or `v2.`) against `Stripe.V2.Core.EventNotification`.
 */
import type { IConstruct } from 'constructs';
import { invalid } from './errors';
import { STRIPE_EVENT_TYPES, STRIPE_PACKAGE_VERSION, STRIPE_THIN_EVENT_TYPES } from './stripe-event-types.generated';
import { isThinEventType } from '../contract/stripe';
import { StripeEventPayload } from '../event-payload';

export type EventTypeKey =
  | { readonly kind: 'all'; readonly key: string }
  | { readonly kind: 'exact'; readonly key: string; readonly type: string; readonly payload: StripeEventPayload }
  | { readonly kind: 'wildcard'; readonly key: string; readonly prefix: string; readonly payload: StripeEventPayload };

/** The payload style events of `type` (or under a wildcard prefix) arrive in: thin types start with a version. */
export function payloadOfType(type: string): StripeEventPayload {
  return isThinEventType(type) ? StripeEventPayload.THIN : StripeEventPayload.SNAPSHOT;
}

/** The payload style of a key's events, or undefined for `*`, which covers both. */
export function payloadOfKey(key: EventTypeKey): StripeEventPayload | undefined {
  return key.kind === 'all' ? undefined : key.payload;
}

/** The event types of one payload style that the `stripe` package knows. */
export function typesOf(payload: StripeEventPayload): readonly string[] {
  return payload === StripeEventPayload.THIN ? STRIPE_THIN_EVENT_TYPES : STRIPE_EVENT_TYPES;
}

const KNOWN = {
  [StripeEventPayload.SNAPSHOT]: new Set(STRIPE_EVENT_TYPES),
  [StripeEventPayload.THIN]: new Set(STRIPE_THIN_EVENT_TYPES),
};

/**
 * Lower-case dotted segments, as every Stripe event type is (`checkout.session.completed`); a thin type's
 * segment may name a part of its object in brackets, dots included (`v2.core.account[configuration.customer].updated`).
 */
const SEGMENT = '[a-z0-9_]+(?:\\[[a-z0-9_]+(?:\\.[a-z0-9_]+)*\\])?';
const SEGMENTS = new RegExp(`^${SEGMENT}(?:\\.${SEGMENT})*$`);

/** The type's segments: split at the dots outside brackets. */
function segmentsOf(type: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < type.length; i++) {
    if (type[i] === '[') {depth++;} else if (type[i] === ']') {depth--;} else if (type[i] === '.' && depth === 0) {
      out.push(type.slice(start, i));
      start = i + 1;
    }
  }
  out.push(type.slice(start));
  return out;
}

/**
 * The snapshot twin of a thin type (`v1.checkout.session.completed` → `checkout.session.completed`) or the thin
 * twin of a snapshot type, when the `stripe` package knows both; undefined otherwise. While Stripe migrates v1
 * types to thin events, a thin twin may carry its snapshot twin's id (`snapshot_event`).
 */
export function twinOf(type: string): string | undefined {
  const twin = type.startsWith('v1.') ? type.slice(3) : `v1.${type}`;
  return KNOWN[payloadOfType(twin)].has(twin) && KNOWN[payloadOfType(type)].has(type) ? twin : undefined;
}

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

const prefixCache = new Map<StripeEventPayload, Set<string>>();

/** Every prefix a wildcard may have over the known types of one payload style (`customer`, `customer.subscription`, `v2.core`, …). */
function wildcardPrefixes(payload: StripeEventPayload): Set<string> {
  let prefixes = prefixCache.get(payload);
  if (!prefixes) {
    prefixes = new Set<string>();
    for (const type of typesOf(payload)) {
      const parts = segmentsOf(type);
      for (let i = 1; i < parts.length; i++) prefixes.add(parts.slice(0, i).join('.'));
    }
    prefixCache.set(payload, prefixes);
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
  if (key.endsWith('.*')) {
    const prefix = key.slice(0, -2);
    if (!SEGMENTS.test(prefix)) {
      fail(`${where} is not a valid wildcard: only a trailing '.*' after whole segments is supported, e.g. 'customer.subscription.*'.`);
    }
    const payload = payloadOfType(`${prefix}.`);
    const prefixes = wildcardPrefixes(payload);
    if (!allowUnknown && !prefixes.has(prefix)) {
      fail(`${where} matches no ${describe(payload)}Stripe event type${suggestion(closest(prefix, prefixes).map((p) => `${p}.*`))}. ${optOut}`);
    }
    return { kind: 'wildcard', key, prefix, payload };
  }
  if (key.includes('*')) {
    fail(`${where} is not supported: a wildcard may only be a trailing '.*' (e.g. 'invoice.*') or the single key '*'.`);
  }
  if (!SEGMENTS.test(key)) {
    const known = KNOWN[payloadOfType(key.trim().toLowerCase())];
    fail(`${where} is not a Stripe event type: event types are lower-case words joined by dots, e.g. 'checkout.session.completed'${suggestion(closest(key.trim().toLowerCase(), known))}.`);
  }
  const payload = payloadOfType(key);
  if (!allowUnknown && !KNOWN[payload].has(key)) {
    fail(`${where} is not a ${describe(payload)}Stripe event type${suggestion(closest(key, KNOWN[payload]))}. ${optOut}`);
  }
  return { kind: 'exact', key, type: key, payload };
}

/** Thin keys say so in messages; snapshot keys read as they always have. */
function describe(payload: StripeEventPayload): string {
  return payload === StripeEventPayload.THIN ? 'thin ' : '';
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

/**
 * The known event types a key covers (for enabling events on a Stripe destination, for docs and tests): of the
 * key's own payload style, or for `*` of `payload`.
 */
export function knownTypesFor(key: EventTypeKey, payload: StripeEventPayload = StripeEventPayload.SNAPSHOT): string[] {
  return typesOf(payloadOfKey(key) ?? payload).filter((t) => keyMatches(key, t));
}

/** `checkout.session.completed` → `CheckoutSessionCompleted`; `customer.subscription.*` → `CustomerSubscriptionAll`. */
export function nameFromEventType(key: string): string {
  if (key === '*') return 'AllEvents';
  const words = key.replace(/\.\*$/, '.all').split(/[._[\]]/).filter(Boolean);
  return words.map((w) => w[0].toUpperCase() + w.slice(1)).join('').slice(0, 64);
}

/** A handler's name: the one it was given, else derived from the first of its keys alphabetically. */
export function handlerNameFor(givenName: string | undefined, keys: readonly string[]): string {
  return givenName ?? nameFromEventType([...keys].sort()[0]);
}
