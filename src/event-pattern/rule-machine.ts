/**
 * The shape of Event Ruler's state machine for one rule, which EventBridge's answers depend on in two
 * places:
 * - fields are matched in key order through a chain of states; alternatives (`$or` branches) that share a
 *   field and operator share the state after it, so later fields of those branches share one byte
 *   machine, and that machine's mix of operators decides how a value is read: as a number when it holds
 *   a numeric operator, as an IP address when it holds an address operator (see matchers.ts);
 * - the wildcard complexity limit is measured per byte machine (complexity.ts).
 */
import type { MachineFlags, Matcher, PatternBranch, PatternField, PatternIdentity } from './pattern-model';
import { wildcardChars, WildcardMachine } from './wildcard-machine';

/** One field's byte machine in one state (Event Ruler's ByteMachine). */
export class FieldMachine implements MachineFlags {
  public numeric = false;
  public ip = false;
  /** For each pattern, the field states its matches lead to. */
  public readonly nexts = new Map<PatternIdentity, RuleState[]>();
  /** The wildcard values laid out in this machine, when it has any. */
  public wildcards?: WildcardMachine<RuleState>;
  private suffix = false;

  /** Adds an operator; returns the state it leads to (Event Ruler's ByteMachine.addPattern). */
  public add(m: Matcher, identity: PatternIdentity, next: RuleState | undefined): RuleState {
    if (m.kind === 'cidr' || m.kind === 'ip-equals') this.ip = true;
    if (identity.type === 'NUMERIC_EQ' || m.kind === 'numeric-range' || (m.kind === 'anything-but' && m.numeric)) this.numeric = true;
    if (m.kind === 'suffix' || m.kind === 'suffix-ignore-case' || m.kind === 'anything-but-suffix') this.suffix = true;
    let result: RuleState;
    if (m.kind === 'wildcard' || m.kind === 'anything-but-wildcard') {
      this.wildcards ??= new WildcardMachine<RuleState>();
      // Every value of the operator leads where the first one does.
      let to = next;
      for (const wire of m.kind === 'wildcard' ? [m.wire] : m.wires) {
        to = this.wildcards.add(wildcardChars(wire), identity, to, () => new RuleState(), this.suffix);
      }
      result = to!;
    } else {
      result = this.nexts.get(identity)?.[0] ?? next ?? new RuleState();
    }
    const list = this.nexts.get(identity) ?? [];
    if (!list.includes(result)) this.nexts.set(identity, [...list, result]);
    return result;
  }
}

export class RuleState {
  /** Byte machines by field path (value operators). */
  public readonly machines = new Map<string, FieldMachine>();
  /** The state after an `exists: false` field, by field path. */
  public readonly absentNext = new Map<string, RuleState>();
}

/** The rule's states, and for each alternative the states each of its fields is in (by position). */
export interface RuleMachine {
  readonly root: RuleState;
  /** Per branch: for field i (in key order), the states holding it; entry `fields.length` holds the ends. */
  readonly branchStates: readonly (readonly (readonly RuleState[])[])[];
}

/** Adds `item` to a short list that holds each item once. */
function addOnce<T>(list: T[], item: T): void {
  if (!list.includes(item)) list.push(item);
}

/**
 * Builds the rule's states from its branches, in order, the way Event Ruler's addRule lays them out: field
 * by field in key order, each field from every state the previous one led to (depth first, as Event
 * Ruler recurses; here with a stack of its own, so the number of fields does not matter to the call stack).
 */
export function buildRuleMachine(branches: readonly PatternBranch[]): RuleMachine {
  const root = new RuleState();
  const branchStates = branches.map((branch) => {
    const fields: PatternField[] = [...branch.keys()].sort().map((k) => branch.get(k)!);
    const states: RuleState[][] = fields.map(() => []);
    states.push([]);
    const pending: [RuleState, number][] = [[root, 0]];
    for (let item = pending.pop(); item; item = pending.pop()) {
      const [state, index] = item;
      const field = fields[index];
      addOnce(states[index], state);
      let machine = state.machines.get(field.path);
      if (!machine && field.matchers.some((m) => m.kind !== 'absent')) {
        machine = new FieldMachine();
        state.machines.set(field.path, machine);
      }
      // Operators listed together lead to one next state, unless one already leads somewhere.
      let last: RuleState | undefined;
      const nexts: RuleState[] = [];
      for (const m of field.matchers) {
        for (const identity of m.identities) {
          if (m.kind === 'absent') {
            last = state.absentNext.get(field.path) ?? last ?? new RuleState();
            state.absentNext.set(field.path, last);
          } else {
            last = machine!.add(m, identity, last);
          }
          addOnce(nexts, last);
        }
      }
      if (index + 1 < fields.length) {
        // Reversed onto the stack, so that the first next state is built from first.
        for (let i = nexts.length - 1; i >= 0; i--) pending.push([nexts[i], index + 1]);
      } else {
        for (const next of nexts) addOnce(states[index + 1], next);
      }
    }
    return states;
  });
  return { root, branchStates };
}
