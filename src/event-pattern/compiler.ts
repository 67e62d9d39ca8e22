/**
 * Reads an event pattern into the alternatives ("branches") EventBridge matches, validating it as
 * EventBridge does, with AWS's error texts.
 *
 * EventBridge compiles patterns with Event Ruler's `JsonRuleCompiler`; the validation messages AWS returns
 * are that compiler's (the AWS-recorded messages in test/fixtures/data/eventbridge-patterns prove it), so
 * this reader follows its structure: it reads the JSON as a stream and reports the first problem it meets.
 * - Keys nest into dot-joined paths; a repeated path keeps the last value; fields are ANDed.
 * - `$or` (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html#eb-filtering-complex-example-or)
 *   forks every branch built so far, once per alternative (at least two objects); more than
 *   MAX_ALTERNATIVES branches in all (limits.ts) is an EventPatternLimitError once the pattern is read.
 * - A field's array lists alternatives (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html):
 *   the operators that operators.ts reads.
 */
import { EventPatternLimitError, InvalidEventPatternError } from './errors';
import { JsonReader, JsonSyntaxError, JsonToken } from './json-reader';
import { formatCount, MAX_ALTERNATIVES } from './limits';
import { barf, OperatorReader } from './operators';
import type { Matcher, PatternBranch, PatternField } from './pattern-model';

/** Keys that cannot be field names inside `$or` (Event Ruler's reserved words). */
const RESERVED_IN_OR = new Set([
  'exactly', 'equals-ignore-case', 'prefix', 'suffix', 'anything-but', 'exists', 'wildcard', 'numeric', 'cidr',
  '=', '<', '<=', '>', '>=',
  'regex', 'not-wildcard', 'not-equals-ignore-case',
  'date-after', 'date-on-or-after', 'date-before', 'date-on-or-before', 'in-date-range',
  'ip-address-in-range', 'ip-address-not-in-range',
]);

type BranchBuilder = Map<string, PatternField>;

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
  private readonly operators: OperatorReader;
  /** The alternatives have gone past MAX_ALTERNATIVES: only validation goes on. */
  private tooManyAlternatives = false;

  constructor(private readonly r: JsonReader) {
    this.operators = new OperatorReader(r);
  }

  public compile(): PatternBranch[] {
    const branches: BranchBuilder[] = [];
    if (this.r.next() !== JsonToken.START_OBJECT) this.barf('Filter is not an object');
    this.parseObject(branches, [], false);
    if (this.tooManyAlternatives) {
      throw new EventPatternLimitError(`The pattern's $or combinations make more than ${formatCount(MAX_ALTERNATIVES)} alternatives, `
        + 'the most the offline matcher evaluates (each $or multiplies the alternatives built before it; EventBridge documents no limit '
        + 'of its own, and builds each alternative as well). Use fewer $or side by side, or split the rule.');
    }
    return branches;
  }

  private barf(reason: string): never {
    return barf(this.r, reason);
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
    // Each alternative forks the branches built so far (which are not changed, only copied).
    const before = branches.splice(0);
    if (r.next() !== JsonToken.START_ARRAY) this.barf('It must be an Array followed with $or.');
    let count = 0;
    for (let token = r.next(); token !== JsonToken.END_ARRAY; token = r.next()) {
      count++;
      if (token !== JsonToken.START_OBJECT) this.barf('Only JSON object is allowed in array of $or relationship.');
      if (branches.length + Math.max(before.length, 1) > MAX_ALTERNATIVES) this.tooManyAlternatives = true;
      const forked = this.tooManyAlternatives ? [new Map()] : before.length > 0 ? before.map((b) => new Map(b)) : [new Map()];
      this.parseObject(forked, path, true);
      if (!this.tooManyAlternatives) branches.push(...forked);
      if (branches.length > MAX_ALTERNATIVES) this.tooManyAlternatives = true;
    }
    if (count < 2) this.barf('There must have at least 2 Objects in $or relationship.');
    // Past the limit, one stand-in branch carries the reading on, so that a problem further on in the
    // pattern is still the one reported, as EventBridge would.
    if (this.tooManyAlternatives) branches.splice(0, branches.length, new Map());
  }

  private writeField(branches: BranchBuilder[], path: string): void {
    const r = this.r;
    const start = r.tokenStart;
    const matchers: Matcher[] = [];
    for (let token = r.next(); token !== JsonToken.END_ARRAY; token = r.next()) matchers.push(this.operators.element(token));
    if (matchers.length === 0) this.barf('Empty arrays are not allowed');
    const field: PatternField = { path, matchers, source: r.source.slice(start, r.tokenEnd) };
    if (branches.length === 0) branches.push(new Map());
    for (const branch of branches) branch.set(path, field);
  }
}
