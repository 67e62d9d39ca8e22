/**
 * Numbers as EventBridge compares them. Event Ruler (`ComparableNumber`) turns a JSON number into a
 * double only when the double holds the number's exact decimal value: `0.1`, `5.0` and `1e2` qualify,
 * `0.30000000000000001` (no double is exactly that) and `1e400` (infinite) do not. Only such "comparable"
 * numbers take part in `numeric` matching, numeric `anything-but` and numeric equality; any other number
 * matches only a pattern number written with exactly the same text.
 *
 * AWS documents numeric matching for JSON numbers (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html#eb-filtering-numeric-matching);
 * the exact-value rule and the range (any finite double) are Event Ruler's.
 */

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/** A canonical key for a decimal number's value: equal keys ⇔ equal values. */
function decimalKey(text: string): string | undefined {
  const m = DECIMAL.exec(text);
  if (!m) return undefined;
  const [, sign, int, frac = '', exp = '0'] = m;
  let digits = (int + frac).replace(/^0+/, '');
  if (digits === '') return '0';
  let exponent = Number(exp) - frac.length;
  const trimmed = digits.replace(/0+$/, '');
  exponent += digits.length - trimmed.length;
  digits = trimmed;
  return `${sign}${digits}e${exponent}`;
}

/**
 * The double a JSON number text stands for, if Event Ruler can compare it (see above); otherwise
 * undefined. Zero has one value (`-0` is 0, as Java's BigDecimal has no negative zero).
 */
export function comparableNumber(text: string): number | undefined {
  const value = Number(text);
  if (!Number.isFinite(value)) return undefined;
  if (value === 0) return decimalKey(text) === '0' ? 0 : undefined;
  // String(value) is the shortest decimal that reads back as the same double.
  return decimalKey(String(value)) === decimalKey(text) ? value : undefined;
}

/** Event Ruler's message when a pattern number cannot be compared. */
export function notComparableMessage(text: string): string {
  return `Cannot compare number : ${text}`;
}
