/**
 * Reads an event pattern into the alternatives ("branches") EventBridge matches, validating it as
 * EventBridge does, with AWS's error texts.
 *
 * EventBridge compiles patterns with Event Ruler's `JsonRuleCompiler`; the validation messages AWS returns
 * are that compiler's (the AWS-recorded messages in test/fixtures/data/eventbridge-patterns prove it), so
 * this reader follows its structure: it reads the JSON as a stream and reports the first problem it meets.
 * - Keys nest into dot-joined paths; a repeated path keeps the last value; fields are ANDed.
 * - `$or` (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html#eb-filtering-complex-example-or)
 *   forks every branch built so far, once per alternative (at least two objects).
 * - A field's array lists alternatives (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html).
 */
import { InvalidEventPatternError } from './errors';
import { caseAlternatives } from './ignore-case';
import { InvalidCidrError, parseCidr, parseIp, ipHex } from './ip-address';
import { javaHashSetOrder } from './java-hash-set';
import { JsonReader, JsonSyntaxError, JsonToken } from './json-reader';
import { comparableNumber, notComparableMessage } from './numbers';
import { Matcher, PatternBranch, PatternField, PatternIdentities } from './pattern-model';
import { InvalidWildcardError, parseWildcard } from './wildcard';

/** Keys that cannot be field names inside `$or` (Event Ruler's reserved words). */
const RESERVED_IN_OR = new Set([
  'exactly', 'equals-ignore-case', 'prefix', 'suffix', 'anything-but', 'exists', 'wildcard', 'numeric', 'cidr',
  '=', '<', '<=', '>', '>=',
  'regex', 'not-wildcard', 'not-equals-ignore-case',
  'date-after', 'date-on-or-after', 'date-before', 'date-on-or-before', 'in-date-range',
  'ip-address-in-range', 'ip-address-not-in-range',
]);

const ONE_KEY = 'Only one key allowed in match expression';
const TOO_MANY = 'Too many elements in numeric expression';

type BranchBuilder = Map<string, PatternField>;
type AnythingButKind = 'anything-but' | 'anything-but-ignore-case' | 'anything-but-prefix' | 'anything-but-suffix' | 'anything-but-wildcard';

/** Compiles a pattern's JSON text; throws InvalidEventPatternError with AWS's reason. */
export function compileBranches(json: string): PatternBranch[] {
  const compiler = new Compiler(new JsonReader(json));
  try {
    return compiler.compile();
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw new InvalidEventPatternError(e.reason, e.line, e.column);
    throw e;
  }
}

class Compiler {
  private readonly ids = new PatternIdentities();

  constructor(private readonly r: JsonReader) {}

  public compile(): PatternBranch[] {
    const branches: BranchBuilder[] = [];
    if (this.r.next() !== JsonToken.START_OBJECT) this.barf('Filter is not an object');
    this.parseObject(branches, [], false);
    return branches;
  }

  private barf(reason: string): never {
    const { line, column } = this.r.location();
    throw new InvalidEventPatternError(reason, line, column);
  }

  private parseObject(branches: BranchBuilder[], path: string[], insideOr: boolean): void {
    const r = this.r;
    let fieldsPresent = false;
    while (r.next() !== JsonToken.END_OBJECT) {
      fieldsPresent = true;
      const step = r.text;
      if (step === '$or') {
        this.parseOr(branches, path);
        continue;
      }
      if (insideOr && RESERVED_IN_OR.has(step)) {
        this.barf(`${step} is Ruler reserved fieldName which cannot be used inside $or.`);
      }
      const token = r.next();
      if (token === JsonToken.START_OBJECT) {
        path.push(step);
        this.parseObject(branches, path, insideOr);
        path.pop();
      } else if (token === JsonToken.START_ARRAY) {
        this.writeField(branches, [...path, step].join('.'));
      } else {
        this.barf(`"${step}" must be an object or an array`);
      }
    }
    if (!fieldsPresent) this.barf('Empty objects are not allowed');
  }

  private parseOr(branches: BranchBuilder[], path: string[]): void {
    const r = this.r;
    const before = branches.map((b) => new Map(b));
    branches.length = 0;
    if (r.next() !== JsonToken.START_ARRAY) this.barf('It must be an Array followed with $or.');
    let count = 0;
    for (let token = r.next(); token !== JsonToken.END_ARRAY; token = r.next()) {
      count++;
      if (token !== JsonToken.START_OBJECT) this.barf('Only JSON object is allowed in array of $or relationship.');
      const forked = before.length > 0 ? before.map((b) => new Map(b)) : [new Map()];
      this.parseObject(forked, path, true);
      branches.push(...forked);
    }
    if (count < 2) this.barf('There must have at least 2 Objects in $or relationship.');
  }

  private writeField(branches: BranchBuilder[], path: string): void {
    const r = this.r;
    const start = r.tokenStart;
    const matchers: Matcher[] = [];
    for (let token = r.next(); token !== JsonToken.END_ARRAY; token = r.next()) {
      switch (token) {
        case JsonToken.START_OBJECT:
          matchers.push(this.matchExpression());
          break;
        case JsonToken.STRING: {
          // A string that is an IP address matches that address however it is written.
          const ip = parseIp(r.text);
          matchers.push(ip ? this.addressEquals(ipHex(ip)) : this.equals(r.text));
          break;
        }
        case JsonToken.NUMBER: {
          const num = comparableNumber(r.text);
          const numeric = num === undefined ? undefined : this.ids.of('NUMERIC_EQ', num);
          const exact = this.ids.of('EXACT', r.text);
          matchers.push({ kind: 'number-equals', text: r.text, num, numeric, exact, identities: numeric ? [numeric, exact] : [exact] });
          break;
        }
        case JsonToken.TRUE:
        case JsonToken.FALSE:
        case JsonToken.NULL: {
          const text = r.tokenText() as 'true' | 'false' | 'null';
          matchers.push({ kind: 'literal', text, identities: [this.ids.of('EXACT', text)] });
          break;
        }
        default:
          this.barf('Match value must be String, number, true, false, or null');
      }
    }
    if (matchers.length === 0) this.barf('Empty arrays are not allowed');
    const field: PatternField = { path, matchers, source: r.source.slice(start, r.tokenEnd) };
    if (branches.length === 0) branches.push(new Map());
    for (const branch of branches) branch.set(path, field);
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
