/**
 * An event as EventBridge matches it: its leaf values, each under the dot-joined path of its keys
 * (`{"detail": {"state.status": "x"}}` and `{"detail": {"state": {"status": "x"}}}` both have
 * `detail.state.status`; https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html),
 * with the array elements each value sits in, so that one pattern match cannot combine fields from
 * different elements of the same array (Event Ruler's array-consistent matching).
 */
import { InvalidEventError } from './errors';
import { ipValue } from './ip-address';
import { JsonNestingError, JsonReader, JsonSyntaxError, JsonToken, MAX_NESTING_DEPTH } from './json-reader';
import { comparableNumber } from './numbers';

export type EventValueKind = 'string' | 'number' | 'true' | 'false' | 'null';

export class EventValue {
  /** The value as Event Ruler sees it: strings with their JSON quotes, numbers and literals as written. */
  public readonly wire: string;
  /** For numbers that can be compared (see numbers.ts), their value. */
  public readonly num: number | undefined;
  private ipCache: string | null | undefined;

  constructor(
    public readonly kind: EventValueKind,
    /** A string's content, or the literal text of a number, `true`, `false` or `null`. */
    public readonly text: string,
    /** Pairs of (array id, element index) for every array element this value lies inside. */
    public readonly membership: readonly number[],
  ) {
    this.wire = kind === 'string' ? `"${text}"` : text;
    this.num = kind === 'number' ? comparableNumber(text) : undefined;
  }

  /** The address in hex if this is a string holding an IP address. */
  public get ip(): string | undefined {
    if (this.ipCache === undefined) this.ipCache = this.kind === 'string' ? (ipValue(this.text) ?? null) : null;
    return this.ipCache ?? undefined;
  }

  /** The value as JSON, for messages. */
  public toJson(): string {
    return this.kind === 'string' ? JSON.stringify(this.text) : this.text;
  }
}

/** An event read for matching; parse once to match it against many patterns. */
export class ParsedEvent {
  constructor(
    /** Leaf values by dot-joined path, in document order. */
    public readonly fields: ReadonlyMap<string, readonly EventValue[]>,
  ) {}
}

const NO_MEMBERSHIP: readonly number[] = [];

/** Reads an event (JSON text) into its leaf values. */
export function parseEvent(json: string): ParsedEvent {
  const reader = new JsonReader(json);
  const fields = new Map<string, EventValue[]>();
  let arrayCount = 0;
  let membership: readonly number[] = NO_MEMBERSHIP;

  const add = (path: string, token: JsonToken): void => {
    let kind: EventValueKind;
    switch (token) {
      case JsonToken.STRING:
        kind = 'string';
        break;
      case JsonToken.NUMBER:
        kind = 'number';
        break;
      case JsonToken.TRUE:
        kind = 'true';
        break;
      case JsonToken.FALSE:
        kind = 'false';
        break;
      default:
        kind = 'null';
    }
    const value = new EventValue(kind, kind === 'string' || kind === 'number' ? reader.text : kind, membership);
    const list = fields.get(path);
    if (list) list.push(value);
    else fields.set(path, [value]);
  };

  const readValue = (path: string, token: JsonToken): void => {
    if (token === JsonToken.START_OBJECT) readObject(path);
    else if (token === JsonToken.START_ARRAY) readArray(path);
    else add(path, token);
  };

  const readObject = (base: string): void => {
    while (reader.next() !== JsonToken.END_OBJECT) {
      const path = base === '' ? reader.text : `${base}.${reader.text}`;
      readValue(path, reader.next());
    }
  };

  const readArray = (path: string): void => {
    const arrayId = arrayCount++;
    let index = 0;
    for (let token = reader.next(); token !== JsonToken.END_ARRAY; token = reader.next(), index++) {
      if (token === JsonToken.START_OBJECT || token === JsonToken.START_ARRAY) {
        // Scalars directly in an array are not tied to an element; objects and arrays are.
        const outer = membership;
        membership = [...outer, arrayId, index];
        readValue(path, token);
        membership = outer;
      } else {
        add(path, token);
      }
    }
  };

  try {
    if (reader.next() !== JsonToken.START_OBJECT) throw new InvalidEventError('The event must be a JSON object.');
    readObject('');
  } catch (e) {
    if (e instanceof JsonNestingError) {
      // Event Ruler cannot read such an event at all (Jackson's limit), so EventBridge cannot match it.
      throw new InvalidEventError(`The event nests objects and arrays deeper than ${MAX_NESTING_DEPTH} levels, `
        + `the most EventBridge's matcher reads (line ${e.line}, column ${e.column}).`);
    }
    if (e instanceof JsonSyntaxError) throw new InvalidEventError(`${e.reason} (line ${e.line}, column ${e.column})`);
    throw e;
  }
  return new ParsedEvent(fields);
}

/**
 * Array consistency (Event Ruler's ArrayMembership): the combined membership if `value` can be matched
 * together with the values matched so far, or undefined if it lies in a different element of an array
 * one of them lies in.
 */
export function joinMembership(soFar: readonly number[], value: readonly number[]): readonly number[] | undefined {
  if (value.length === 0) return soFar;
  if (soFar.length === 0) return value;
  let joined: number[] | undefined;
  for (let i = 0; i < value.length; i += 2) {
    const arrayId = value[i];
    let found = false;
    for (let j = 0; j < soFar.length; j += 2) {
      if (soFar[j] === arrayId) {
        if (soFar[j + 1] !== value[i + 1]) return undefined;
        found = true;
        break;
      }
    }
    if (!found) {
      joined ??= [...soFar];
      joined.push(arrayId, value[i + 1]);
    }
  }
  return joined ?? soFar;
}
