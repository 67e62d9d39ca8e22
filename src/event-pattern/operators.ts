/**
 * The operators of an event pattern: each element of a field's array (a value, or a match expression such
 * as `{"prefix": "…"}`) read into a Matcher, validated as Event Ruler's `JsonRuleCompiler` validates it,
 * with its messages (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html).
 * The structure around them (objects, `$or`, fields) is compiler.ts's.
 */
import { InvalidEventPatternError } from './errors';
import { caseAlternatives } from './ignore-case';
import { InvalidCidrError, parseCidr, parseIp, ipHex } from './ip-address';
import { javaHashSetOrder } from './java-hash-set';
import { JsonReader, JsonToken } from './json-reader';
import { comparableNumber, notComparableMessage } from './numbers';
import { Matcher, PatternIdentities } from './pattern-model';
import { InvalidWildcardError, parseWildcard } from './wildcard';

const ONE_KEY = 'Only one key allowed in match expression';
const TOO_MANY = 'Too many elements in numeric expression';

type AnythingButKind = 'anything-but' | 'anything-but-ignore-case' | 'anything-but-prefix' | 'anything-but-suffix' | 'anything-but-wildcard';

/** Rejects the pattern with `reason`, at the reader's position (as Event Ruler's `barf` does). */
export function barf(r: JsonReader, reason: string): never {
  const { line, column } = r.location();
  throw new InvalidEventPatternError(reason, line, column);
}

/** Reads the operators of one pattern; its identities come from one pool, so equal patterns are one object. */
export class OperatorReader {
  private readonly ids = new PatternIdentities();

  constructor(private readonly r: JsonReader) {}

  /** The operator an element of a field's array stands for; `token` is the element's first token. */
  public element(token: JsonToken): Matcher {
    const r = this.r;
    switch (token) {
      case JsonToken.START_OBJECT:
        return this.matchExpression();
      case JsonToken.STRING: {
        // A string that is an IP address matches that address however it is written.
        const ip = parseIp(r.text);
        return ip ? this.addressEquals(ipHex(ip)) : this.equals(r.text);
      }
      case JsonToken.NUMBER: {
        const num = comparableNumber(r.text);
        const numeric = num === undefined ? undefined : this.ids.of('NUMERIC_EQ', num);
        const exact = this.ids.of('EXACT', r.text);
        return { kind: 'number-equals', text: r.text, num, numeric, exact, identities: numeric ? [numeric, exact] : [exact] };
      }
      case JsonToken.TRUE:
      case JsonToken.FALSE:
      case JsonToken.NULL: {
        const text = r.tokenText() as 'true' | 'false' | 'null';
        return { kind: 'literal', text, identities: [this.ids.of('EXACT', text)] };
      }
      default:
        return this.barf('Match value must be String, number, true, false, or null');
    }
  }

  private barf(reason: string): never {
    return barf(this.r, reason);
  }

  private expectEnd(reason: string): void {
    if (this.r.next() !== JsonToken.END_OBJECT) this.barf(reason);
  }

  private matchExpression(): Matcher {
    const r = this.r;
    if (r.next() !== JsonToken.FIELD_NAME) this.barf('Match expression name not found');
    const operator = r.text;
    switch (operator) {
      case 'exactly': {
        if (r.next() !== JsonToken.STRING) this.barf('exact match pattern must be a string');
        const m = this.equals(r.text);
        this.expectEnd(ONE_KEY);
        return m;
      }
      case 'prefix':
      case 'suffix': {
        const token = r.next();
        if (token === JsonToken.START_OBJECT) return this.ignoreCaseAffix(operator);
        if (token !== JsonToken.STRING) this.barf(`${operator} match pattern must be a string`);
        const m: Matcher = operator === 'prefix'
          ? { kind: 'prefix', wire: `"${r.text}`, identities: [this.ids.of('PREFIX', `"${r.text}`)] }
          : { kind: 'suffix', wire: `${r.text}"`, identities: [this.ids.of('SUFFIX', `${r.text}"`)] };
        this.expectEnd(ONE_KEY);
        return m;
      }
      case 'numeric': {
        if (r.next() !== JsonToken.START_ARRAY) this.barf('Value of numeric must be an array.');
        const m = this.numeric();
        if (r.next() !== JsonToken.END_OBJECT) this.barf(TOO_MANY);
        return m;
      }
      case 'anything-but':
        return this.anythingBut();
      case 'exists': {
        const token = r.next();
        if (token !== JsonToken.TRUE && token !== JsonToken.FALSE) this.barf('exists match pattern must be either true or false.');
        this.expectEnd(ONE_KEY);
        return token === JsonToken.TRUE ? { kind: 'exists', identities: [this.ids.of('EXISTS')] } : { kind: 'absent', identities: [this.ids.of('ABSENT')] };
      }
      case 'cidr': {
        // (sic: Event Ruler reuses the prefix message here)
        if (r.next() !== JsonToken.STRING) this.barf('prefix match pattern must be a string');
        let block;
        try {
          block = parseCidr(r.text);
        } catch (e) {
          // Event Ruler raises these outside the JSON reader, so AWS's message has no position.
          if (e instanceof InvalidCidrError) throw new InvalidEventPatternError(e.message);
          throw e;
        }
        this.expectEnd(ONE_KEY);
        return { kind: 'cidr', low: block.low, lowOpen: false, high: block.high, highOpen: false, identities: [this.ids.of('RANGE', block.low, false, block.high, false, true)] };
      }
      case 'equals-ignore-case': {
        if (r.next() !== JsonToken.STRING) this.barf('equals-ignore-case match pattern must be a string');
        const wire = `"${r.text}"`;
        this.expectEnd(ONE_KEY);
        return { kind: 'equals-ignore-case', wire: caseAlternatives(wire), identities: [this.ids.of('EQUALS_IGNORE_CASE', wire)] };
      }
      case 'wildcard': {
        if (r.next() !== JsonToken.STRING) this.barf('wildcard match pattern must be a string');
        const wire = `"${r.text}"`;
        const pattern = this.wildcard(wire);
        this.expectEnd(ONE_KEY);
        return { kind: 'wildcard', pattern, wire, identities: [this.ids.of('WILDCARD', wire)] };
      }
      default:
        return this.barf(`Unrecognized match type ${operator}`);
    }
  }

  private wildcard(wire: string) {
    try {
      return parseWildcard(wire);
    } catch (e) {
      if (e instanceof InvalidWildcardError) this.barf(e.message);
      throw e;
    }
  }

  /** `{"prefix": {"equals-ignore-case": "…"}}` and the suffix form. */
  private ignoreCaseAffix(operator: 'prefix' | 'suffix'): Matcher {
    const r = this.r;
    const capitalised = operator === 'prefix' ? 'Prefix' : 'Suffix';
    if (r.next() !== JsonToken.FIELD_NAME) this.barf(`${capitalised} expression name not found`);
    if (r.text !== 'equals-ignore-case') this.barf(`Unsupported ${operator} pattern: ${r.text}`);
    if (r.next() !== JsonToken.STRING) this.barf('equals-ignore-case match pattern must be a string');
    const text = r.text;
    this.expectEnd(ONE_KEY);
    this.expectEnd(ONE_KEY);
    return operator === 'prefix'
      ? { kind: 'prefix-ignore-case', wire: caseAlternatives(`"${text}`), identities: [this.ids.of('PREFIX_EQUALS_IGNORE_CASE', `"${text}`)] }
      : { kind: 'suffix-ignore-case', wire: caseAlternatives(`${text}"`), identities: [this.ids.of('SUFFIX_EQUALS_IGNORE_CASE', `${text}"`)] };
  }

  private anythingBut(): Matcher {
    const r = this.r;
    let kind: AnythingButKind = 'anything-but';
    let token = r.next();
    if (token === JsonToken.START_OBJECT) {
      if (r.next() !== JsonToken.FIELD_NAME) this.barf('Anything-But expression name not found');
      const sub = r.text;
      switch (sub) {
        case 'equals-ignore-case':
          kind = 'anything-but-ignore-case';
          break;
        case 'prefix':
          kind = 'anything-but-prefix';
          break;
        case 'suffix':
          kind = 'anything-but-suffix';
          break;
        case 'wildcard':
          kind = 'anything-but-wildcard';
          break;
        default:
          this.barf(`Unsupported anything-but pattern: ${sub}`);
      }
      token = r.next();
    }
    if (token !== JsonToken.START_ARRAY && token !== JsonToken.STRING && token !== JsonToken.NUMBER) {
      this.barf('Value of anything-but must be an array or single string/number value.');
    }
    const m = kind === 'anything-but' ? this.anythingButValues(token) : this.anythingButSet(kind, token);
    if (r.next() !== JsonToken.END_OBJECT) this.barf(TOO_MANY);
    if (kind !== 'anything-but' && r.next() !== JsonToken.END_OBJECT) this.barf(TOO_MANY);
    return m;
  }

  /** Plain `anything-but`: one string or number, or a list of only strings or only numbers. */
  private anythingButValues(first: JsonToken): Matcher {
    const r = this.r;
    const strings = new Set<string>();
    const numbers = new Set<number>();
    const comparable = (text: string): number => {
      const num = comparableNumber(text);
      return num ?? this.barf(notComparableMessage(text));
    };
    if (first === JsonToken.STRING) {
      strings.add(r.text);
    } else if (first === JsonToken.NUMBER) {
      const num = comparableNumber(r.text);
      // Raised outside the JSON reader in Event Ruler: no position.
      if (num === undefined) throw new InvalidEventPatternError(notComparableMessage(r.text));
      numbers.add(num);
    } else {
      for (let token = r.next(); token !== JsonToken.END_ARRAY; token = r.next()) {
        if (token === JsonToken.STRING) strings.add(r.text);
        else if (token === JsonToken.NUMBER) numbers.add(comparable(r.text));
        else this.barf('Inside anything but list, start|null|boolean is not supported.');
      }
      if ((strings.size > 0) === (numbers.size > 0)) {
        this.barf('Inside anything but list, either all values are number or string, mixed type is not supported');
      }
    }
    const numeric = numbers.size > 0;
    const identityValues = numeric ? [...numbers].map(String) : [...strings].map((s) => `"${s}"`);
    return { kind: 'anything-but', strings, numbers, numeric, identities: [this.ids.of('ANYTHING_BUT', numeric, ...identityValues.sort())] };
  }

  /** `anything-but` with `equals-ignore-case`, `prefix`, `suffix` or `wildcard`: one string or a list. */
  private anythingButSet(kind: Exclude<AnythingButKind, 'anything-but'>, first: JsonToken): Matcher {
    const r = this.r;
    const wires: string[] = [];
    const read = (token: JsonToken): void => {
      if (token !== JsonToken.STRING) {
        if (kind === 'anything-but-ignore-case') this.barf('Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.');
        if (kind === 'anything-but-wildcard') this.barf('wildcard match pattern must be a string');
        this.barf('prefix/suffix match pattern must be a string');
      }
      const text = r.text;
      if ((kind === 'anything-but-prefix' || kind === 'anything-but-suffix') && text === '') this.barf('Null prefix/suffix not allowed');
      wires.push(kind === 'anything-but-prefix' ? `"${text}` : kind === 'anything-but-suffix' ? `${text}"` : `"${text}"`);
    };
    if (first === JsonToken.START_ARRAY) {
      for (let token = r.next(); token !== JsonToken.END_ARRAY; token = r.next()) read(token);
    } else {
      read(first);
    }
    // Event Ruler accepts an empty list here and then fails building its state machine
    // (NullPointerException), so EventBridge cannot take such a rule: reject it like an empty field list.
    if (wires.length === 0) this.barf('Empty arrays are not allowed');
    // Event Ruler keeps the values in a HashSet: the set's order decides which bad wildcard it reports.
    const unique = javaHashSetOrder(wires);
    const identities = [this.ids.of(ANYTHING_BUT_TYPES[kind], ...[...unique].sort())];
    switch (kind) {
      case 'anything-but-ignore-case':
        return { kind, wires: unique.map(caseAlternatives), identities };
      case 'anything-but-prefix':
      case 'anything-but-suffix':
        return { kind, wires: unique, identities };
      case 'anything-but-wildcard':
        return { kind, patterns: unique.map((w) => this.wildcard(w)), wires: unique, identities };
    }
  }

  private numeric(): Matcher {
    const r = this.r;
    if (r.next() !== JsonToken.STRING) this.barf(`Invalid member in numeric match: ${r.tokenText()}`);
    const operator = r.text;
    const operand = r.next();
    const comparable = (text: string): number => comparableNumber(text) ?? this.barf(notComparableMessage(text));
    switch (operator) {
      case '=': {
        if (operand !== JsonToken.NUMBER) this.barf('Value of equals must be numeric');
        const text = r.text;
        if (r.next() !== JsonToken.END_ARRAY) this.barf(TOO_MANY);
        const num = comparable(text);
        return { kind: 'numeric-equals', num, identities: [this.ids.of('NUMERIC_EQ', num)] };
      }
      case '>=':
      case '>': {
        if (operand !== JsonToken.NUMBER) this.barf(`Value of ${operator} must be numeric`);
        const bottom = r.text;
        const next = r.next();
        if (next === JsonToken.END_ARRAY) return this.range(comparable(bottom), operator === '>', Number.MAX_VALUE, false);
        if (next !== JsonToken.STRING) this.barf(`Bad value in numeric range: ${r.tokenText()}`);
        const upper = r.text;
        if (upper !== '<' && upper !== '<=') this.barf(`Bad numeric range operator: ${upper}`);
        if (r.next() !== JsonToken.NUMBER) this.barf(`Value of ${upper} must be numeric`);
        const top = r.text;
        if (r.next() !== JsonToken.END_ARRAY) this.barf('Too many terms in numeric range expression');
        const low = comparable(bottom);
        const high = comparable(top);
        if (!(low < high)) this.barf('Bottom must be less than top');
        return this.range(low, operator === '>', high, upper === '<');
      }
      case '<=':
      case '<': {
        if (operand !== JsonToken.NUMBER) this.barf(`Value of ${operator} must be numeric`);
        const top = r.text;
        if (r.next() !== JsonToken.END_ARRAY) this.barf(TOO_MANY);
        return this.range(-Number.MAX_VALUE, false, comparable(top), operator === '<');
      }
      default:
        return this.barf(`Unrecognized numeric range operator: ${operator}`);
    }
  }

  private equals(value: string): Matcher {
    return { kind: 'equals', value, identities: [this.ids.of('EXACT', `"${value}"`)] };
  }

  /**
   * A string that is an IP address: the range Event Ruler matches it with, [address, next) with the last
   * hex digit stepped up, or (previous, address] when that digit is F.
   */
  private addressEquals(hex: string): Matcher {
    const head = hex.slice(0, -1);
    const last = hex[hex.length - 1];
    const range = last === 'F'
      ? { low: `${head}E`, lowOpen: true, high: hex, highOpen: false }
      : { low: hex, lowOpen: false, high: `${head}${last === '9' ? 'A' : String.fromCharCode(last.charCodeAt(0) + 1)}`, highOpen: true };
    return { kind: 'ip-equals', ...range, identities: [this.ids.of('RANGE', range.low, range.lowOpen, range.high, range.highOpen, true)] };
  }

  private range(low: number, lowOpen: boolean, high: number, highOpen: boolean): Matcher {
    return { kind: 'numeric-range', low, lowOpen, high, highOpen, identities: [this.ids.of('RANGE', low, lowOpen, high, highOpen, false)] };
  }
}

/** Event Ruler's match types of the `anything-but` forms that take a set of strings. */
const ANYTHING_BUT_TYPES = {
  'anything-but-ignore-case': 'ANYTHING_BUT_IGNORE_CASE',
  'anything-but-prefix': 'ANYTHING_BUT_PREFIX',
  'anything-but-suffix': 'ANYTHING_BUT_SUFFIX',
  'anything-but-wildcard': 'ANYTHING_BUT_WILDCARD',
} as const;
