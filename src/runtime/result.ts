/**
 * The idempotency layer stores the handler's result as JSON and returns it for every duplicate. By the
 * time the result exists the business effect has happened, so a result that cannot be stored must never
 * fail the invocation (a retry would repeat the effect): `undefined` is stored as `null`, and anything
 * JSON cannot represent (BigInt, cycles, a throwing `toJSON`) is stored as `null` with a warning.
 */
export function toStorableResult(result: unknown, onUnstorable: (reason: string) => void): unknown {
  if (result === undefined) {
    return null;
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(result);
  } catch (err) {
    onUnstorable((err as Error).message);
    return null;
  }
  if (json === undefined) {
    // A function or a symbol: JSON has no representation for it.
    onUnstorable(`a ${typeof result} has no JSON representation`);
    return null;
  }
  return JSON.parse(json);
}
