/**
 * Seeded random event patterns and events for the cross-check against Event Ruler. Patterns are built
 * from the event they are paired with (so that a good share match), using every operator EventBridge
 * documents, `$or`, nested keys, dotted keys, arrays of objects (array consistency), duplicate keys, and a
 * share of invalid patterns (each kind of mistake Event Ruler reports).
 *
 * The same seed always gives the same pairs.
 */

/* eslint-disable no-bitwise -- a PRNG is bit arithmetic */

/** mulberry32: small, fast, good enough for test data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A JSON value whose objects keep their key order and may repeat keys. */
type Json = string | number | boolean | null | { raw: string } | Json[] | { entries: [string, Json][] };

function isEntries(v: Json): v is { entries: [string, Json][] } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'entries' in v;
}

export function serialize(v: Json): string {
  if (v === null || typeof v === 'boolean') return String(v);
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(serialize).join(',')}]`;
  if ('raw' in v) return v.raw;
  return `{${v.entries.map(([k, x]) => `${JSON.stringify(k)}:${serialize(x)}`).join(',')}}`;
}

const obj = (...entries: [string, Json][]): Json => ({ entries });
const raw = (text: string): Json => ({ raw: text });

const STRINGS = [
  '', 'a', 'A', 'abc', 'ABC', 'Abc', 'abcdef', 'init', 'initializing', 'INIT-x', 'post-init', 'stopped', 'running',
  'file.txt', 'file.txt.bak', 'image.png', 'image.PNG', 'x*y', 'a\\b', 'a/b/c', 'dir/init/file', 'dir/dir/dir/doc.txt',
  'ß', 'SS', 'ss', 'straße', 'STRASSE', 'İ', 'i̇', 'K', 'k', 'K', 'Σ', 'σ', 'ς', 'é', 'É', 'ǅ', 'ǆ', 'Ǆ', '🚀', '??',
  '10.0.0.1', '10.0.0.255', '10.000.0.1', '10.0.1.0', '192.168.1.20', '0.0.0.0', '255.255.255.255', '1.2.3.4',
  '2001:db8::1', '2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8:1234:1a00::', '::ffff:a00:1', '::1', '::', 'fe80::1',
  '300.1.1.1', 'not-an-ip', 'true', 'null', '5', '5.0', 'a"b', '"',
  'aws.partner/stripe.com/ed_123', 'customer.subscription.created', 'customer.subscription.updated', 'checkout.session.completed',
  'arn:aws:events:us-east-1:123456789012:event-bus/my', 'eu-central-1', 'us-east-1', 'us-west-2',
];

// No 8- or 32-character numbers: see "known differences" in event-ruler.integration.test.ts.
const NUMBERS = ['0', '-0', '1', '5', '5.0', '5e0', '0.5', '1e2', '100', '100.0', '-7', '3.14', '1e-3', '0.001', '123456789012',
  '-2.5', '1E2', '42', '1e15', '0.30000000000000001', '1e400', '-1e400', '9007199254740993', '2.5e-5', '999'];

const KEYS = ['a', 'b', 'c', 'detail', 'source', 'state', 'x.y', 'items'];

/** A path in the event with the leaf value found there. */
interface Leaf {
  readonly path: string[];
  readonly value: Json;
}

export interface Pair {
  readonly id: number;
  readonly pattern: string;
  readonly event: string;
  /** Operators the pattern uses (for coverage). */
  readonly operators: readonly string[];
}

class Generator {
  private readonly operators = new Set<string>();

  constructor(private readonly rnd: () => number) {}

  private int(n: number): number {
    return Math.floor(this.rnd() * n);
  }

  private chance(p: number): boolean {
    return this.rnd() < p;
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }

  private scalar(): Json {
    const r = this.rnd();
    if (r < 0.55) return this.pick(STRINGS);
    if (r < 0.85) return raw(this.pick(NUMBERS));
    return this.pick([true, false, null]);
  }

  private eventValue(depth: number): Json {
    const r = this.rnd();
    if (depth < 3 && r < 0.18) return this.eventObject(depth + 1);
    if (depth < 3 && r < 0.3) {
      const n = this.int(4);
      const objects = this.chance(0.5);
      const element = (): Json => (objects ? this.eventObject(depth + 1) : this.chance(0.15) ? [this.scalar(), this.scalar()] : this.scalar());
      return Array.from({ length: n }, element);
    }
    return this.scalar();
  }

  private eventObject(depth: number): Json {
    const n = 1 + this.int(depth === 0 ? 5 : 3);
    const entries: [string, Json][] = [];
    for (let i = 0; i < n; i++) entries.push([this.pick(KEYS), this.eventValue(depth)]);
    return { entries };
  }

  private leaves(v: Json, path: string[], out: Leaf[]): void {
    if (isEntries(v)) {
      for (const [k, x] of v.entries) this.leaves(x, [...path, k], out);
    } else if (Array.isArray(v)) {
      for (const x of v) this.leaves(x, path, out);
    } else {
      out.push({ path, value: v });
    }
  }

  private textOf(v: Json): string | undefined {
    return typeof v === 'string' ? v : undefined;
  }

  private numberText(v: Json): string {
    return typeof v === 'object' && v !== null && 'raw' in v ? v.raw : this.pick(NUMBERS);
  }

  private someString(v: Json): string {
    return this.textOf(v) ?? this.pick(STRINGS);
  }

  /** Part of s (a prefix, suffix or infix), sometimes with its case changed. */
  private part(s: string, where: 'prefix' | 'suffix'): string {
    const cut = this.int(s.length + 1);
    let p = where === 'prefix' ? s.slice(0, cut) : s.slice(cut);
    if (this.chance(0.3)) p = this.chance(0.5) ? p.toUpperCase() : p.toLowerCase();
    return p;
  }

  private wildcardOf(s: string): string {
    if (this.chance(0.15)) return this.pick(['*', '*a*', '*:*:*:*:*:*', '*a*a*a*a*a*', '*/dir/dir/dir/*', '*init*', 'a*b*c*d*e*f*g', '*.*.*.*', '*s*s*s*s*s*s*']);
    const escape = (t: string): string => t.replace(/[\\*]/g, (c) => `\\${c}`);
    const chars = [...s];
    let out = '';
    let star = false;
    for (let i = 0; i < chars.length; i++) {
      if (this.chance(0.25)) {
        if (!star) out += '*';
        star = true;
        const skip = this.int(3);
        i += skip - 1;
        continue;
      }
      out += escape(chars[i]);
      star = false;
    }
    if (this.chance(0.2) && !star) out += '*';
    return out;
  }

  private cidrFor(v: Json): string {
    const valid = ['10.0.0.0/24', '10.0.0.0/8', '10.0.0.0/31', '0.0.0.0/0', '192.168.0.0/16', '10.0.0.5/24', '2001:db8::/32',
      '2001:db8::/64', '::/0', '2001:db8:1234:1a00::/56', '::ffff:a00:0/24', 'fe80::/10', '10.0.0.1/30'];
    const s = this.textOf(v);
    if (s && /^\d+\.\d+\.\d+\.\d+$/.test(s) && this.chance(0.5)) return `${s}/${this.pick(['8', '16', '24', '30', '31', '0'])}`;
    return this.pick(valid);
  }

  /** One operator for a field whose event value (if any) is v. */
  private matcher(v: Json): Json {
    const kinds = ['exact', 'exact', 'exact', 'prefix', 'prefix-ic', 'suffix', 'suffix-ic', 'equals-ic', 'wildcard', 'anything-but',
      'anything-but-list', 'anything-but-number', 'anything-but-ic', 'anything-but-prefix', 'anything-but-suffix', 'anything-but-wildcard',
      'numeric', 'numeric-range', 'numeric-eq', 'cidr', 'exists', 'exists-false', 'literal', 'exactly'];
    const kind = this.pick(kinds);
    this.operators.add(kind);
    const s = this.someString(v);
    switch (kind) {
      case 'exact':
        return typeof v === 'object' && v !== null && 'raw' in v && this.chance(0.7) ? raw(this.chance(0.8) ? v.raw : this.pick(NUMBERS))
          : this.chance(0.75) ? s : this.pick(STRINGS);
      case 'exactly':
        return obj(['exactly', s]);
      case 'literal':
        return this.pick([true, false, null]);
      case 'prefix':
        return obj(['prefix', this.part(s, 'prefix')]);
      case 'prefix-ic':
        return obj(['prefix', obj(['equals-ignore-case', this.part(s, 'prefix')])]);
      case 'suffix':
        return obj(['suffix', this.part(s, 'suffix')]);
      case 'suffix-ic':
        return obj(['suffix', obj(['equals-ignore-case', this.part(s, 'suffix')])]);
      case 'equals-ic':
        return obj(['equals-ignore-case', this.chance(0.5) ? s.toUpperCase() : s.toLowerCase()]);
      case 'wildcard':
        return obj(['wildcard', this.wildcardOf(s)]);
      case 'anything-but':
        return obj(['anything-but', this.chance(0.6) ? s : this.pick(STRINGS)]);
      case 'anything-but-list':
        return obj(['anything-but', [s, this.pick(STRINGS)]]);
      case 'anything-but-number':
        return obj(['anything-but', this.chance(0.5) ? raw(this.numberText(v)) : [raw(this.numberText(v)), raw(this.pick(NUMBERS.filter((n) => !n.includes('e4'))))]]);
      case 'anything-but-ic':
        return obj(['anything-but', obj(['equals-ignore-case', this.chance(0.5) ? s.toUpperCase() : [s, this.pick(STRINGS)]])]);
      case 'anything-but-prefix': {
        const p = this.part(s, 'prefix') || 'a';
        return obj(['anything-but', obj(['prefix', this.chance(0.6) ? p : [p, this.pick(STRINGS) || 'b']])]);
      }
      case 'anything-but-suffix': {
        const p = this.part(s, 'suffix') || 'z';
        return obj(['anything-but', obj(['suffix', this.chance(0.6) ? p : [p, this.pick(STRINGS) || 'y']])]);
      }
      case 'anything-but-wildcard':
        return obj(['anything-but', obj(['wildcard', this.chance(0.6) ? this.wildcardOf(s) : [this.wildcardOf(s), this.wildcardOf(this.pick(STRINGS))]])]);
      case 'numeric': {
        const op = this.pick(['<', '<=', '>', '>=']);
        return obj(['numeric', [op, raw(this.numberText(v))]]);
      }
      case 'numeric-eq':
        return obj(['numeric', ['=', raw(this.numberText(v))]]);
      case 'numeric-range': {
        const values = [this.numberText(v), this.pick(NUMBERS)].filter((n) => Number.isFinite(Number(n)));
        if (values.length < 2) values.push('1000');
        values.sort((x, y) => Number(x) - Number(y));
        return obj(['numeric', [this.pick(['>', '>=']), raw(values[0]), this.pick(['<', '<=']), raw(values[1])]]);
      }
      case 'cidr':
        return obj(['cidr', this.cidrFor(v)]);
      case 'exists':
        return obj(['exists', true]);
      default:
        return obj(['exists', false]);
    }
  }

  /** A deliberately invalid operator or field value. */
  private invalid(): Json {
    this.operators.add('invalid');
    return this.pick<Json>([
      obj(['prefix', raw('123')]), obj(['prefix', ['a']]), obj(['suffix', raw('1')]), obj(['suffix', ['.png']]),
      obj(['numeric', raw('10')]), obj(['numeric', ['>', raw('0'), '<']]), obj(['numeric', ['=', raw('1e400')]]), obj(['numeric', ['<', raw('5'), '>', raw('1')]]),
      obj(['numeric', ['>', raw('5'), '<', raw('5')]]), obj(['numeric', ['>', raw('9'), '<=', raw('1')]]), obj(['numeric', ['!=', raw('1')]]),
      obj(['numeric', []]), obj(['numeric', ['>', raw('1'), '=', raw('3')]]), obj(['numeric', ['>', raw('1'), '<', raw('3'), raw('4')]]),
      obj(['numeric', ['>', '1']]), obj(['numeric', ['=', raw('0.30000000000000001')]]),
      obj(['cidr', '10.0.0.0/33']), obj(['cidr', '1.2.3/8']), obj(['cidr', 'bad-filter']), obj(['cidr', '10.0.0.0/x']), obj(['cidr', '::/129']),
      obj(['cidr', '::ffff:a00:0/120']), obj(['cidr', '10.0.0.0/-1']), obj(['cidr', raw('10')]), obj(['cidr', '/8']), obj(['cidr', '10.0.0.0/8/']),
      obj(['cidr', 'xx.11.xx/8']), obj(['cidr', '10.0.0.0/32']), obj(['cidr', '1:2:3:4:5:6:7:8:9/64']),
      obj(['wildcard', 'a**b']), obj(['wildcard', 'a\\x']), obj(['wildcard', raw('123')]), obj(['wildcard', ['a*']]), obj(['wildcard', 'ends\\']),
      obj(['anything-but', obj()]), obj(['anything-but', obj(['prefix', ''])]), obj(['anything-but', []]), obj(['anything-but', ['a', raw('1')]]),
      obj(['anything-but', [null]]), obj(['anything-but', obj(['foo', 'x'])]), obj(['anything-but', obj(['wildcard', ['*a', 'b**', 'c\\d']])]),
      obj(['anything-but', obj(['suffix', raw('3')])]), obj(['anything-but', obj(['equals-ignore-case', raw('3')])]), obj(['anything-but', null]),
      obj(['anything-but', obj(['prefix', obj(['equals-ignore-case', 'x'])])]), obj(['anything-but', raw('1e400')]), obj(['anything-but', [raw('1'), raw('1e400')]]),
      obj(['anything-but', obj(['prefix', 'a'])]), obj(['anything-but', 'a']), obj(['anything-but', obj(['prefix', 'a'])]),
      obj(['exists', 'yes']), obj(['exists', true]), obj(['equals-ignore-case', ['a']]), obj(['equals-ignore-case', raw('1')]),
      obj(['prefix', obj(['foo', 'x'])]), obj(['prefix', obj()]), obj(['suffix', obj(['equals-ignore-case', raw('1')])]), obj(['unknown-op', raw('1')]),
      obj(), obj(['prefix', 'a'], ['suffix', 'b']), obj(['exactly', raw('1')]), obj(['wildcard', '**']),
      obj(['anything-but', obj(['prefix', []])]), obj(['anything-but', obj(['wildcard', []])]),
    ]);
  }

  /** The pattern's value for one field: mostly a list of operators, sometimes an invalid shape. */
  private fieldValue(v: Json, allowInvalid: boolean): Json {
    if (allowInvalid && this.chance(0.08)) {
      return this.pick<Json>([[], 'x', raw('1'), true, [['a']], [obj()], obj()]);
    }
    const n = 1 + this.int(this.chance(0.7) ? 1 : 3);
    const list: Json[] = [];
    for (let i = 0; i < n; i++) list.push(allowInvalid && this.chance(0.1) ? this.invalid() : this.matcher(v));
    return list;
  }

  /** Nests `value` under `path`, sometimes joining steps with a dot instead. */
  private nest(path: string[], value: Json): [string, Json] {
    if (path.length === 1) return [path[0], value];
    if (this.chance(0.2)) return [path.join('.'), value];
    return [path[0], obj(this.nest(path.slice(1), value))];
  }

  private patternObject(fields: Array<{ path: string[]; value: Json }>): Json {
    // Group by first step (merging nested objects), occasionally leaving a duplicate key in place.
    const entries: [string, Json][] = [];
    for (const f of fields) {
      const [k, x] = this.nest(f.path, f.value);
      const existing = entries.find(([ek]) => ek === k);
      if (existing && isEntries(existing[1]) && isEntries(x) && this.chance(0.85)) existing[1].entries.push(...x.entries);
      else entries.push([k, x]);
    }
    return { entries };
  }

  public pair(id: number): Pair {
    this.operators.clear();
    const event = this.eventObject(0);
    const leaves: Leaf[] = [];
    this.leaves(event, [], leaves);
    const allowInvalid = this.chance(0.3);
    const fieldCount = 1 + this.int(3);
    const fields: Array<{ path: string[]; value: Json }> = [];
    for (let i = 0; i < fieldCount; i++) {
      const elsewhere = (): Leaf => ({ path: [this.pick(KEYS), ...(this.chance(0.3) ? [this.pick(KEYS)] : [])], value: this.scalar() });
      const leaf = leaves.length > 0 && this.chance(0.85) ? this.pick(leaves) : elsewhere();
      fields.push({ path: leaf.path.length > 0 ? leaf.path : ['a'], value: this.fieldValue(leaf.value, allowInvalid) });
    }
    let pattern: Json;
    if (this.chance(0.2) && fields.length >= 1) {
      this.operators.add('$or');
      const alternatives: Json[] = [];
      const n = this.chance(0.1) && allowInvalid ? 1 : 2 + this.int(2);
      for (let i = 0; i < n; i++) {
        const leaf = leaves.length > 0 ? this.pick(leaves) : { path: ['a'], value: this.scalar() };
        alternatives.push(this.patternObject([{ path: leaf.path.length > 0 ? leaf.path : ['b'], value: this.fieldValue(leaf.value, allowInvalid) }]));
      }
      const rest = this.patternObject(fields.slice(1));
      const orEntry: [string, Json] = ['$or', allowInvalid && this.chance(0.05) ? 'x' : alternatives];
      const others = (rest as { entries: [string, Json][] }).entries;
      pattern = { entries: this.chance(0.5) ? [orEntry, ...others] : [...others, orEntry] };
    } else {
      pattern = this.patternObject(fields);
    }
    let patternText = serialize(pattern);
    if (allowInvalid && this.chance(0.04)) {
      patternText = this.pick([
        () => patternText.slice(0, Math.max(1, this.int(patternText.length))),
        () => patternText.replace(/"/, "'"),
        () => patternText.replace(/\]/, '],'),
        () => `[${patternText}]`,
        () => patternText.replace(/:/, ' '),
        () => `${patternText.slice(0, -1)},}`,
      ])();
    }
    return { id, pattern: patternText, event: serialize(event), operators: [...this.operators] };
  }
}

export function generatePairs(seed: number, count: number): Pair[] {
  const generator = new Generator(prng(seed));
  return Array.from({ length: count }, (_, i) => generator.pair(i));
}
