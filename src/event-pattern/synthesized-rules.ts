/** Which rules of a synthesized app (src/cloud-assembly/rules.ts) an event would reach. */
import { InvalidEventPatternError } from './errors';
import { ParsedEvent } from './event-fields';
import { EventPattern } from './event-pattern';
import { ruleCarries, type StripePayloadStyle, type SynthesizedRule } from '../cloud-assembly/rules';

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

/**
 * Why a rule whose pattern matches would still not receive a Stripe event of the payload style `style` (undefined: not
 * known), or undefined when it would: a disabled rule, a bus that is not a Stripe partner bus, or a partner bus whose
 * destination sends the other payload style (a snapshot destination's bus never carries a thin event, nor the reverse).
 */
export function notReceivedBecause(v: RuleVerdict, style: StripePayloadStyle | undefined): string | undefined {
  if (!v.rule.enabled) return 'matches, but the rule is disabled';
  if (v.rule.stripeBus === false) return `matches, but the rule is on the ${v.rule.eventBus} bus, which does not receive Stripe's events`;
  if (!ruleCarries(v.rule, style)) {
    const carried = v.rule.payloads!.join(' and ');
    return `matches, but the rule is on a bus of ${carried} events; a ${style} event arrives on the bus of a destination whose payload is ${style}`;
  }
  return undefined;
}

/** Whether a rule receives the event: its pattern matches and nothing else keeps the event from it (notReceivedBecause). */
export function receives(v: RuleVerdict, style: StripePayloadStyle | undefined): boolean {
  return v.matches && notReceivedBecause(v, style) === undefined;
}
