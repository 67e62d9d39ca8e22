/**
 * The part of Event Ruler's byte machine (`ByteMachine`) that wildcard values occupy, laid out the way
 * Event Ruler lays it out. Two things EventBridge answers depend on this layout:
 * - the wildcard complexity limit (complexity.ts) is measured on it;
 * - whether a wildcard operator that another `$or` alternative already added is found again, or laid out
 *   a second time (Event Ruler does not share a state after a wildcard when the next character has an
 *   upper and a lower case), which decides which field states later fields share (rule-machine.ts).
 *
 * Only wildcard values are laid out: other operators never add to the measure, and the states they share
 * with wildcard values are ones whose prefix is fixed, so leaving them out changes neither answer.
 */
import type { PatternIdentity } from './pattern-model';
import { parseWildcard } from './wildcard';

/** A wildcard in a value's characters (the others are UTF-8 bytes). */
const WILDCARD = -1;

/** Shared by the states that have no transitions of a kind (most have none on all bytes), until they do. */
const NO_BYTES: ReadonlyMap<number, Set<Single>> = new Map();
const NO_SINGLES: ReadonlySet<Single> = new Set();

class ByteNode {
  /** Transitions on one byte (the all-bytes transitions apply too, see `on`). */
  public bytes = NO_BYTES;
  /** Transitions on every byte: how a wildcard is laid out. */
  public all = NO_SINGLES;
  constructor(public indeterminate: boolean, public readonly id: number) {}

  /** The transitions on `ch`, created empty if there are none. */
  public bytesOn(ch: number): Set<Single> {
    if (this.bytes === NO_BYTES) this.bytes = new Map();
    let set = this.bytes.get(ch);
    if (!set) (this.bytes as Map<number, Set<Single>>).set(ch, (set = new Set()));
    return set;
  }

  public addAll(single: Single): void {
    if (this.all === NO_SINGLES) this.all = new Set();
    (this.all as Set<Single>).add(single);
  }
}

/**
 * A match of one operator (Event Ruler's ByteMatch). Matches compare equal when their operator and next
 * field state are, so there is one node per such pair.
 */
class MatchNode<T> {
  constructor(public readonly identity: PatternIdentity, public readonly next: T, public readonly id: number) {}
}

/** A transition that is both a match and a way on (Event Ruler's CompositeByteTransition). */
class CompositeNode<T> {
  constructor(public readonly state: ByteNode, public readonly match: MatchNode<T>, public readonly id: number) {}
}

type Single = ByteNode | MatchNode<unknown> | CompositeNode<unknown>;

function nextOf(single: Single): ByteNode | undefined {
  if (single instanceof ByteNode) return single;
  if (single instanceof CompositeNode) return single.state;
  return undefined;
}

function matchOf(single: Single): MatchNode<unknown> | undefined {
  if (single instanceof MatchNode) return single;
  if (single instanceof CompositeNode) return single.match;
  return undefined;
}

const charsOfWire = new Map<string, readonly number[]>();

/** A wildcard value (with its JSON quotes) as Event Ruler's input characters. */
export function wildcardChars(wire: string): readonly number[] {
  let out = charsOfWire.get(wire);
  if (!out) {
    const chars: number[] = [];
    parseWildcard(wire).pieces.forEach((piece, index) => {
      if (index > 0) chars.push(WILDCARD);
      for (const b of Buffer.from(piece, 'utf8')) chars.push(b);
    });
    // The last few values are kept: alternatives of one rule repeat them.
    if (charsOfWire.size >= 64) charsOfWire.delete(charsOfWire.keys().next().value!);
    charsOfWire.set(wire, (out = chars));
  }
  return out;
}

export class WildcardMachine<T> {
  private ids = 0;
  private readonly start = this.node(false);
  private readonly matchNodes = new Map<PatternIdentity, Map<T, MatchNode<T>>>();
  /** What `add` was given, for `layout`; patterns and next states by the order they first came. */
  private readonly steps: string[] = [];
  private readonly identities: PatternIdentity[] = [];
  private readonly nexts: T[] = [];

  private node(indeterminate: boolean): ByteNode {
    return new ByteNode(indeterminate, this.ids++);
  }

  private matchNode(identity: PatternIdentity, next: T): MatchNode<T> {
    let byNext = this.matchNodes.get(identity);
    if (!byNext) this.matchNodes.set(identity, (byNext = new Map()));
    let node = byNext.get(next);
    if (!node) byNext.set(next, (node = new MatchNode(identity, next, this.ids++)));
    return node;
  }

  private on(state: ByteNode, ch: number): ReadonlySet<Single> {
    if (ch === WILDCARD) return state.all;
    const specific = state.bytes.get(ch);
    if (!specific) return state.all;
    return state.all.size === 0 ? specific : new Set([...specific, ...state.all]);
  }

  private addTransition(state: ByteNode, ch: number, single: Single): void {
    state.bytesOn(ch).add(single);
  }

  /**
   * Adds one value of operator `identity`. Returns the next field state: the one of a match of the same
   * operator found where the value ends, or else `next` (when given) or a new one from `make`.
   */
  public add(chars: readonly number[], identity: PatternIdentity, next: T | undefined, make: () => T, hasSuffix: boolean): T {
    const nextKey = next === undefined ? -1 : this.numberOf(this.nexts, next);
    this.steps.push(`${chars.join(',')}/${this.numberOf(this.identities, identity)}/${nextKey}/${hasSuffix ? 1 : 0}`);
    const result = this.lay(chars, identity, next, make, hasSuffix);
    this.numberOf(this.nexts, result);
    return result;
  }

  /**
   * A key equal for machines laid out by the same adds: the same values, in the same order, with the same
   * patterns and next states equal to each other (not the states themselves). Such machines have one shape,
   * and one complexity: `$or` alternatives can repeat a machine in many states.
   */
  public get layout(): string {
    return this.steps.join(';');
  }

  /** The position of `key` in `list`, added at the end if it is not there (the lists stay short). */
  private numberOf<K>(list: K[], key: K): number {
    const n = list.indexOf(key);
    return n === -1 ? list.push(key) - 1 : n;
  }

  private lay(chars: readonly number[], identity: PatternIdentity, next: T | undefined, make: () => T, hasSuffix: boolean): T {
    const last = chars.length - 1;
    let state = this.start;
    let prev: ByteNode | undefined;
    let i = 0;
    // Follow the states an earlier value already laid out, as long as they can be shared.
    for (; i < last; i++) {
      const trans = this.on(state, chars[i]);
      if (trans.size === 0) break;
      let reuse: ByteNode | undefined;
      for (const single of trans) {
        const n = nextOf(single);
        if (n && n !== state && (!n.indeterminate || !this.converges(state, chars, i, hasSuffix))) {
          reuse = n;
          break;
        }
      }
      if (!reuse) break;
      prev = state;
      state = reuse;
    }
    // Walk on through states with a fixed prefix, turning a bare match into a match-and-continue if needed.
    let j = i;
    for (; j < last; j++) {
      const trans = this.on(state, chars[j]);
      if (trans.size === 0) break;
      const n = firstNext(trans);
      if (n) {
        if (n.indeterminate) break;
        prev = state;
        state = n;
      } else {
        const made = this.node(state.indeterminate);
        const bare = [...trans].find((t) => t instanceof MatchNode) as MatchNode<T>;
        const set = state.bytes.get(chars[j])!;
        set.delete(bare);
        set.add(new CompositeNode(made, bare, this.ids++));
        prev = state;
        state = made;
      }
    }
    // Lay out the rest.
    for (; j < last; j++) {
      const ch = chars[j];
      const existing = firstNext(this.on(state, ch));
      let n: ByteNode;
      if (existing && !existing.indeterminate) {
        n = existing;
      } else {
        n = this.node(state.indeterminate);
        if (ch === WILDCARD) {
          n.addAll(n);
          n.indeterminate = true;
          state.addAll(n);
        } else {
          this.addTransition(state, ch, n);
          // After a wildcard, the next byte may also follow directly (the wildcard matched nothing).
          if (prev && chars[j - 1] === WILDCARD) this.addTransition(prev, ch, n);
        }
      }
      prev = state;
      state = n;
    }
    const end = chars[last];
    for (const single of this.on(state, end)) {
      const found = matchOf(single);
      if (found?.identity === identity) return found.next as T;
    }
    const match = this.matchNode(identity, next ?? make());
    this.addTransition(state, end, match);
    if (prev && chars[last - 1] === WILDCARD) this.addTransition(prev, end, match);
    return match.next;
  }

  /** Event Ruler's test for when sharing a state after a wildcard would create unintended matches. */
  private converges(state: ByteNode, chars: readonly number[], i: number, hasSuffix: boolean): boolean {
    const b = chars[i];
    if (b === WILDCARD) return false;
    const continuation = (x: number): boolean => x >= 0x80 && x <= 0xbf;
    const suffixCase = hasSuffix && continuation(b) && !(i > 0 && continuation(chars[i - 1]));
    if (continuation(b) && !suffixCase) return false;
    if (state.all.size > 0 && !(state.all.size === 1 && state.all.has(state))) return true;
    const char = decodeChar(chars, i, suffixCase);
    return char.length === 1 && char.toLowerCase() !== char.toUpperCase();
  }

  /**
   * Whether the machine's complexity (below) is `limit` or more. A machine too small for that is not
   * measured: the sum for one set of transitions counts each transition at most once, plus the transitions
   * on all bytes of the states they lead to; `add` leads at most two transitions to a state (the state
   * itself, and a match that goes on to it) and puts a transition on all bytes on at most two states (the
   * one before a wildcard, and the wildcard's own state), so the sum has at most 5 terms per node of the
   * machine, each at most the number of distinct patterns.
   */
  public reaches(limit: number): boolean {
    if (5 * this.ids * this.matchNodes.size < limit) return false;
    return this.complexity(limit) >= limit;
  }

  /**
   * Event Ruler's MachineComplexityEvaluator on this machine: over every input, the most wildcard
   * operators reachable from the states the input could be in at once, or `cap` if that is `cap` or more.
   *
   * The evaluator's two steps, each done in time linear in the machine's size (times `cap`):
   * - for every transition, the patterns reachable from it (`getMatchesAccessibleFromEachTransition`, a
   *   depth-first walk that sums up each transition's patterns after those of the transitions below it);
   *   only whether a count reaches `cap` matters, so a set stops growing there;
   * - a breadth-first walk over the sets of transitions one input can be in at once, summing their
   *   patterns, which stops at the first set that reaches `cap`. Every transition leads to at least one
   *   pattern, so the sets it visits hold fewer than `cap` transitions each.
   * Neither step recurses, so the length of a value does not matter to the call stack.
   */
  public complexity(cap: number): number {
    const accessible = this.patternsAccessible(cap);
    const sizeOf = (single: Single): number => accessible.get(single)!.size;
    // The sets met so far, by a hash of their (sorted) ids: comparing small arrays beats building keys.
    const seen = new Map<number, Single[][]>();
    const queue: Single[][] = [];
    const enqueue = (set: Single[]): void => {
      if (set.length > 1) set.sort(byId);
      let hash = set.length;
      for (const t of set) hash = (Math.imul(hash, 31) + t.id) % 0x7fffffff;
      const bucket = seen.get(hash);
      if (!bucket) {
        seen.set(hash, [set]);
      } else if (bucket.some((other) => other.length === set.length && other.every((t, i) => t === set[i]))) {
        return;
      } else {
        bucket.push(set);
      }
      queue.push(set);
    };
    this.step([this.start], enqueue);
    let max = 0;
    for (let head = 0; head < queue.length; head++) {
      const set = queue[head];
      // What the input could match from here, plus what it could match through the wildcards of the states
      // it could be in (an input matching foo also matches foo*).
      let size = 0;
      const nexts: ByteNode[] = [];
      for (const t of set) {
        size += sizeOf(t);
        const n = nextOf(t);
        if (!n) continue;
        nexts.push(n);
        for (const u of n.all) if (!set.includes(u)) size += sizeOf(u);
      }
      if (size >= cap) return cap;
      max = Math.max(max, size);
      if (nexts.length > 0) this.step(nexts, enqueue);
    }
    return max;
  }

  /**
   * For every transition reachable from the start, the wildcard patterns reachable from it, each set cut
   * off at `cap` patterns. `add` only ever adds transitions to new states, to matches or (a wildcard) back
   * to the same state, so apart from those self-loops the machine has no cycles and a transition's set is
   * complete once those of the transitions below it are: the sets Event Ruler's depth-first walk computes.
   */
  private patternsAccessible(cap: number): Map<Single, Set<PatternIdentity>> {
    const result = new Map<Single, Set<PatternIdentity>>();
    const done = new Set<Single>();
    const stack: Single[] = [this.start];
    while (stack.length > 0) {
      const t = stack[stack.length - 1];
      const n = nextOf(t);
      let patterns = result.get(t);
      if (!patterns) {
        // First visit: its own match, then the transitions below it.
        patterns = new Set();
        result.set(t, patterns);
        const match = matchOf(t);
        if (match) patterns.add(match.identity);
        if (n) forEachTransition(n, (u) => u !== n && !result.has(u) && stack.push(u));
        continue;
      }
      stack.pop();
      if (done.has(t)) continue;
      done.add(t);
      if (n) {
        forEachTransition(n, (u) => {
          if (u === n || patterns!.size >= cap) return;
          for (const p of result.get(u)!) {
            if (patterns!.size >= cap) break;
            patterns!.add(p);
          }
        });
      }
    }
    return result;
  }

  /**
   * The sets of transitions one more byte leads to from `states` (Event Ruler's
   * `getTransitionForNextByteStates`): for each byte some state has a transition on, those transitions
   * plus every state's transitions on all bytes; and for any other byte, the latter alone.
   */
  private step(states: readonly ByteNode[], f: (set: Single[]) => void): void {
    const all: Single[] = [];
    const byByte = new Map<number, Single[]>();
    for (const s of states) {
      for (const t of s.all) if (!all.includes(t)) all.push(t);
      for (const [b, set] of s.bytes) {
        let list = byByte.get(b);
        if (!list) byByte.set(b, (list = []));
        for (const t of set) if (!list.includes(t)) list.push(t);
      }
    }
    for (const list of byByte.values()) {
      for (const t of all) if (!list.includes(t)) list.push(t);
      f(list);
    }
    if (all.length > 0) f(all);
  }
}

function byId(a: Single, b: Single): number {
  return a.id - b.id;
}

/** Calls `f` with every transition out of a state (on one byte or on all). */
function forEachTransition(state: ByteNode, f: (single: Single) => unknown): void {
  for (const set of state.bytes.values()) for (const t of set) f(t);
  for (const t of state.all) f(t);
}

/** The next state Event Ruler picks from a set of transitions: one with a fixed prefix first. */
function firstNext(trans: ReadonlySet<Single>): ByteNode | undefined {
  let first: ByteNode | undefined;
  for (const t of trans) {
    const n = nextOf(t);
    if (n && !n.indeterminate) return n;
    first ??= n;
  }
  return first;
}

/** The Java character whose UTF-8 bytes start (or, for suffix matching, end) at `i`. */
function decodeChar(chars: readonly number[], i: number, backwards: boolean): string {
  const bytes: number[] = [];
  if (backwards) {
    for (let k = i; k < chars.length; k++) {
      bytes.unshift(chars[k]);
      if (!(chars[k] >= 0x80 && chars[k] <= 0xbf)) break;
    }
  } else {
    const b = chars[i];
    const length = b < 0x80 ? 1 : b < 0xe0 ? 2 : 3;
    for (let k = i; k < i + length && k < chars.length; k++) bytes.push(chars[k]);
  }
  return Buffer.from(bytes).toString('utf8');
}
