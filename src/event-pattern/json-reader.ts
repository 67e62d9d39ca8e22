/**
 * A streaming (pull) JSON reader with the behaviour of the parser EventBridge matches with: Jackson's
 * `JsonParser`, as used by Event Ruler's `JsonRuleCompiler` (patterns) and `Event` (events).
 *
 * Streaming matters for exactness, not speed: Event Ruler reports the first problem it meets while reading
 * a pattern, so a semantic error before a syntax error wins; duplicate keys are not an error (a later leaf
 * overrides an earlier one, a repeated object key merges); and reading stops at the end of the top-level
 * object. Syntax errors use Jackson's wording, which is what AWS returns
 * (`Unrecognized token 'x': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')`).
 */

export enum JsonToken {
  START_OBJECT,
  END_OBJECT,
  START_ARRAY,
  END_ARRAY,
  FIELD_NAME,
  STRING,
  NUMBER,
  TRUE,
  FALSE,
  NULL,
  /** No more input (Jackson returns null). */
  EOF,
}

/** A syntax error, worded like Jackson's first message line. */
export class JsonSyntaxError extends Error {
  constructor(
    public readonly reason: string,
    public readonly line: number,
    public readonly column: number,
  ) {
    super(reason);
    this.name = 'JsonSyntaxError';
  }
}

const enum Ctx {
  ROOT,
  OBJECT,
  ARRAY,
}

interface Frame {
  readonly ctx: Ctx;
  /** Offset of the container's opening character. */
  readonly start: number;
}

const VALUE_CHOICES = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')";
const VALUE_EXPECTED = `was expecting ${VALUE_CHOICES}`;

/** Jackson's description of a character in error messages: `'x' (code 120)`, `(CTRL-CHAR, code 10)`. */
function charDesc(code: number): string {
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

export class JsonReader {
  /** Text of the current STRING / FIELD_NAME token (unescaped), or the literal text of a NUMBER. */
  public text = '';
  /** Offset of the first character of the current token. */
  public tokenStart = 0;
  /** Offset just after the current token. */
  public tokenEnd = 0;

  private pos = 0;
  private readonly stack: Frame[] = [{ ctx: Ctx.ROOT, start: 0 }];
  /** In an object: true once a field name has been read and its value is next. */
  private expectValue = false;
  /** Whether the current container already has an element (so a comma is needed before the next). */
  private hasElement = false;
  private readonly hasElementStack: boolean[] = [];
  private done = false;
  /** A comma has been read and the next element is required. */
  private pendingComma = false;
  private current: JsonToken = JsonToken.EOF;

  constructor(public readonly source: string) {}

  public get token(): JsonToken {
    return this.current;
  }

  /** Jackson's `getText()`: the token's text, including the structural characters. */
  public tokenText(): string {
    switch (this.current) {
      case JsonToken.START_OBJECT:
        return '{';
      case JsonToken.END_OBJECT:
        return '}';
      case JsonToken.START_ARRAY:
        return '[';
      case JsonToken.END_ARRAY:
        return ']';
      case JsonToken.TRUE:
        return 'true';
      case JsonToken.FALSE:
        return 'false';
      case JsonToken.NULL:
        return 'null';
      case JsonToken.EOF:
        return '';
      default:
        return this.text;
    }
  }

  /** Line and column (1-based) of an offset, as Jackson reports locations. */
  public location(offset: number = this.tokenEnd): { line: number; column: number } {
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

  public next(): JsonToken {
    this.current = this.read();
    return this.current;
  }

  /** Skips the value that starts at the current token (an object or array is skipped to its end). */
  public skipChildren(): void {
    if (this.current !== JsonToken.START_OBJECT && this.current !== JsonToken.START_ARRAY) return;
    let depth = 1;
    while (depth > 0) {
      const t = this.next();
      if (t === JsonToken.START_OBJECT || t === JsonToken.START_ARRAY) depth++;
      else if (t === JsonToken.END_OBJECT || t === JsonToken.END_ARRAY) depth--;
      else if (t === JsonToken.EOF) return;
    }
  }

  private fail(reason: string, offset: number = this.pos): never {
    const { line, column } = this.location(offset);
    throw new JsonSyntaxError(reason, line, column);
  }

  /** Jackson's `[Source: (String)"…"; line: L, column: C]` for an offset (the text is cut at 500 characters). */
  private sourceAt(offset: number): string {
    const { line, column } = this.location(offset);
    const text = this.source.length > 500 ? `${this.source.slice(0, 500)}"[truncated ${this.source.length - 500} chars]` : `${this.source}"`;
    return `[Source: (String)"${text}; line: ${line}, column: ${column}]`;
  }

  private skipWhitespace(): number {
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

  private get frame(): Frame {
    return this.stack[this.stack.length - 1];
  }

  private typeDesc(ctx: Ctx): string {
    return ctx === Ctx.OBJECT ? 'Object' : 'Array';
  }

  /** End of input where the container could have been closed. */
  private eofExpectingClose(): never {
    const { ctx, start } = this.frame;
    this.fail(`Unexpected end-of-input: expected close marker for ${this.typeDesc(ctx)} (start marker at ${this.sourceAt(start)})`, this.source.length);
  }

  /** End of input in the middle of an entry (after a comma, a field name or a colon). */
  private eofWithinEntries(): never {
    this.fail(`Unexpected end-of-input within/between ${this.typeDesc(this.frame.ctx)} entries`, this.source.length);
  }

  /** A close marker of the wrong kind. */
  private checkCloseMarker(c: number): void {
    const { ctx, start } = this.frame;
    if ((c === 125 && ctx === Ctx.ARRAY) || (c === 93 && ctx === Ctx.OBJECT)) {
      const expected = ctx === Ctx.ARRAY ? ']' : '}';
      this.fail(`Unexpected close marker '${String.fromCharCode(c)}': expected '${expected}' (for ${this.typeDesc(ctx)} starting at ${this.sourceAt(start)})`);
    }
  }

  private read(): JsonToken {
    if (this.done) return JsonToken.EOF;
    const ctx = this.frame.ctx;
    let c = this.skipWhitespace();

    if (ctx !== Ctx.ROOT && !this.expectValue) {
      const close = ctx === Ctx.OBJECT ? 125 : 93;
      if (!this.pendingComma) {
        if (c === close) return this.close(ctx);
        if (c === -1) this.eofExpectingClose();
        this.checkCloseMarker(c);
        if (this.hasElement) {
          if (c !== 44 /* , */) {
            this.fail(`Unexpected character (${charDesc(this.codePointAt(this.pos))}): was expecting comma to separate ${this.typeDesc(ctx)} entries`);
          }
          this.pos++;
          this.pendingComma = true;
          c = this.skipWhitespace();
        }
      }
      if (c === -1) this.eofWithinEntries();
      if (ctx === Ctx.OBJECT) return this.readFieldName(c);
    }

    // A value is expected here.
    if (c === -1) {
      if (ctx === Ctx.ROOT) {
        this.done = true;
        return JsonToken.EOF;
      }
      this.eofWithinEntries();
    }
    this.pendingComma = false;
    this.expectValue = false;
    if (ctx !== Ctx.ROOT) this.hasElement = true;
    this.tokenStart = this.pos;
    const token = this.readValue(c);
    this.tokenEnd = this.pos;
    return token;
  }

  private readFieldName(c: number): JsonToken {
    if (c !== 34 /* " */) {
      this.fail(`Unexpected character (${charDesc(this.codePointAt(this.pos))}): was expecting double-quote to start field name`);
    }
    this.tokenStart = this.pos;
    this.text = this.readString('Unexpected end-of-input in field name');
    c = this.skipWhitespace();
    if (c === -1) this.eofWithinEntries();
    if (c !== 58 /* : */) {
      this.fail(`Unexpected character (${charDesc(this.codePointAt(this.pos))}): was expecting a colon to separate field name and value`);
    }
    this.pos++;
    this.tokenEnd = this.pos;
    this.pendingComma = false;
    this.hasElement = true;
    this.expectValue = true;
    return JsonToken.FIELD_NAME;
  }

  private codePointAt(offset: number): number {
    return this.source.codePointAt(offset) ?? -1;
  }

  private close(ctx: Ctx): JsonToken {
    this.tokenStart = this.pos;
    this.pos++;
    this.tokenEnd = this.pos;
    this.stack.pop();
    this.hasElement = this.hasElementStack.pop() ?? false;
    this.expectValue = false;
    if (this.stack.length === 1) this.done = true;
    return ctx === Ctx.OBJECT ? JsonToken.END_OBJECT : JsonToken.END_ARRAY;
  }

  private open(ctx: Ctx): void {
    this.stack.push({ ctx, start: this.pos });
    this.pos++;
    this.hasElementStack.push(this.hasElement);
    this.hasElement = false;
    this.pendingComma = false;
    this.expectValue = false;
  }

  private readValue(c: number): JsonToken {
    switch (c) {
      case 123 /* { */:
        this.open(Ctx.OBJECT);
        return JsonToken.START_OBJECT;
      case 91 /* [ */:
        this.open(Ctx.ARRAY);
        return JsonToken.START_ARRAY;
      case 34 /* " */:
        this.text = this.readString();
        if (this.stack.length === 1) this.done = true;
        return JsonToken.STRING;
      case 93 /* ] */:
      case 125 /* } */:
        if (this.stack.length > 1) this.checkCloseMarker(c);
        this.fail(`Unexpected character (${charDesc(c)}): expected a valid value ${VALUE_CHOICES}`);
        break;
      case 43 /* + */:
        this.fail("Unexpected character ('+' (code 43)) in numeric value: JSON spec does not allow numbers to have plus signs: enable `JsonReadFeature.ALLOW_LEADING_PLUS_SIGN_FOR_NUMBERS` to allow");
        break;
      default:
        break;
    }
    if (c === 45 /* - */ || (c >= 48 && c <= 57)) {
      this.text = this.readNumber();
      if (this.stack.length === 1) this.done = true;
      return JsonToken.NUMBER;
    }
    const literal = this.readLiteral();
    if (this.stack.length === 1) this.done = true;
    return literal;
  }

  private readLiteral(): JsonToken {
    const s = this.source;
    const start = this.pos;
    for (const [word, token] of [
      ['true', JsonToken.TRUE],
      ['false', JsonToken.FALSE],
      ['null', JsonToken.NULL],
    ] as const) {
      if (s.startsWith(word, start) && !isTokenChar(s.charCodeAt(start + word.length))) {
        this.pos = start + word.length;
        return token;
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

  private readNumber(): string {
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

  private readString(endOfInput = 'Unexpected end-of-input: was expecting closing quote for a string value'): string {
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
