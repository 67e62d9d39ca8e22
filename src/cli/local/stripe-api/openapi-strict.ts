/**
 * Stripe's OpenAPI schemas made strict, for the local Stripe API (and the tests' stand-ins): nothing passes that Stripe
 * would not produce or accept.
 */

type Json = any;

export interface StrictOptions {
  /** Object schemas with `properties` reject undeclared ones. @default true */
  readonly closed?: boolean;
}

/**
 * Deep copy in which every object schema with `properties` rejects undeclared ones (unless `closed: false`), and
 * error `oneOf`s become `anyOf`.
 */
export function strictSchema(node: Json, options: StrictOptions = {}): Json {
  if (Array.isArray(node)) return node.map((n) => strictSchema(n, options));
  if (node === null || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) out[k] = strictSchema(v, options);
  if (options.closed !== false && out.type === 'object' && out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  // Stripe's error alternatives overlap (v2.error is the general shape of v2.error.not_found), so a real
  // error can match two of them; what the spec means is "one of these shapes".
  if (Array.isArray(out.oneOf)) {
    out.anyOf = out.oneOf;
    delete out.oneOf;
  }
  return out;
}
