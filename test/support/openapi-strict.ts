/**
 * Stripe's OpenAPI schemas made strict for the local Stripe API stand-ins: a test must never pass on a request or a
 * response Stripe would not produce or accept.
 */

type Json = any;

/** Deep copy in which every object schema with `properties` rejects undeclared ones, and error `oneOf`s become `anyOf`. */
export function strictSchema(node: Json): Json {
  if (Array.isArray(node)) return node.map(strictSchema);
  if (node === null || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) out[k] = strictSchema(v);
  if (out.type === 'object' && out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  // Stripe's error alternatives overlap (v2.error is the general shape of v2.error.not_found), so a real
  // error can match two of them; what the spec means is "one of these shapes".
  if (Array.isArray(out.oneOf)) {
    out.anyOf = out.oneOf;
    delete out.oneOf;
  }
  return out;
}
