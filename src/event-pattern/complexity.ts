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
 * cross-check against Event Ruler itself (test/event-pattern/event-ruler.integration.test.ts) keeps them in step.
 */
import type { RuleState } from './rule-machine';

export const MAX_WILDCARD_COMPLEXITY = 10;
export const TOO_COMPLEX = 'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character';

/** Whether any byte machine of the rule is more complex than EventBridge allows. */
export function tooComplex(root: RuleState): boolean {
  const seen = new Set<RuleState>([root]);
  const pending = [root];
  // Machines laid out alike (one field's values, repeated by `$or` alternatives) are measured once.
  const measured = new Set<string>();
  for (let state = pending.pop(); state; state = pending.pop()) {
    for (const machine of state.machines.values()) {
      const layout = machine.wildcards?.layout;
      if (layout !== undefined && !measured.has(layout)) {
        if (machine.wildcards!.reaches(MAX_WILDCARD_COMPLEXITY + 1)) return true;
        measured.add(layout);
      }
      // Event Ruler (before 2.1) does not evaluate what lies only behind an `exists: false` field.
      for (const nexts of machine.nexts.values()) {
        for (const next of nexts) {
          if (!seen.has(next)) {
            seen.add(next);
            pending.push(next);
          }
        }
      }
    }
  }
  return false;
}
