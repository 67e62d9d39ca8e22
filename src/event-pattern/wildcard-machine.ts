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
/** Any byte that no value has a transition on. */
const OTHER_BYTE = -2;

class ByteNode {
  /** Transitions on one byte (the all-bytes transitions apply too, see `on`). */
  public readonly bytes = new Map<number, Set<Single>>();
  /** Transitions on every byte: how a wildcard is laid out. */
  public readonly all = new Set<Single>();
  constructor(public indeterminate: boolean, public readonly id: number) {}
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

/** A wildcard value (with its JSON quotes) as Event Ruler's input characters. */
export function wildcardChars(wire: string): number[] {
  const out: number[] = [];
  parseWildcard(wire).pieces.forEach((piece, index) => {
    if (index > 0) out.push(WILDCARD);
    out.push(...Buffer.from(piece, 'utf8'));
  });
  return out;
}

export class WildcardMachine<T> {
  private ids = 0;
  private readonly start = this.node(false);
  private readonly matchNodes = new Map<PatternIdentity, Map<T, MatchNode<T>>>();

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

  private on(state: ByteNode, ch: number): Set<Single> {
    if (ch === WILDCARD) return state.all;
    const specific = state.bytes.get(ch);
    if (!specific) return state.all;
    return state.all.size === 0 ? specific : new Set([...specific, ...state.all]);
  }

  private addTransition(state: ByteNode, ch: number, single: Single): void {
    let set = state.bytes.get(ch);
    if (!set) state.bytes.set(ch, (set = new Set()));
    set.add(single);
  }

  /**
   * Adds one value of operator `identity`. Returns the next field state: the one of a match of the same
   * operator found where the value ends, or else `next` (when given) or a new one from `make`.
   */
  public add(chars: readonly number[], identity: PatternIdentity, next: T | undefined, make: () => T, hasSuffix: boolean): T {
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
          n.all.add(n);
          n.indeterminate = true;
          state.all.add(n);
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
   * Event Ruler's MachineComplexityEvaluator on this machine: over every input, the most wildcard
   * operators reachable from the states the input could be in at once (capped at `cap`).
   */
  public complexity(cap: number): number {
    const accessible = new Map<Single, Set<PatternIdentity>>();
    const acc = (single: Single, visiting = new Set<Single>()): Set<PatternIdentity> => {
      const known = accessible.get(single);
      if (known) return known;
      const out = new Set<PatternIdentity>();
      const match = matchOf(single);
      if (match) out.add(match.identity);
      const n = nextOf(single);
      if (n && !visiting.has(n)) {
        visiting.add(n);
        for (const set of [...n.bytes.values(), n.all]) {
          for (const t of set) if (t !== n) for (const p of acc(t, visiting)) out.add(p);
        }
        visiting.delete(n);
      }
      if (visiting.size === 0) accessible.set(single, out);
      return out;
    };
    const alphabet = new Set<number>();
    const seen = new Set<ByteNode>();
    const collect = (state: ByteNode): void => {
      if (seen.has(state)) return;
      seen.add(state);
      for (const [b, set] of state.bytes) {
        alphabet.add(b);
        for (const t of set) if (nextOf(t)) collect(nextOf(t)!);
      }
      for (const t of state.all) if (nextOf(t)) collect(nextOf(t)!);
    };
    collect(this.start);
    const bytes = [...alphabet, OTHER_BYTE];
    const step = (states: Iterable<ByteNode>): Set<Single>[] => {
      const out: Set<Single>[] = [];
      for (const b of bytes) {
        const set = new Set<Single>();
        for (const s of states) for (const t of b === OTHER_BYTE ? s.all : this.on(s, b)) set.add(t);
        if (set.size > 0) out.push(set);
      }
      return out;
    };
    const key = (set: Set<Single>): string => [...set].map((s) => s.id).sort((a, b) => a - b).join(',');
    const visited = new Set<string>([String(this.start.id)]);
    const queue = step([this.start]);
    let max = 0;
    while (queue.length > 0) {
      const set = queue.shift()!;
      const k = key(set);
      if (visited.has(k)) continue;
      visited.add(k);
      let size = 0;
      for (const t of set) {
        size += acc(t).size;
        const n = nextOf(t);
        if (n) for (const u of n.all) if (!set.has(u)) size += acc(u).size;
      }
      if (size >= cap) return cap;
      max = Math.max(max, size);
      const nexts = new Set<ByteNode>();
      for (const t of set) if (nextOf(t)) nexts.add(nextOf(t)!);
      if (nexts.size > 0) queue.push(...step(nexts));
    }
    return max;
  }
}

/** The next state Event Ruler picks from a set of transitions: one with a fixed prefix first. */
function firstNext(trans: Set<Single>): ByteNode | undefined {
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
