/**
 * The character level of the JSON reader (json-reader.ts): positions, whitespace and the scalar tokens
 * (strings, numbers, `true`, `false`, `null`), with the messages Jackson's `JsonParser` gives for them,
 * which is what AWS returns for a pattern that is not JSON.
 */
import { StripeEventBridgeError } from '../contract/errors';

/** A syntax error, worded like Jackson's first message line. */
export class JsonSyntaxError extends StripeEventBridgeError {
  constructor(
    public readonly reason: string,
    public readonly line: number,
    public readonly column: number,
  ) {
    super(reason);
    this.name = 'JsonSyntaxError';
  }
}

/**
 * The deepest nesting of objects and arrays Jackson reads by default (`StreamReadConstraints`, since
 * Jackson 2.15; Event Ruler 1.8.1 uses Jackson 2.18): Event Ruler rejects a pattern nested deeper with
 * Jackson's message, and cannot read an event nested deeper.
 */
export const MAX_NESTING_DEPTH = 1000;

/** JSON nested deeper than MAX_NESTING_DEPTH, with Jackson's message. */
export class JsonNestingError extends JsonSyntaxError {
  constructor(line: number, column: number) {
    super(`Document nesting depth (${MAX_NESTING_DEPTH + 1}) exceeds the maximum allowed (${MAX_NESTING_DEPTH}, from \`StreamReadConstraints.getMaxNestingDepth()\`)`, line, column);
    this.name = 'JsonNestingError';
  }
}

export const VALUE_CHOICES = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')";
const VALUE_EXPECTED = `was expecting ${VALUE_CHOICES}`;
const LITERALS = ['true', 'false', 'null'] as const;

/** Jackson's description of a character in error messages: `'x' (code 120)`, `(CTRL-CHAR, code 10)`. */
export function charDesc(code: number): string {
  if (code < 32) return `(CTRL-CHAR, code ${code})`;
  const char = String.fromCodePoint(code);
  return code > 255 ? `'${char}' (code ${code} / 0x${code.toString(16)})` : `'${char}' (code ${code})`;
}

/**
 * Replaces unpaired surrogates with '?': Event Ruler compares UTF-8 bytes, and Java encodes an unpaired
 * surrogate as '?', so "\ud800" in a pattern and "?" in an event are the same value there.
 */
export function wellFormed(text: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\ud800-\udfff]/.test(text) ? text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '?') : text;
}

export class JsonScanner {
  /** Offset of the next character to read. */
  public pos = 0;

  constructor(public readonly source: string) {}

  /** Line and column (1-based) of an offset, as Jackson reports locations. */
  public location(offset: number): { line: number; column: number } {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < offset && i < this.source.length; i++) {
      if (this.source.charCodeAt(i) === 10) {
        line++;
        lineStart = i + 1;
      }
    }
    return { line, column: offset - lineStart + 1 };
  }

  public fail(reason: string, offset: number = this.pos): never {
    const { line, column } = this.location(offset);
    throw new JsonSyntaxError(reason, line, column);
  }

  /** Jackson's `[Source: (String)"…"; line: L, column: C]` for an offset (the text is cut at 500 characters). */
  public sourceAt(offset: number): string {
    const { line, column } = this.location(offset);
    const text = this.source.length > 500 ? `${this.source.slice(0, 500)}"[truncated ${this.source.length - 500} chars]` : `${this.source}"`;
    return `[Source: (String)"${text}; line: ${line}, column: ${column}]`;
  }

  public codePointAt(offset: number): number {
    return this.source.codePointAt(offset) ?? -1;
  }

  /** Skips whitespace; returns the next character's code, or -1 at the end of the input. */
  public skipWhitespace(): number {
    const s = this.source;
    let p = this.pos;
    for (;;) {
      const c = s.charCodeAt(p);
      if (c === 32 || c === 10 || c === 13 || c === 9) p++;
      else break;
    }
    this.pos = p;
    return p < s.length ? s.charCodeAt(p) : -1;
  }

  /** `true`, `false` or `null` at the current position (Jackson's errors for anything else there). */
  public literal(): 'true' | 'false' | 'null' {
    const s = this.source;
    const start = this.pos;
    for (const word of LITERALS) {
      if (s.startsWith(word, start) && !isTokenChar(s.charCodeAt(start + word.length))) {
        this.pos = start + word.length;
        return word;
      }
    }
    // Jackson reports the whole run of token characters it could not recognise.
    let end = start;
    while (end < s.length && isTokenChar(s.charCodeAt(end))) end++;
    const word = s.slice(start, end);
    if (word === 'NaN' || word === 'Infinity') {
      this.fail(`Non-standard token '${word}': enable \`JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS\` to allow`, end);
    }
    if (end === start) {
      this.fail(`Unexpected character (${charDesc(this.codePointAt(start))}): expected a valid value ${VALUE_CHOICES}`);
    }
    this.fail(`Unrecognized token '${s.slice(start, end)}': ${VALUE_EXPECTED}`, end);
  }

  /** The text of the number at the current position, which starts with `-` or a digit. */
  public number(): string {
    const s = this.source;
    const start = this.pos;
    let p = start;
    if (s.charCodeAt(p) === 45) {
      p++;
      const d = s.charCodeAt(p);
      if (!(d >= 48 && d <= 57)) {
        if (p >= s.length) this.fail('Unexpected end-of-inputNo digit following sign', p);
        if (s.startsWith('Infinity', p)) {
          this.fail("Non-standard token '-Infinity': enable `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow", p + 8);
        }
        this.fail(`Unexpected character (${charDesc(this.codePointAt(p))}) in numeric value: expected digit (0-9) to follow minus sign, for valid numeric value`, p);
      }
    }
    if (s.charCodeAt(p) === 48 && isDigit(s.charCodeAt(p + 1))) {
      this.fail('Invalid numeric value: Leading zeroes not allowed', p + 1);
    }
    while (isDigit(s.charCodeAt(p))) p++;
    if (s.charCodeAt(p) === 46 /* . */) {
      p++;
      if (!isDigit(s.charCodeAt(p))) {
        this.fail(`Unexpected character (${charDesc(this.codePointAt(p))}) in numeric value: Decimal point not followed by a digit`, p);
      }
      while (isDigit(s.charCodeAt(p))) p++;
    }
    const e = s.charCodeAt(p);
    if (e === 101 || e === 69) {
      p++;
      const sign = s.charCodeAt(p);
      if (sign === 43 || sign === 45) p++;
      if (!isDigit(s.charCodeAt(p))) {
        this.fail(`Unexpected character (${charDesc(this.codePointAt(p))}) in numeric value: Exponent indicator not followed by a digit`, p);
      }
      while (isDigit(s.charCodeAt(p))) p++;
    }
    this.pos = p;
    return s.slice(start, p);
  }

  /** The unescaped text of the string at the current position (on its opening quote). */
  public string(endOfInput = 'Unexpected end-of-input: was expecting closing quote for a string value'): string {
    const s = this.source;
    let p = this.pos + 1;
    let out = '';
    let chunkStart = p;
    for (;;) {
      if (p >= s.length) this.fail(endOfInput, s.length);
      const c = s.charCodeAt(p);
      if (c === 34) {
        out += s.slice(chunkStart, p);
        this.pos = p + 1;
        return wellFormed(out);
      }
      if (c === 92 /* \ */) {
        out += s.slice(chunkStart, p);
        const e = s.charCodeAt(p + 1);
        p += 2;
        switch (e) {
          case 34:
            out += '"';
            break;
          case 92:
            out += '\\';
            break;
          case 47:
            out += '/';
            break;
          case 98:
            out += '\b';
            break;
          case 102:
            out += '\f';
            break;
          case 110:
            out += '\n';
            break;
          case 114:
            out += '\r';
            break;
          case 116:
            out += '\t';
            break;
          case 117: {
            const hex = s.slice(p, p + 4);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
              const bad = [...hex].findIndex((ch) => !/[0-9a-fA-F]/.test(ch));
              this.fail(`Unexpected character (${charDesc(this.codePointAt(p + Math.max(bad, 0)))}): expected a hex-digit for character escape sequence`, p + bad);
            }
            out += String.fromCharCode(parseInt(hex, 16));
            p += 4;
            break;
          }
          default:
            if (Number.isNaN(e)) this.fail('Unexpected end-of-input in character escape sequence', s.length);
            this.fail(`Unrecognized character escape ${charDesc(this.codePointAt(p - 1))}`, p);
        }
        chunkStart = p;
        continue;
      }
      if (c < 32) {
        this.fail(`Illegal unquoted character (${charDesc(c)}): has to be escaped using backslash to be included in string value`, p);
      }
      p++;
    }
  }
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * Characters Jackson reads as part of an unrecognised token before reporting it (Java's
 * `Character.isJavaIdentifierPart`): `this is` is reported as `'this'`.
 */
const IDENTIFIER_PART = /[\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}\p{Sc}\u0000-\u0008\u000e-\u001b\u007f-\u009f]/u;

function isTokenChar(c: number): boolean {
  if (Number.isNaN(c)) return false;
  if (c < 128) {
    const alphanumeric = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36;
    return alphanumeric || c <= 8 || (c >= 14 && c <= 27) || c === 127;
  }
  return IDENTIFIER_PART.test(String.fromCharCode(c));
}
