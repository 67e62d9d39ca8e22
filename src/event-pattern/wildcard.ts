/**
 * `wildcard` matching (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html#eb-filtering-wildcard-matching):
 * `*` stands for any run of characters, including none; `\*` is a literal asterisk and `\\` a literal
 * backslash; any other backslash, and two consecutive wildcards, make the pattern invalid. Positions in
 * the error messages are UTF-8 byte offsets in the value with its JSON quotes, as Event Ruler reports them
 * (`"arn:aws:events:us-east-1:**:…"` → `Consecutive wildcard characters at pos 26`).
 */
import { StripeEventBridgeError } from '../contract/errors';

export class InvalidWildcardError extends StripeEventBridgeError {}

/** A parsed wildcard value: the literal pieces between wildcards, in order. */
export interface WildcardPattern {
  readonly pieces: readonly string[];
}

/** Parses `text` (already with its surrounding quotes, as Event Ruler sees it). */
export function parseWildcard(quoted: string): WildcardPattern {
  const pieces: string[] = [];
  let piece = '';
  let bytePos = 0;
  for (let i = 0; i < quoted.length; i++) {
    const ch = quoted[i];
    if (ch === '*') {
      if (quoted[i + 1] === '*') throw new InvalidWildcardError(`Consecutive wildcard characters at pos ${bytePos}`);
      pieces.push(piece);
      piece = '';
      bytePos += 1;
    } else if (ch === '\\') {
      const next = quoted[i + 1];
      if (next !== '*' && next !== '\\') throw new InvalidWildcardError(`Invalid escape character at pos ${bytePos}`);
      piece += next;
      i++;
      bytePos += 2;
    } else {
      piece += ch;
      bytePos += utf8Length(quoted.charCodeAt(i));
    }
  }
  pieces.push(piece);
  return { pieces };
}

function utf8Length(unit: number): number {
  if (unit < 0x80) return 1;
  if (unit < 0x800) return 2;
  // A surrogate pair is 4 bytes: 2 for each half here.
  if (unit >= 0xd800 && unit <= 0xdfff) return 2;
  return 3;
}

/** Whether `value` matches the whole pattern. */
export function matchesWildcard(value: string, pattern: WildcardPattern): boolean {
  const { pieces } = pattern;
  if (pieces.length === 1) return value === pieces[0];
  const first = pieces[0];
  const last = pieces[pieces.length - 1];
  if (value.length < first.length + last.length || !value.startsWith(first) || !value.endsWith(last)) return false;
  // Leftmost placement of each middle piece is enough: '*' absorbs whatever lies between.
  let pos = first.length;
  const limit = value.length - last.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const at = value.indexOf(pieces[i], pos);
    if (at === -1 || at + pieces[i].length > limit) return false;
    pos = at + pieces[i].length;
  }
  return true;
}
