/**
 * Matching an event against a compiled pattern, with EventBridge's semantics
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html):
 * - every field of one alternative (see `$or`) must match; a field matches if any of its listed
 *   operators matches any of the event's values at that path (an array in the event matches if any
 *   element does; https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html);
 * - operators apply to leaf values only: an object is not a value, so `exists: true` does not see it and
 *   `exists: false` is satisfied by it (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html#eb-filtering-exists-matching);
 * - fields matched together must not come from different elements of the same array (Event Ruler's
 *   array-consistent matching), including the check that an `exists: false` field is absent: it looks
 *   only at values consistent with the fields that sort before it.
 */
import { compileBranches } from './compiler';
import { TOO_COMPLEX, tooComplex } from './complexity';
import { EventPatternLimitError, InvalidEventPatternError } from './errors';
import { EventValue, joinMembership, parseEvent, ParsedEvent } from './event-fields';
import { toJsonText } from './json-text';
import { DEFAULT_PATTERN_SIZE_QUOTA, formatCount, MAX_PATTERN_LENGTH } from './limits';
import { matchValue } from './matchers';
import type { MachineFlags, Matcher, PatternBranch, PatternField } from './pattern-model';
import { buildRuleMachine, RuleMachine, RuleState } from './rule-machine';

/** The outcome of matching, with the reason when it does not match. */
export interface PatternMatch {
  readonly matches: boolean;
  /** Why the event does not match (first failing field of each alternative). */
  readonly reason?: string;
}

interface FieldPlan {
  readonly field: PatternField;
  readonly values: readonly Matcher[];
  readonly absent: boolean;
}

/** Anything that can be read as an event: JSON text, a parsed object, or an already parsed event. */
export type EventInput = string | object | ParsedEvent;

function toParsedEvent(event: EventInput): ParsedEvent {
  if (event instanceof ParsedEvent) return event;
  return parseEvent(typeof event === 'string' ? event : toJsonText(event));
}

/** A compiled event pattern. Compile once, match many events. */
export class EventPattern {
  /**
   * Compiles a pattern (JSON text or an object).
   * @throws InvalidEventPatternError when EventBridge would reject the pattern, with AWS's message; its
   *   subclass EventPatternLimitError, in the matcher's own words, when the pattern is longer than
   *   EventBridge's API takes or has more `$or` combinations than the matcher evaluates
   */
  public static compile(pattern: string | object): EventPattern {
    const json = typeof pattern === 'string' ? pattern : toJsonText(pattern);
    if (json.length > MAX_PATTERN_LENGTH) {
      throw new EventPatternLimitError(`The pattern is ${formatCount(json.length)} characters long; EventBridge takes event patterns of at most `
        + `${formatCount(MAX_PATTERN_LENGTH)} characters, and rules at most ${formatCount(DEFAULT_PATTERN_SIZE_QUOTA)} unless the account's `
        + '"Event pattern size" quota is raised.');
    }
    const branches = compileBranches(json);
    const machine = buildRuleMachine(branches);
    if (tooComplex(machine.root)) throw new InvalidEventPatternError(TOO_COMPLEX);
    return new EventPattern(json, branches, machine);
  }

  private readonly plans: readonly (readonly FieldPlan[])[];
  /** For messages only: how some machine of each field reads values. */
  private readonly flagsByPath = new Map<string, MachineFlags>();

  private constructor(
    /** The pattern's JSON text. */
    public readonly json: string,
    /** The alternatives the pattern matches (more than one when it uses `$or`). */
    public readonly branches: readonly PatternBranch[],
    private readonly machine: RuleMachine,
  ) {
    this.plans = branches.map((branch) =>
      [...branch.keys()].sort().map((key) => {
        const field = branch.get(key)!;
        return { field, values: field.matchers.filter((m) => m.kind !== 'absent'), absent: field.matchers.some((m) => m.kind === 'absent') };
      }),
    );
    const seen = new Set<RuleState>([machine.root]);
    const pending = [machine.root];
    const visit = (next: RuleState): void => {
      if (!seen.has(next)) {
        seen.add(next);
        pending.push(next);
      }
    };
    for (let state = pending.pop(); state; state = pending.pop()) {
      for (const [path, field] of state.machines) {
        const known = this.flagsByPath.get(path);
        this.flagsByPath.set(path, { numeric: field.numeric || !!known?.numeric, ip: field.ip || !!known?.ip });
        for (const nexts of field.nexts.values()) nexts.forEach(visit);
      }
      state.absentNext.forEach(visit);
    }
  }

  /** Whether the event matches. */
  public matches(event: EventInput): boolean {
    const parsed = toParsedEvent(event);
    return this.plans.some((plan, i) => walk(plan, this.machine.branchStates[i], 0, this.machine.root, [], parsed));
  }

  /** Whether the event matches, and if not, why. */
  public test(event: EventInput): PatternMatch {
    const parsed = toParsedEvent(event);
    if (this.matches(parsed)) return { matches: true };
    const reasons = this.plans.map((plan) => this.explain(plan, parsed));
    if (reasons.length === 1) return { matches: false, reason: reasons[0] };
    return { matches: false, reason: `no $or alternative matches: ${reasons.map((r, i) => `(${i + 1}) ${r}`).join('; ')}` };
  }

  /** The first field (in EventBridge's order) that fails on its own, or the array-consistency explanation. */
  private explain(plan: readonly FieldPlan[], event: ParsedEvent): string {
    for (const { field, values: matchers, absent } of plan) {
      const values = event.fields.get(field.path) ?? [];
      const flags = this.flagsByPath.get(field.path) ?? { numeric: false, ip: false };
      if (absent && values.length === 0) continue;
      if (values.some((v) => matchers.some((m) => matchValue(m, v, flags) !== undefined))) continue;
      if (values.length === 0) return `${field.path} is not in the event (pattern: ${field.source})`;
      if (matchers.length === 0) return `${field.path} is ${describe(values)} but the pattern requires it to be absent`;
      return `${field.path} is ${describe(values)}, which does not match ${field.source}`;
    }
    return 'each field matches on its own, but not within one element of an array (EventBridge matches the fields of one array element together)';
  }
}

/**
 * Depth-first over the pattern's fields in key order, through the rule's states as Event Ruler walks
 * them (staying in states that hold this alternative), carrying the array elements the matched values
 * lie in. It recurses once per field: a pattern of at most MAX_PATTERN_LENGTH characters has fewer than
 * a thousand.
 */
function walk(
  plan: readonly FieldPlan[],
  states: readonly (readonly RuleState[])[],
  index: number,
  state: RuleState,
  membership: readonly number[],
  event: ParsedEvent,
): boolean {
  if (index === plan.length) return true;
  const { field, values: matchers, absent } = plan[index];
  const values = event.fields.get(field.path);
  const ahead = states[index + 1];
  if (absent && !(values ?? []).some((v) => joinMembership(membership, v.membership) !== undefined)) {
    const next = state.absentNext.get(field.path)!;
    if (ahead.includes(next) && walk(plan, states, index + 1, next, membership, event)) return true;
  }
  if (values && matchers.length > 0) {
    const machine = state.machines.get(field.path)!;
    for (const value of values) {
      const joined = joinMembership(membership, value.membership);
      if (joined === undefined) continue;
      for (const m of matchers) {
        const identity = matchValue(m, value, machine);
        if (identity === undefined) continue;
        for (const next of machine.nexts.get(identity)!) {
          if (ahead.includes(next) && walk(plan, states, index + 1, next, joined, event)) return true;
        }
      }
    }
  }
  return false;
}

function describe(values: readonly EventValue[]): string {
  return values.length === 1 ? values[0].toJson() : `[${values.map((v) => v.toJson()).join(', ')}]`;
}

/** Matches one event against one pattern. @throws InvalidEventPatternError for an invalid pattern */
export function matchesPattern(pattern: string | object, event: EventInput): PatternMatch {
  return EventPattern.compile(pattern).test(event);
}

/** AWS's error message if EventBridge would reject the pattern, otherwise undefined. */
export function validateEventPattern(pattern: string | object): string | undefined {
  try {
    EventPattern.compile(pattern);
    return undefined;
  } catch (e) {
    if (e instanceof InvalidEventPatternError) return e.message;
    throw e;
  }
}
