/**
 * The Python wrapper's latest-state rule (stripe_eventbridge/latest_state.py, as built into the layer) is a port of the
 * Node.js one (src/lambda/wrapper/latest-state.ts): both decide the same and build the same DynamoDB conditions for
 * the same stored items and events, on thousands of random cases, so that a change to either that the other lacks
 * fails here (the items and fences each writes are read by the other: src/contract/latest-state.ts).
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import fc from 'fast-check';
import { FENCE_ATTRIBUTE, STATUS_TRANSITIONS } from '../../../src/contract/latest-state';
import { Candidate, decideLatest, eventCondition, fenceOf, fetchedRange, marshallItem, thinRange, unchangedCondition } from '../../../src/lambda/wrapper/latest-state';
import { PYTHON_WRAPPER_LAYER_DIR } from '../../support/local-stack';

interface Case {
  readonly stored: Record<string, AttributeValue> | null;
  readonly candidate: Omit<Candidate, 'item'> & { item?: Record<string, AttributeValue> };
  readonly fetched: { ms: number; margin: number };
  readonly thin: string;
}

function python(cases: readonly Case[]): unknown[] {
  const out = spawnSync(process.env.STRIPE_EB_LOCAL_PYTHON ?? 'python3', [path.join(__dirname, 'latest_state_check.py')], {
    input: cases.map((c) => JSON.stringify(c)).join('\n') + '\n',
    env: { ...process.env, PYTHONPATH: path.join(PYTHON_WRAPPER_LAYER_DIR, 'python'), PYTHONDONTWRITEBYTECODE: '1' },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (out.status !== 0) throw new Error(`latest_state_check.py failed: ${out.stderr}`);
  return out.stdout.trim().split('\n').map((line) => JSON.parse(line));
}

/** A condition with its values as DynamoDB attribute values (Python builds them in boto3's client shape). */
function clientShape(condition: { ExpressionAttributeValues?: Record<string, unknown> }): unknown {
  const values = condition.ExpressionAttributeValues;
  return { ...condition, ...(values ? { ExpressionAttributeValues: marshall(values) } : {}) };
}

function node(c: Case): unknown {
  const candidate = c.candidate as Candidate;
  let decision: unknown;
  try {
    decision = decideLatest(c.stored ?? undefined, candidate);
  } catch (err) {
    // The same message, under each runtime's name of the method.
    decision = { error: (err as Error).message.replace(/^putLatest:/, 'put_latest:') };
  }
  const fence = fenceOf(c.stored ?? undefined);
  return {
    decision,
    eventCondition: clientShape(eventCondition(candidate)),
    unchangedCondition: clientShape(unchangedCondition(fence)),
    fetchedRange: fetchedRange(fence, candidate, c.fetched),
    thinRange: thinRange(c.thin),
  };
}

const S = 1_780_000_000_000;
const types = Object.keys(STATUS_TRANSITIONS).concat('customer');
const statusOf = (type: string) => fc.option(fc.constantFrom(...Object.keys(STATUS_TRANSITIONS[type] ?? { active: [] }), 'unknown_status'), { nil: undefined });
const second = fc.integer({ min: 0, max: 5 }).map((n) => S + n * 1000);
const attributes = fc.record({ pk: fc.constant('p'), plan: fc.constantFrom('gold', 'silver'), qty: fc.integer({ min: 0, max: 2 }) });

const anyCase: fc.Arbitrary<Case> = fc.constantFrom(...types).chain((type) => fc.record({
  stored: fc.option(fc.record({
    fence: fc.option(fc.record({
      id: fc.constantFrom('obj_1', 'obj_1', 'obj_2'),
      lo: second,
      width: fc.constantFrom(1, 1000, 2000),
      status: statusOf(type),
      terminal: fc.boolean(),
      token: fc.constantFrom('t1', 't2'),
    }), { nil: undefined }),
    attributes,
  }).map(({ fence: f, attributes: a }) => {
    const fence = f && { id: f.id, type, lo: f.lo, hi: f.lo + f.width, status: f.status, token: f.token, ...(f.terminal ? { terminal: true } : {}) };
    return marshallItem({ ...a, ...(fence ? { [FENCE_ATTRIBUTE]: fence } : {}) });
  }), { nil: null }),
  candidate: fc.record({ lo: second, status: statusOf(type), terminal: fc.boolean(), thin: fc.boolean(), attributes }).map((c) => ({
    id: 'obj_1',
    type,
    lo: c.lo,
    hi: c.lo + (c.thin ? 1 : 1000),
    ...(c.status !== undefined ? { status: c.status } : {}),
    terminal: c.terminal,
    ...(c.thin ? {} : { item: marshallItem(c.attributes) }),
  })),
  fetched: fc.record({ ms: second, margin: fc.constantFrom(1000, 300_000) }),
  thin: fc.constantFrom('2026-06-01T10:00:00.330Z', '2026-06-01T10:00:00Z', '2026-06-01T10:00:00.3+02:00', '2026-06-01T10:00:00.123456Z'),
}));

test('Python decides and conditions exactly as Node.js, on 3,000 random stored items and events', () => {
  const cases = fc.sample(anyCase, { numRuns: 3000, seed: 20261205 });
  const results = python(cases);
  cases.forEach((c, i) => expect({ i, c, result: results[i] }).toEqual({ i, c, result: JSON.parse(JSON.stringify(node(c))) }));
  // The cases reach every kind of decision.
  const kinds = new Set(results.map((r) => JSON.stringify((r as { decision: unknown }).decision).replace(/"error":".*"/, '"error"')));
  expect([...kinds].sort()).toEqual([
    '{"action":"fetch"}', '{"action":"skip","decision":"older"}', '{"action":"skip","decision":"unchanged"}', '{"action":"write","decision":"newer"}', '{"error"}',
  ]);
});
