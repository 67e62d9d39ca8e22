/**
 * Patterns built to be expensive get EventBridge's answer: each is accepted (and matches or not) or
 * rejected as too complex, as Event Ruler decides it (event-ruler.integration.test.ts runs the same patterns through
 * Event Ruler itself). Before the complexity walk was memoised, 24 stars took about a minute and 100 did
 * not finish; here each has jest's default time to answer, which the tests do not otherwise measure
 * (`npm run bench:patterns` reports how long they take).
 */
import { adversarialPatterns, PATTERN_SIZE_LIMIT } from './support/adversarial-patterns';
import { ourVerdict } from './support/event-ruler';

const TOO_COMPLEX = 'INVALID Event pattern is not valid. Reason: Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character';

/** EventBridge's answer for each pattern of adversarialPatterns(), by name (Event Ruler's measure in brackets). */
const EXPECTED: Record<string, string> = {
  '10 stars: a*a*…': TOO_COMPLEX, // (20)
  '11 stars: a*a*…': TOO_COMPLEX, // (22)
  '16 stars: a*a*…': TOO_COMPLEX,
  '24 stars: a*a*…': TOO_COMPLEX,
  '100 stars: a*a*…': TOO_COMPLEX,
  '600 stars: a*a*…': TOO_COMPLEX,
  'as many stars as fit: a*a*…': TOO_COMPLEX,
  'one wildcard then 2,000 repeated characters': TOO_COMPLEX,
  'one wildcard then 2,000 varied characters': 'MATCH', // (3)
  '8 wildcards between long varied literals': TOO_COMPLEX, // (17)
  '9 wildcards, repeated literals between': TOO_COMPLEX,
  'one wildcard value 2,000 characters, no stars': 'MATCH', // (1)
  '5 values *x…': 'NO_MATCH', // (10: the most EventBridge accepts)
  '9 values *x…': TOO_COMPLEX, // (18)
  '10 values *x…': TOO_COMPLEX,
  'as many prefixed wildcard values as fit': TOO_COMPLEX,
  'anything-but with as many wildcards as fit': 'MATCH', // (5)
  'as many $or alternatives (one field, wildcards) as fit': TOO_COMPLEX,
  'as many $or alternatives (many fields) as fit': 'NO_MATCH', // (3)
  '$or alternatives repeating one wildcard': TOO_COMPLEX,
  '$or nested in $or as deep as fits': 'NO_MATCH', // (3)
  '8 $or side by side (256 alternatives)': 'NO_MATCH', // (2)
  // 2^39 alternatives: the offline matcher stops at 256 (Event Ruler would build them all, and run out of memory).
  'as many $or side by side as fit': 'INVALID The pattern\'s $or combinations make more than 256 alternatives, the most the offline matcher '
    + 'evaluates (each $or multiplies the alternatives built before it; EventBridge documents no limit of its own, and builds each alternative as '
    + 'well). Use fewer $or side by side, or split the rule.',
  'a wildcard nested as deep as fits': 'MATCH', // (4)
  'as many wildcard fields as fit': 'NO_MATCH', // (4)
  'as many stars as fit between multi-byte letters': TOO_COMPLEX,
  'wildcards and an ignore-case suffix': 'NO_MATCH', // (10)
};

const patterns = adversarialPatterns();

test('every adversarial pattern has an expected answer and fits in an event pattern', () => {
  expect(patterns.map((p) => p.name).sort()).toEqual(Object.keys(EXPECTED).sort());
  for (const p of patterns) expect([p.name, p.pattern.length <= PATTERN_SIZE_LIMIT]).toEqual([p.name, true]);
});

test.each(patterns.map((p) => [p.name, p] as const))('%s', (_name, p) => {
  expect(ourVerdict(p.pattern, p.event)).toBe(EXPECTED[p.name]);
});
