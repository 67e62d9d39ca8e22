/**
 * What the wrapper does with the handler's result, which it stores for duplicates after the business effect
 * has happened: undefined is stored as null; a result JSON or DynamoDB cannot hold is stored as null with a
 * warning. Never a failed invocation after the effect, which would make a retry repeat it.
 */
import { estimateDynamoDbBytes, MAX_RESULT_BYTES, toStorableResult } from '../../../src/lambda/wrapper/result';
import { effectsFor, idempotencyRecords, jsonLines, outcomeLine, useLocalStack } from '../../support/local-stack';
import { envelope, loadSample, StripeEventSample, withId } from '../../support/stripe-samples';

const SAMPLE = loadSample<StripeEventSample>('invoice.paid__stripe-ruby-mock.json');

const stack = useLocalStack({ proxy: true });

describe('toStorableResult', () => {
  const warnings: string[] = [];
  const store = (value: unknown): unknown => toStorableResult(value, (reason) => warnings.push(reason));
  beforeEach(() => (warnings.length = 0));

  test('keeps JSON values as JSON would', () => {
    expect(store({ a: 1, b: [true, null, 'x'], c: undefined })).toEqual({ a: 1, b: [true, null, 'x'] });
    expect(store('text')).toBe('text');
    expect(store(0)).toBe(0);
    expect(store(new Date(Date.UTC(2026, 0, 29)))).toBe('2026-01-29T00:00:00.000Z');
    expect(store(Number.NaN)).toBeNull(); // JSON's own rule
    expect(warnings).toEqual([]);
  });

  test('keeps the deepest and the largest results DynamoDB can hold', () => {
    const deepest = JSON.parse('['.repeat(32) + ']'.repeat(32));
    expect(store(deepest)).toEqual(deepest);
    // A map of one key 'b' (3 + 1 + 1 bytes) around a string: the largest string that fits.
    const largest = { b: 'x'.repeat(MAX_RESULT_BYTES - 5) };
    expect(store(largest)).toEqual(largest);
    expect(warnings).toEqual([]);
  });

  test('estimates DynamoDB sizes by its documented rules', () => {
    // Map: 3 + 1 per element; keys a, b: 1 each; list: 3 + 1 per element; 1: 2; true, null: 1; 'xy': 2; 123456: 3 + 1.
    expect(estimateDynamoDbBytes({ a: [1, true, null, 'xy'], b: 123456 })).toBe(5 + 1 + 7 + 2 + 1 + 1 + 2 + 1 + 4);
    expect(estimateDynamoDbBytes('héllo')).toBe(6);
    expect(estimateDynamoDbBytes(0.125)).toBe(3);
    // { blob } costs 3 + 1 + 4 bytes around its string.
    expect(store({ blob: 'x'.repeat(MAX_RESULT_BYTES - 8) })).not.toBeNull();
    expect(store({ blob: 'x'.repeat(MAX_RESULT_BYTES - 7) })).toBeNull();
  });

  test('stores undefined as null without a warning', () => {
    expect(store(undefined)).toBeNull();
    expect(warnings).toEqual([]);
  });

  test.each<[string, unknown, RegExp]>([
    ['a BigInt', { amount: BigInt(1) }, /^the result has no JSON form: Do not know how to serialize a BigInt/],
    ['a cycle', (() => { const r: Record<string, unknown> = {}; r.self = r; return r; })(), /^the result has no JSON form: Converting circular structure to JSON/],
    ['a function', () => 1, /^a function has no JSON representation$/],
    ['a symbol', Symbol('s'), /^a symbol has no JSON representation$/],
    ['a throwing toJSON', { toJSON: () => { throw new Error('nope'); } }, /^the result has no JSON form: nope$/],
    ['a number beyond 2^53', { amount: 2 ** 60 }, /^the result holds the number 1152921504606847000, which DynamoDB cannot store exactly \(return it as a string\)$/],
    ['a result nested 33 levels deep', JSON.parse('['.repeat(33) + ']'.repeat(33)), /^the result is nested more than 32 levels deep, which DynamoDB cannot store$/],
    ['a result above 400 KB in DynamoDB', { blob: 'x'.repeat(MAX_RESULT_BYTES) }, /^the result takes about 405\d{3} bytes in DynamoDB; an idempotency record holds at most 405504/],
    ['a number below 1e-130', [1e-200], /^the result holds the number 1e-200/],
    ['an empty map key', { byCountry: { '': 1 } }, /^the result has an empty object key, which DynamoDB refuses as an attribute name/],
  ])('stores %s as null and says why', (_, value, reason) => {
    expect(store(value)).toBeNull();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(reason);
  });
});

describe('through the wrapper: the effect happens once, the invocation succeeds, duplicates return what the first returned', () => {
  test.each<[string, unknown, RegExp | undefined]>([
    ['undefined', null, undefined],
    ['date', { handled: 'evt_1Result_date', at: '2026-01-29T00:00:00.000Z' }, undefined],
    ['bigint', null, /^The handler result cannot be stored; storing null instead$/],
    ['cyclic', null, /^The handler result cannot be stored; storing null instead$/],
    ['function', null, /^The handler result cannot be stored; storing null instead$/],
    ['throwing-tojson', null, /^The handler result cannot be stored; storing null instead$/],
    ['unsafe-number', null, /^The handler result cannot be stored; storing null instead$/],
    ['huge', null, /^The handler result cannot be stored; storing null instead$/],
    ['deep', null, /^The handler result cannot be stored; storing null instead$/],
    // DynamoDB refuses an empty map key ("Empty attribute name"): the first delivery returns null too, as duplicates do.
    ['empty-key', null, /^The handler result cannot be stored; storing null instead$/],
  ])('a result that is %s', async (kind, stored, warning) => {
    const id = `evt_1Result_${kind.replace(/-/g, '_')}`;
    const f = stack.wrapped({ handlerName: 'Results', keyPrefix: `Test.Result.${kind}`, userHandler: 'effect-counter.handler', environment: { SAMPLE_RESULT: kind } });

    const first = await f.invoke(envelope(withId(SAMPLE, id)));
    expect(first.error).toBeUndefined();
    expect(first.result).toEqual(stored);
    expect(outcomeLine(first.logs)?.outcome).toBe('processed');
    const warnings = jsonLines(first.logs).filter((l) => l.level === 'WARN');
    if (warning) {
      expect(warnings).toHaveLength(1);
      expect(warnings[0].message).toMatch(warning);
      expect(typeof warnings[0].reason).toBe('string');
    } else {
      expect(warnings).toEqual([]);
    }

    const [record] = await idempotencyRecords(stack.client, stack.idempotencyTable, `Test.Result.${kind}`);
    expect(record.status).toBe('COMPLETED');
    expect(record.data ?? null).toEqual(stored);

    const duplicate = await f.invoke(envelope(withId(SAMPLE, id)));
    expect(duplicate.error).toBeUndefined();
    expect(outcomeLine(duplicate.logs)?.outcome).toBe('duplicate');
    expect(duplicate.result).toEqual(stored);
    expect(await effectsFor(stack.client, stack.businessTable, id)).toBe(1);
  });
});

test('a result DynamoDB itself refuses is stored as null and returned as null by every delivery: the record completes and the effect is not repeated', async () => {
  // Real DynamoDB answers ValidationException for an item above 400 KB; DynamoDB Local does not check the
  // size, so the proxy gives that answer to the first UpdateItem.
  const f = stack.wrapped({ handlerName: 'Results', keyPrefix: 'Test.Result.refused', userHandler: 'effect-counter.handler', dynamoDbEndpoint: stack.proxy.endpoint });
  let refused = false;
  stack.proxy.setFault(({ operation }) => {
    if (operation !== 'UpdateItem' || refused) return 'pass';
    refused = true;
    return 'validation-error';
  });
  try {
    const first = await f.invoke(envelope(withId(SAMPLE, 'evt_1ResultRefused')));
    expect(first.error).toBeUndefined();
    expect(outcomeLine(first.logs)?.outcome).toBe('processed');
    // What the record holds, as duplicates return it: not the result DynamoDB refused.
    expect(first.result).toBeNull();
    const warning = jsonLines(first.logs).find((l) => l.level === 'WARN');
    expect(warning).toMatchObject({
      message: 'DynamoDB refused to store the handler result; storing null instead',
      reason: expect.stringMatching(/^ValidationException: Item size to update has exceeded the maximum allowed size/),
    });
    const [record] = await idempotencyRecords(stack.client, stack.idempotencyTable, 'Test.Result.refused');
    expect(record.status).toBe('COMPLETED');
    expect(record.data).toBeNull();
    const duplicate = await f.invoke(envelope(withId(SAMPLE, 'evt_1ResultRefused')));
    expect(outcomeLine(duplicate.logs)?.outcome).toBe('duplicate');
    expect(duplicate.result).toBeNull();
    expect(await effectsFor(stack.client, stack.businessTable, 'evt_1ResultRefused')).toBe(1);
  } finally {
    stack.proxy.setFault(undefined);
  }
});
