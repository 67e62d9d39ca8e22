/**
 * Event patterns built to be expensive for the matcher: many wildcards, long literals between them, many
 * `$or` alternatives, deep nesting, many fields, and sizes up to EventBridge's limit of 2,048 characters
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html, "Event pattern size"). Used by
 * the tests (EventBridge's answer for each, proven against Event Ruler) and by `npm run bench:patterns`
 * (how long the slowest takes to compile).
 */

/** EventBridge's default limit on the size of an event pattern, in characters. */
export const PATTERN_SIZE_LIMIT = 2048;

export interface AdversarialPattern {
  readonly name: string;
  readonly pattern: string;
  /** An event to match it against. */
  readonly event: string;
  /** Past a limit of the offline matcher that has no EventBridge message (src/event-pattern/limits.ts). */
  readonly pastOfflineLimits?: boolean;
}

/** A wildcard value: `pieces` joined by `*`. */
function wildcard(pieces: readonly string[]): string {
  return pieces.join('*');
}

/** `count` characters that never repeat a two-character sequence (so no wildcard state is re-entered). */
function varied(count: number, offset = 0): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let out = '';
  for (let i = 0; out.length < count; i++) out += alphabet[(offset + i * 7 + Math.floor(i / alphabet.length)) % alphabet.length];
  return out;
}

function field(values: unknown[]): string {
  return JSON.stringify({ 'detail-type': values });
}

/** Nests `inner` (an object's JSON text) `depth` objects deep under key `a`. */
function nested(depth: number, inner: string): string {
  return '{"a":'.repeat(depth) + inner + '}'.repeat(depth);
}

/** The largest n for which `make(n)` is at most `limit` characters. */
function largest(make: (n: number) => string, limit = PATTERN_SIZE_LIMIT): number {
  let n = 1;
  while (make(n + 1).length <= limit) n++;
  return n;
}

const stars = (n: number): string => field([{ wildcard: wildcard(Array.from({ length: n + 1 }, () => 'a')) }]);

export function adversarialPatterns(): AdversarialPattern[] {
  const out: AdversarialPattern[] = [];
  const add = (name: string, pattern: string, event: unknown = { 'detail-type': 'aaaa' }, pastOfflineLimits?: boolean): void => {
    out.push({ name, pattern, event: typeof event === 'string' ? event : JSON.stringify(event), pastOfflineLimits });
  };
  // The shape: a*a*a*…, each star a state the input can be in at once.
  for (const n of [10, 11, 16, 24, 100, 600]) add(`${n} stars: a*a*…`, stars(n));
  add('as many stars as fit: a*a*…', stars(largest(stars)));
  // A long literal after one wildcard: repeated characters are all in progress at once; varied ones are not.
  add('one wildcard then 2,000 repeated characters', field([{ wildcard: `*${'a'.repeat(2000)}` }]), { 'detail-type': 'a'.repeat(3000) });
  add('one wildcard then 2,000 varied characters', field([{ wildcard: `*${varied(2000)}` }]), { 'detail-type': `x${varied(2000)}` });
  add('8 wildcards between long varied literals', field([{ wildcard: wildcard(Array.from({ length: 9 }, (_, i) => varied(200, i * 11))) }]));
  add('9 wildcards, repeated literals between', field([{ wildcard: wildcard(Array.from({ length: 10 }, () => 'ab'.repeat(90))) }]));
  add('one wildcard value 2,000 characters, no stars', field([{ wildcard: varied(2000) }]), { 'detail-type': varied(2000) });
  // Many values on one field: each leading `*` is one more pattern always in progress.
  for (const n of [5, 9, 10]) add(`${n} values *x…`, field(Array.from({ length: n }, (_, i) => ({ wildcard: `*${varied(6, i * 3)}` }))));
  const prefixed = (n: number): string => field(Array.from({ length: n }, (_, i) => ({ wildcard: `${String(i).padStart(3, '0')}-*:${varied(3, i)}*z` })));
  add('as many prefixed wildcard values as fit', prefixed(largest(prefixed)));
  const anythingBut = (n: number): string => field([{ 'anything-but': { wildcard: Array.from({ length: n }, (_, i) => `${i}*${varied(4, i)}`) } }]);
  add('anything-but with as many wildcards as fit', anythingBut(largest(anythingBut)));
  // Many $or alternatives, on one field and on many.
  const orSameField = (n: number): string => JSON.stringify({ $or: Array.from({ length: n }, (_, i) => ({ 'detail-type': [{ wildcard: `${i}*${varied(3, i)}` }] })) });
  add('as many $or alternatives (one field, wildcards) as fit', orSameField(largest(orSameField)));
  const orManyFields = (n: number): string => JSON.stringify({ $or: Array.from({ length: n }, (_, i) => ({ [`f${i}`]: [{ wildcard: `*${i}` }], 'detail-type': [{ prefix: 'a' }] })) });
  add('as many $or alternatives (many fields) as fit', orManyFields(largest(orManyFields)));
  const orStars = (n: number): string => JSON.stringify({ $or: Array.from({ length: n }, () => ({ 'detail-type': [{ wildcard: '*a*a' }] })) });
  add('$or alternatives repeating one wildcard', orStars(largest(orStars)));
  const orNested = (n: number): string => {
    let inner = '{"detail-type":[{"wildcard":"*z"}]}';
    for (let i = 0; i < n; i++) inner = `{"$or":[{"k${i}":[{"wildcard":"*${i}"}]},${inner}]}`;
    return inner;
  };
  add('$or nested in $or as deep as fits', orNested(largest(orNested)));
  const orProduct = (n: number): string => {
    const o: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) o[`k${i}`] = { $or: [{ x: [{ wildcard: `${i}*` }] }, { y: [1] }] };
    return JSON.stringify(o);
  };
  add('8 $or side by side (256 alternatives)', orProduct(8));
  add('as many $or side by side as fit', orProduct(largest(orProduct)), undefined, true);
  // Deep nesting and many fields.
  const deep = (n: number): string => nested(n, '{"detail-type":[{"wildcard":"*a*b*c"}]}');
  add('a wildcard nested as deep as fits', deep(largest(deep)), nested(largest(deep), '{"detail-type":"xaybzc"}'));
  const manyFields = (n: number): string => JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}`, [{ wildcard: `*${i}*` }]])));
  add('as many wildcard fields as fit', manyFields(largest(manyFields)));
  // Characters with upper and lower case and multi-byte characters, which change how Event Ruler shares states.
  const cases = (n: number): string => field([{ wildcard: wildcard(Array.from({ length: n + 1 }, (_, i) => (i % 2 ? 'É' : 'ß'))) }]);
  add('as many stars as fit between multi-byte letters', cases(largest(cases)));
  add('wildcards and an ignore-case suffix', field([{ wildcard: `*${'k'.repeat(5)}*é` }, { suffix: { 'equals-ignore-case': 'Ké' } }, { wildcard: 'k*K*k' }]));
  return out;
}
