/**
 * A streaming (pull) JSON reader with the behaviour of the parser EventBridge matches with: Jackson's
 * `JsonParser`, as used by Event Ruler's `JsonRuleCompiler` (patterns) and `Event` (events).
 *
 * Streaming matters for exactness, not speed: Event Ruler reports the first problem it meets while reading
 * a pattern, so a semantic error before a syntax error wins; duplicate keys are not an error (a later leaf
 * overrides an earlier one, a repeated object key merges); reading stops at the end of the top-level
 * object; and objects and arrays nest at most 1,000 deep (Jackson's default limit). Syntax errors use
 * Jackson's wording, which is what AWS returns
 * (`Unrecognized token 'x': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')`).
 * Strings, numbers and literals are scanned by json-scanner.ts; this module reads the structure around them.
 */
import { charDesc, JsonNestingError, JsonScanner, JsonSyntaxError, MAX_NESTING_DEPTH, VALUE_CHOICES } from './json-scanner';

export { JsonNestingError, JsonSyntaxError, MAX_NESTING_DEPTH } from './json-scanner';

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

export class JsonReader {
  /** Text of the current STRING / FIELD_NAME token (unescaped), or the literal text of a NUMBER. */
  public text = '';
  /** Offset of the first character of the current token. */
  public tokenStart = 0;
  /** Offset just after the current token. */
  public tokenEnd = 0;

  private readonly scan: JsonScanner;
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

  constructor(public readonly source: string) {
    this.scan = new JsonScanner(source);
  }

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
    return this.scan.location(offset);
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

  private fail(reason: string, offset?: number): never {
    return this.scan.fail(reason, offset);
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
    this.fail(`Unexpected end-of-input: expected close marker for ${this.typeDesc(ctx)} (start marker at ${this.scan.sourceAt(start)})`, this.source.length);
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
      this.fail(`Unexpected close marker '${String.fromCharCode(c)}': expected '${expected}' (for ${this.typeDesc(ctx)} starting at ${this.scan.sourceAt(start)})`);
    }
  }

  private read(): JsonToken {
    if (this.done) return JsonToken.EOF;
    const ctx = this.frame.ctx;
    let c = this.scan.skipWhitespace();

    if (ctx !== Ctx.ROOT && !this.expectValue) {
      const close = ctx === Ctx.OBJECT ? 125 : 93;
      if (!this.pendingComma) {
        if (c === close) return this.close(ctx);
        if (c === -1) this.eofExpectingClose();
        this.checkCloseMarker(c);
        if (this.hasElement) {
          if (c !== 44 /* , */) {
            this.fail(`Unexpected character (${charDesc(this.scan.codePointAt(this.scan.pos))}): was expecting comma to separate ${this.typeDesc(ctx)} entries`);
          }
          this.scan.pos++;
          this.pendingComma = true;
          c = this.scan.skipWhitespace();
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
    this.tokenStart = this.scan.pos;
    const token = this.readValue(c);
    this.tokenEnd = this.scan.pos;
    return token;
  }

  private readFieldName(c: number): JsonToken {
    if (c !== 34 /* " */) {
      this.fail(`Unexpected character (${charDesc(this.scan.codePointAt(this.scan.pos))}): was expecting double-quote to start field name`);
    }
    this.tokenStart = this.scan.pos;
    this.text = this.scan.string('Unexpected end-of-input in field name');
    c = this.scan.skipWhitespace();
    if (c === -1) this.eofWithinEntries();
    if (c !== 58 /* : */) {
      this.fail(`Unexpected character (${charDesc(this.scan.codePointAt(this.scan.pos))}): was expecting a colon to separate field name and value`);
    }
    this.scan.pos++;
    this.tokenEnd = this.scan.pos;
    this.pendingComma = false;
    this.hasElement = true;
    this.expectValue = true;
    return JsonToken.FIELD_NAME;
  }

  private close(ctx: Ctx): JsonToken {
    this.tokenStart = this.scan.pos;
    this.scan.pos++;
    this.tokenEnd = this.scan.pos;
    this.stack.pop();
    this.hasElement = this.hasElementStack.pop() ?? false;
    this.expectValue = false;
    if (this.stack.length === 1) this.done = true;
    return ctx === Ctx.OBJECT ? JsonToken.END_OBJECT : JsonToken.END_ARRAY;
  }

  private open(ctx: Ctx): void {
    // The stack holds the root and every open container: this one would be one level too many.
    if (this.stack.length > MAX_NESTING_DEPTH) {
      const { line, column } = this.scan.location(this.scan.pos);
      throw new JsonNestingError(line, column);
    }
    this.stack.push({ ctx, start: this.scan.pos });
    this.scan.pos++;
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
        this.text = this.scan.string();
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
      this.text = this.scan.number();
      if (this.stack.length === 1) this.done = true;
      return JsonToken.NUMBER;
    }
    const literal = this.scan.literal();
    if (this.stack.length === 1) this.done = true;
    return literal === 'true' ? JsonToken.TRUE : literal === 'false' ? JsonToken.FALSE : JsonToken.NULL;
  }
}

/**
 * Where `text` goes on after its one JSON value (Jackson, and so EventBridge, stops reading at the end of
 * the value and never sees it), or undefined if only whitespace follows, or if the text is not JSON up to
 * the end of its value (which reading it reports).
 */
export function textAfterValue(text: string): { offset: number; line: number; column: number } | undefined {
  const reader = new JsonReader(text);
  let end = 0;
  try {
    while (reader.next() !== JsonToken.EOF) end = reader.tokenEnd;
  } catch (e) {
    if (e instanceof JsonSyntaxError) return undefined;
    throw e;
  }
  const offset = text.slice(end).search(/[^ \t\r\n]/);
  return offset === -1 ? undefined : { offset: end + offset, ...reader.location(end + offset) };
}
