/**
 * EventBridge rejects a pattern whose wildcards make matching too expensive: "Rule is too complex - try
 * using fewer wildcard characters or fewer repeating character sequences after a wildcard character"
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html#eb-filtering-wildcard-matching-complexity).
 *
 * AWS measures this with Event Ruler's `MachineComplexityEvaluator`: for each field's byte machine, the
 * most wildcard operators that one input value can keep "in progress" at once. The limit is not
 * published; the AWS-validated cases bound it (`/Users/*\/dir/dir/dir/dir/dir/doc.txt`, complexity 7, is
 * accepted; `*:*:*:*:*:event-bus/*`, complexity 11, is rejected) and EventBridge rejects above 10.
 * The measure depends on how Event Ruler lays out states, which wildcard-machine.ts reproduces; the
 * cross-check against Event Ruler itself (test/event-pattern/event-ruler.test.ts) keeps them in step.
 */
import type { RuleState } from './rule-machine';

export const MAX_WILDCARD_COMPLEXITY = 10;
export const TOO_COMPLEX = 'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character';

/** The highest complexity of any byte machine of the rule, capped just above the limit. */
export function wildcardComplexity(root: RuleState): number {
  let max = 0;
  const seen = new Set<RuleState>();
  const visit = (state: RuleState): void => {
    if (seen.has(state) || max > MAX_WILDCARD_COMPLEXITY) return;
    seen.add(state);
    for (const machine of state.machines.values()) {
      if (machine.wildcards) max = Math.max(max, machine.wildcards.complexity(MAX_WILDCARD_COMPLEXITY + 1));
      // Event Ruler (before 2.1) does not evaluate what lies only behind an `exists: false` field.
      for (const nexts of machine.nexts.values()) nexts.forEach(visit);
    }
  };
  visit(root);
  return max;
}
