/** Which rules of a synthesized app (src/cloud-assembly/rules.ts) an event would reach. */
import { InvalidEventPatternError } from './errors';
import { ParsedEvent } from './event-fields';
import { EventPattern } from './event-pattern';
import type { SynthesizedRule } from '../cloud-assembly/rules';

export interface RuleVerdict {
  readonly rule: SynthesizedRule;
  readonly matches: boolean;
  /** Why it does not match, or why the rule's pattern is invalid. */
  readonly reason?: string;
  readonly invalid?: boolean;
}

/** Matches the event against every rule. */
export function judgeRules(rules: readonly SynthesizedRule[], event: ParsedEvent): RuleVerdict[] {
  return rules.map((rule) => {
    try {
      const result = EventPattern.compile(rule.pattern as string | object).test(event);
      return { rule, matches: result.matches, reason: result.reason };
    } catch (e) {
      if (e instanceof InvalidEventPatternError) return { rule, matches: false, invalid: true, reason: e.message };
      throw e;
    }
  });
}
