/**
 * `equals-ignore-case` as EventBridge applies it (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html#eb-filtering-equals-ignore-case-matching).
 * Event Ruler (`EqualsIgnoreCaseParser`) does not fold the event's value: each UTF-16 unit of the pattern
 * may appear in the event either as its lower-case or as its upper-case form (Java's `toLowerCase` /
 * `toUpperCase` of that single character). So `ß` matches `ß` or `SS`, the Kelvin sign `K` matches `k`
 * or itself but not `K`, and a character outside the BMP, being two surrogate halves that Java writes as
 * `?` each, matches only `??`.
 */

/** For each UTF-16 unit of the pattern: the strings the event may have in its place. */
export type CaseAlternatives = readonly (readonly string[])[];

export function caseAlternatives(pattern: string): CaseAlternatives {
  const out: string[][] = [];
  for (let i = 0; i < pattern.length; i++) {
    const unit = pattern.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdfff) {
      out.push(['?']);
      continue;
    }
    const char = pattern[i];
    const lower = char.toLowerCase();
    const upper = char.toUpperCase();
    out.push(lower === upper ? [lower] : [lower, upper]);
  }
  return out;
}

/**
 * Offsets in `value` where a match of `alternatives` that starts at `start` can end (matching left to
 * right). A small set: alternatives differ in length only for a few characters (`ß` / `SS`).
 */
function forwardEnds(value: string, start: number, alternatives: CaseAlternatives): number[] {
  let positions = [start];
  for (const options of alternatives) {
    const next: number[] = [];
    for (const p of positions) {
      for (const option of options) {
        if (value.startsWith(option, p) && !next.includes(p + option.length)) next.push(p + option.length);
      }
    }
    if (next.length === 0) return next;
    positions = next;
  }
  return positions;
}

/** Offsets where a match of `alternatives` that ends at `end` can start (matching right to left). */
function backwardStarts(value: string, end: number, alternatives: CaseAlternatives): number[] {
  let positions = [end];
  for (let i = alternatives.length - 1; i >= 0; i--) {
    const next: number[] = [];
    for (const p of positions) {
      for (const option of alternatives[i]) {
        const from = p - option.length;
        if (from >= 0 && value.startsWith(option, from) && !next.includes(from)) next.push(from);
      }
    }
    if (next.length === 0) return next;
    positions = next;
  }
  return positions;
}

export function equalsIgnoringCase(value: string, alternatives: CaseAlternatives): boolean {
  return forwardEnds(value, 0, alternatives).includes(value.length);
}

export function startsWithIgnoringCase(value: string, alternatives: CaseAlternatives): boolean {
  return forwardEnds(value, 0, alternatives).length > 0;
}

export function endsWithIgnoringCase(value: string, alternatives: CaseAlternatives): boolean {
  return backwardStarts(value, value.length, alternatives).length > 0;
}
