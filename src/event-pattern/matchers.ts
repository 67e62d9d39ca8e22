/**
 * The comparison operators of an event pattern (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html),
 * each tested against one leaf value of the event.
 *
 * String operators compare the value with its JSON quotes (`"value"`), as Event Ruler does: a prefix is
 * `"` + prefix, a suffix is suffix + `"`. That is why they never match numbers, `true`, `false` or `null`,
 * and why `anything-but` of a string matches those (they are not that string).
 */
import type { EventValue } from './event-fields';
import { endsWithIgnoringCase, equalsIgnoringCase, startsWithIgnoringCase } from './ignore-case';
import type { MachineFlags, Matcher, PatternIdentity } from './pattern-model';
import { matchesWildcard } from './wildcard';

/**
 * Event Ruler's range test over digit strings, as its byte machine decides it: digit by digit, matching as
 * soon as the leading digits settle that the value is inside. So for address ranges the value's length
 * does not have to agree with the range's: an IPv4 address can fall in an IPv6 block and back, and (when
 * a field's values are read as text) a number's digits are read as hex digits.
 */
export function digitRangeMatch(value: string, low: string, lowOpen: boolean, high: string, highOpen: boolean, digits: RegExp): boolean {
  let onLow = true;
  let onHigh = true;
  for (let i = 0; i < low.length; i++) {
    if (i >= value.length) return false;
    const d = value[i];
    if (!digits.test(d)) return false;
    const last = i === low.length - 1;
    if (onLow && onHigh) {
      if (d === low[i] && d === high[i]) {
        if (last) return !lowOpen && !highOpen;
      } else if (d === low[i]) {
        if (last) return !lowOpen;
        onHigh = false;
      } else if (d === high[i]) {
        if (last) return !highOpen;
        onLow = false;
      } else {
        return low[i] < d && d < high[i];
      }
    } else if (onLow) {
      if (d !== low[i]) return d > low[i];
      if (last) return !lowOpen;
    } else {
      if (d !== high[i]) return d < high[i];
      if (last) return !highOpen;
    }
  }
  return false;
}

const HEX_DIGIT = /^[0-9A-F]$/;

/**
 * Whether one leaf value satisfies the operator, read the way the field's byte machine reads it (see
 * rule-machine.ts), and if so which of the operator's identities matched. (`absent` is about the lack of
 * values; see event-pattern.ts.)
 */
export function matchValue(m: Matcher, v: EventValue, flags: MachineFlags): PatternIdentity | undefined {
  // An address-reading machine also reads a string that is an IP address as its hex digits.
  const address = flags.ip && v.kind === 'string' ? v.ip : undefined;
  // A number-reading machine reads a comparable number only as a number; otherwise values are read as text.
  const asNumber = flags.numeric && v.num !== undefined;
  switch (m.kind) {
    case 'number-equals':
      if (asNumber) return m.numeric !== undefined && v.num === m.num ? m.numeric : undefined;
      return v.wire === m.text || address === m.text ? m.exact : undefined;
    case 'ip-equals':
    case 'cidr':
      return (address !== undefined && digitRangeMatch(address, m.low, m.lowOpen, m.high, m.highOpen, HEX_DIGIT))
        || (!asNumber && digitRangeMatch(v.wire, m.low, m.lowOpen, m.high, m.highOpen, HEX_DIGIT)) ? m.identities[0] : undefined;
    case 'numeric-equals':
      return asNumber && v.num === m.num ? m.identities[0] : undefined;
    case 'numeric-range': {
      if (!asNumber) return undefined;
      const n = v.num!;
      const aboveLow = m.lowOpen ? n > m.low : n >= m.low;
      return aboveLow && (m.highOpen ? n < m.high : n <= m.high) ? m.identities[0] : undefined;
    }
    default:
      return matchesText(m, v) ? m.identities[0] : undefined;
  }
}

/** Operators that do not depend on how the machine reads values. */
function matchesText(m: Matcher, v: EventValue): boolean {
  switch (m.kind) {
    case 'equals':
      return v.kind === 'string' && v.text === m.value;
    case 'literal':
      return v.kind === m.text;
    case 'prefix':
      return v.wire.startsWith(m.wire);
    case 'prefix-ignore-case':
      return startsWithIgnoringCase(v.wire, m.wire);
    case 'suffix':
      return v.wire.endsWith(m.wire);
    case 'suffix-ignore-case':
      return endsWithIgnoringCase(v.wire, m.wire);
    case 'equals-ignore-case':
      return equalsIgnoringCase(v.wire, m.wire);
    case 'wildcard':
      return matchesWildcard(v.wire, m.pattern);
    case 'anything-but':
      // Any present value that is not one of the excluded ones: numbers only exclude comparable numbers,
      // strings only strings. null, true and false always pass.
      return m.numeric ? !(v.num !== undefined && m.numbers.has(v.num)) : !(v.kind === 'string' && m.strings.has(v.text));
    case 'anything-but-ignore-case':
      return !m.wires.some((w) => equalsIgnoringCase(v.wire, w));
    case 'anything-but-prefix':
      return !m.wires.some((w) => v.wire.startsWith(w));
    case 'anything-but-suffix':
      return !m.wires.some((w) => v.wire.endsWith(w));
    case 'anything-but-wildcard':
      return !m.patterns.some((p) => matchesWildcard(v.wire, p));
    case 'exists':
      return true;
    default:
      return false;
  }
}
