/**
 * The model of a compiled event pattern, shared by the compiler (which builds it), the rule machine (which
 * lays it out as Event Ruler does) and the matchers (which apply it). Like Event Ruler's `Patterns` and
 * `MatchType`, it depends on nothing else in the matcher: every other module imports it, never the reverse.
 */
import type { CaseAlternatives } from './ignore-case';
import type { WildcardPattern } from './wildcard';

/** Event Ruler's `MatchType`: the kinds of pattern its state machine tells apart. */
export type MatchType =
  | 'EXACT'
  | 'NUMERIC_EQ'
  /** Numeric ranges, and address ranges (`cidr`, or a string that is an IP address). */
  | 'RANGE'
  | 'PREFIX'
  | 'PREFIX_EQUALS_IGNORE_CASE'
  | 'SUFFIX'
  | 'SUFFIX_EQUALS_IGNORE_CASE'
  | 'EQUALS_IGNORE_CASE'
  | 'WILDCARD'
  | 'ANYTHING_BUT'
  | 'ANYTHING_BUT_IGNORE_CASE'
  | 'ANYTHING_BUT_PREFIX'
  | 'ANYTHING_BUT_SUFFIX'
  | 'ANYTHING_BUT_WILDCARD'
  | 'EXISTS'
  | 'ABSENT';

/**
 * One pattern as Event Ruler's `Patterns.equals` sees it: its type and the values that type compares.
 * Equal patterns are one pattern in Event Ruler's state machine; this matters for which states alternatives
 * share (rule-machine.ts) and for the wildcard complexity limit (complexity.ts).
 *
 * Identities come from a {@link PatternIdentities} pool, which hands out one object per distinct pattern,
 * so identities compare (and key maps) by reference.
 */
export interface PatternIdentity {
  readonly type: MatchType;
  readonly values: readonly (string | number | boolean)[];
}

/** Hands out one identity object per distinct (type, values): compile a rule's patterns with one pool. */
export class PatternIdentities {
  private readonly known = new Map<string, PatternIdentity>();

  public of(type: MatchType, ...values: (string | number | boolean)[]): PatternIdentity {
    const key = JSON.stringify([type, values]);
    let identity = this.known.get(key);
    if (!identity) {
      identity = Object.freeze({ type, values: Object.freeze(values) });
      this.known.set(key, identity);
    }
    return identity;
  }
}

interface Base {
  /**
   * The patterns Event Ruler adds to its state machine for this operator: one, except for a number, which
   * is both a numeric equality (when the number is comparable) and its text.
   */
  readonly identities: readonly PatternIdentity[];
}

/**
 * A comparison operator of an event pattern (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html),
 * tested against one leaf value of the event (see matchers.ts).
 */
export type Matcher = Base &
(
  | { readonly kind: 'equals'; readonly value: string }
  /** A string pattern that is an IP address: the range of that one address, as Event Ruler builds it. */
  | { readonly kind: 'ip-equals'; readonly low: string; readonly lowOpen: boolean; readonly high: string; readonly highOpen: boolean }
  | {
    readonly kind: 'number-equals';
    readonly text: string;
    readonly num: number | undefined;
    /** The numeric equality, when the number is comparable. */
    readonly numeric: PatternIdentity | undefined;
    /** The number's text. */
    readonly exact: PatternIdentity;
  }
  | { readonly kind: 'literal'; readonly text: 'true' | 'false' | 'null' }
  | { readonly kind: 'prefix'; readonly wire: string }
  | { readonly kind: 'prefix-ignore-case'; readonly wire: CaseAlternatives }
  | { readonly kind: 'suffix'; readonly wire: string }
  | { readonly kind: 'suffix-ignore-case'; readonly wire: CaseAlternatives }
  | { readonly kind: 'equals-ignore-case'; readonly wire: CaseAlternatives }
  | { readonly kind: 'wildcard'; readonly pattern: WildcardPattern; readonly wire: string }
  | { readonly kind: 'anything-but'; readonly strings: ReadonlySet<string>; readonly numbers: ReadonlySet<number>; readonly numeric: boolean }
  | { readonly kind: 'anything-but-ignore-case'; readonly wires: readonly CaseAlternatives[] }
  | { readonly kind: 'anything-but-prefix'; readonly wires: readonly string[] }
  | { readonly kind: 'anything-but-suffix'; readonly wires: readonly string[] }
  | { readonly kind: 'anything-but-wildcard'; readonly patterns: readonly WildcardPattern[]; readonly wires: readonly string[] }
  | { readonly kind: 'numeric-equals'; readonly num: number }
  | { readonly kind: 'numeric-range'; readonly low: number; readonly lowOpen: boolean; readonly high: number; readonly highOpen: boolean }
  | { readonly kind: 'cidr'; readonly low: string; readonly lowOpen: boolean; readonly high: string; readonly highOpen: boolean }
  | { readonly kind: 'exists' }
  | { readonly kind: 'absent' }
);

export interface PatternField {
  /** Dot-joined path of the field in the event. */
  readonly path: string;
  /** The alternatives listed for the field; the field matches if any of them does. */
  readonly matchers: readonly Matcher[];
  /** The field's array as written in the pattern, for messages. */
  readonly source: string;
}

/** One way for the pattern to match: every field must match. */
export type PatternBranch = ReadonlyMap<string, PatternField>;

/** How a field's byte machine reads event values (see rule-machine.ts). */
export interface MachineFlags {
  /** It holds a numeric operator: comparable numbers are read as numbers (and only as numbers). */
  readonly numeric: boolean;
  /** It holds an IP operator (`cidr`, or a string that is an address): strings that are addresses are also read as addresses. */
  readonly ip: boolean;
}
