/**
 * The Python wrapper's envelope validation (src/lambda/python-wrapper/stripe_eventbridge/envelope.py, as built into
 * the layer) is a port of the Node.js one (src/lambda/wrapper/envelope.ts): both are checked against the same test
 * vectors (test/lambda/wrapper/envelope-vectors.json, which envelope.test.ts checks the Node.js side against), and
 * against each other on thousands of random deliveries, so that a change to either that the other lacks fails here.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import fc from 'fast-check';
import { MAX_EVENT_BYTES } from '../../../src/contract/wrapper';
import { eventBridgeEntryBytes, InvalidStripeEventError, InvalidStripeEventReason, validateStripeEventBridgeEvent } from '../../../src/lambda/wrapper/envelope';
import { PYTHON_WRAPPER_LAYER_DIR } from '../../support/local-stack';
import { envelope, loadSample, StripeEventSample, withId } from '../../support/stripe-samples';
import { anyDeliveryOfEitherStyle, anyPayloads } from '../wrapper/envelope-arbitraries';
import VECTORS from '../wrapper/envelope-vectors.json';

interface Case {
  readonly event: unknown;
  readonly maxBytes?: number;
  /** The payload styles the function receives. @default ['snapshot'] */
  readonly payloads?: Array<'snapshot' | 'thin'>;
}
type Result = { accepted: Record<string, unknown> } | { rejected: { reason: string; message: string; eventBridgeId: string | null } };

/** The Python implementation's results for the cases, from one Python process. */
function python(cases: readonly Case[], args: string[] = []): Result[] {
  const out = spawnSync(process.env.STRIPE_EB_LOCAL_PYTHON ?? 'python3', [path.join(__dirname, 'envelope_check.py'), ...args], {
    input: cases.map((c) => JSON.stringify(c)).join('\n') + '\n',
    env: { ...process.env, PYTHONPATH: path.join(PYTHON_WRAPPER_LAYER_DIR, 'python'), PYTHONDONTWRITEBYTECODE: '1' },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (out.status !== 0) throw new Error(`envelope_check.py failed: ${out.stderr}`);
  return out.stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

/** The Node.js implementation's result, in the same shape. */
function node(c: Case): Result {
  try {
    const summary = validateStripeEventBridgeEvent(c.event, { maxBytes: c.maxBytes, payloads: c.payloads });
    return { accepted: JSON.parse(JSON.stringify(summary)) };
  } catch (err) {
    if (!(err instanceof InvalidStripeEventError)) throw err;
    return { rejected: { reason: err.reason, message: err.message, eventBridgeId: err.eventBridgeId ?? null } };
  }
}

const vectorCases = VECTORS as Array<Case & { name: string } & Result>;

test('the reasons are the same, in the same order', () => {
  expect(python([], ['reasons'])).toEqual([Object.values(InvalidStripeEventReason)]);
});

describe('the shared test vectors', () => {
  const results = python(vectorCases);
  test.each(vectorCases.map((v, i) => [v.name, v, i] as const))('Node.js: %s', (_name, vector) => {
    const expected = 'accepted' in vector ? { accepted: vector.accepted } : { rejected: vector.rejected };
    expect(node(vector)).toEqual(expected);
  });
  test.each(vectorCases.map((v, i) => [v.name, v, i] as const))('Python: %s', (_name, vector, i) => {
    const expected = 'accepted' in vector ? { accepted: vector.accepted } : { rejected: vector.rejected };
    expect(results[i]).toEqual(expected);
  });
});

test('on 4,000 random deliveries (valid, damaged, arbitrary JSON; snapshot and thin) both give the same reason, message and summary', () => {
  // As Lambda hands them to the function: JSON; to functions that receive either payload style or both.
  const cases: Case[] = fc
    .sample(fc.tuple(anyDeliveryOfEitherStyle, anyPayloads), { numRuns: 4_000, seed: 20261129 })
    .map(([event, payloads]) => ({ event: JSON.parse(JSON.stringify(event ?? null)), maxBytes: MAX_EVENT_BYTES, payloads }));
  const results = python(cases);
  const differences = cases
    .map((c, i) => ({ event: c.event, node: node(c), python: results[i] }))
    .filter((d) => JSON.stringify(d.node) !== JSON.stringify(d.python));
  expect(differences.slice(0, 3)).toEqual([]);
  // The random deliveries reach every reason but the size and depth limits (the size is tested next, the depth by
  // the vectors at 100 and 101 levels) and EVENT_ID_REUSED, which the record decides, not the envelope
  // (test/lambda/wrapper/guarantee.test.ts, in both runtimes).
  const reasons = new Set(results.flatMap((r) => ('rejected' in r ? [r.rejected.reason] : [])));
  const envelopeReasons = Object.values(InvalidStripeEventReason).filter((r) => r !== 'TOO_LARGE' && r !== 'TOO_DEEP' && r !== 'EVENT_ID_REUSED');
  expect([...reasons].sort()).toEqual(envelopeReasons.sort());
});

test("EventBridge's 1 MB limit at its exact boundary, counted the same way", () => {
  const sample = loadSample<StripeEventSample>('checkout.session.completed__stripe-ruby-mock.json');
  const ofSize = (bytes: number) => {
    const event = structuredClone(envelope(withId(sample, 'evt_1LargeEvent'))) as Record<string, any>;
    event.detail.data.object = { ...event.detail.data.object, metadata: { padding: '', amounts: [1.5, 1e21, 0.0000001, 'é'] } };
    event.detail.data.object.metadata.padding = 'x'.repeat(bytes - eventBridgeEntryBytes(event));
    return event;
  };
  const cases = [ofSize(MAX_EVENT_BYTES), ofSize(MAX_EVENT_BYTES + 1)].map((event) => ({ event, maxBytes: MAX_EVENT_BYTES }));
  const results = python(cases);
  expect(results).toEqual(cases.map(node));
  expect(results.map((r) => ('rejected' in r ? r.rejected.reason : 'accepted'))).toEqual(['accepted', 'TOO_LARGE']);
});
