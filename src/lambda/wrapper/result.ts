/**
 * The idempotency layer stores the handler's result in DynamoDB and returns it for every duplicate. By the
 * time the result exists the business effect has happened, so a result that cannot be stored must never
 * fail the invocation (the record would stay in progress and a retry would repeat the effect). The rule:
 * the result is stored as its JSON value; `undefined` is stored as `null`; anything JSON or DynamoDB cannot
 * hold is stored as `null` with a warning. The first delivery returns what duplicates will return.
 *
 * Checked here, before any request: values without a JSON form (BigInt, cycles, a throwing `toJSON`, a bare
 * function or symbol); numbers the DynamoDB marshaller refuses (beyond ±Number.MAX_SAFE_INTEGER) or DynamoDB
 * cannot store (non-zero magnitudes below 1e-130); an empty map key (DynamoDB: "Empty attribute name");
 * nesting deeper than DynamoDB's 32 levels; and a size above what fits in a 400 KB item, estimated with
 * DynamoDB's documented rules. Should DynamoDB still refuse the result, the idempotency store stores `null`
 * instead (see idempotency.ts), and that `null` is also what the first delivery returns: every delivery of
 * an event returns what its record holds.
 */

/** DynamoDB numbers: magnitudes from 1e-130 to 9.9999999999999999999999999999999999999e+125. */
const DYNAMODB_SMALLEST_NUMBER = 1e-130;
/** DynamoDB nests lists and maps at most 32 levels deep (the result's own list or map is level 1). */
export const MAX_RESULT_DEPTH = 32;
/**
 * An item holds at most 400 KB (409,600 bytes); the record's key, status and timestamps take a few hundred
 * bytes of it. 4 KB are left to them, which also covers a long key prefix.
 */
export const MAX_RESULT_BYTES = 400 * 1024 - 4 * 1024;

interface Measure {
  bytes: number;
  depth: number;
  badNumber?: number;
  emptyKey?: boolean;
}

/**
 * Size as DynamoDB counts it (docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html):
 * strings in UTF-8 bytes, numbers about one byte per two significant digits plus one, null and booleans one
 * byte, lists and maps three bytes plus one per element plus their keys' bytes.
 */
function measure(value: unknown, level: number, into: Measure): void {
  if (typeof value === 'string') {
    into.bytes += Buffer.byteLength(value, 'utf8');
  } else if (typeof value === 'number') {
    const magnitude = Math.abs(value);
    if (magnitude > Number.MAX_SAFE_INTEGER || (magnitude !== 0 && magnitude < DYNAMODB_SMALLEST_NUMBER)) into.badNumber ??= value;
    const digits = magnitude.toExponential().replace(/e.*$/, '').replace('.', '').length;
    into.bytes += Math.ceil(digits / 2) + 1;
  } else if (value === null || typeof value === 'boolean') {
    into.bytes += 1;
  } else if (Array.isArray(value)) {
    into.depth = Math.max(into.depth, level);
    if (level > MAX_RESULT_DEPTH) return; // refused anyway; no need to walk deeper
    into.bytes += 3 + value.length;
    for (const element of value) measure(element, level + 1, into);
  } else if (typeof value === 'object') {
    into.depth = Math.max(into.depth, level);
    if (level > MAX_RESULT_DEPTH) return;
    const entries = Object.entries(value as Record<string, unknown>);
    into.bytes += 3 + entries.length;
    for (const [key, element] of entries) {
      if (key === '') into.emptyKey = true;
      into.bytes += Buffer.byteLength(key, 'utf8');
      measure(element, level + 1, into);
    }
  }
}

/** The size DynamoDB counts for a JSON value stored as an attribute value (attribute name excluded). */
export function estimateDynamoDbBytes(value: unknown): number {
  const m: Measure = { bytes: 0, depth: 0 };
  measure(value, 1, m);
  return m.bytes;
}

/**
 * Returns the value to store and return for `result`. `onUnstorable` receives the reason when the result
 * is replaced by `null` (undefined is not a reason: storing it as null is the documented behaviour).
 */
export function toStorableResult(result: unknown, onUnstorable: (reason: string) => void): unknown {
  if (result === undefined) {
    return null;
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(result);
  } catch (err) {
    onUnstorable(`the result has no JSON form: ${(err as Error).message}`);
    return null;
  }
  if (json === undefined) {
    // A function or a symbol: JSON has no representation for it.
    onUnstorable(`a ${typeof result} has no JSON representation`);
    return null;
  }
  const value: unknown = JSON.parse(json);
  const m: Measure = { bytes: 0, depth: 0 };
  measure(value, 1, m);
  if (m.badNumber !== undefined) {
    onUnstorable(`the result holds the number ${m.badNumber}, which DynamoDB cannot store exactly (return it as a string)`);
    return null;
  }
  if (m.emptyKey) {
    onUnstorable('the result has an empty object key, which DynamoDB refuses as an attribute name (use a non-empty key)');
    return null;
  }
  if (m.depth > MAX_RESULT_DEPTH) {
    onUnstorable(`the result is nested more than ${MAX_RESULT_DEPTH} levels deep, which DynamoDB cannot store`);
    return null;
  }
  if (m.bytes > MAX_RESULT_BYTES) {
    onUnstorable(`the result takes about ${m.bytes} bytes in DynamoDB; an idempotency record holds at most ${MAX_RESULT_BYTES} (return a summary, not the whole object)`);
    return null;
  }
  return value;
}
