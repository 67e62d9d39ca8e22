/**
 * The part of Stripe's v2 OpenAPI spec the local Stripe API of `stripe-eventbridge replay` carries
 * (src/cli/local/stripe-api/stripe-v2-spec.generated.ts) is the spec's own, regenerated from the spec in
 * test/fixtures/data: the served GET operations, every schema they reference and the thin event types' schemas, with
 * only documentation left out.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderStripeV2SpecModule, SERVED_PATHS } from '../../../../scripts/stripe-v2-spec-subset';
import { STRIPE_V2_SPEC } from '../../../../src/cli/local/stripe-api/stripe-v2-spec.generated';

const ROOT = path.join(__dirname, '..', '..', '..', '..');
const SOURCE = 'test/fixtures/data/stripe-openapi/spec3.v2.sdk.json';
const full = JSON.parse(fs.readFileSync(path.join(ROOT, SOURCE), 'utf8'));

/** A schema without its documentation strings, as the subset keeps it. */
function undocumented(node: any): any {
  if (Array.isArray(node)) return node.map(undocumented);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(Object.entries(node)
    .filter(([k, v]) => !(['description', 'title', 'summary', 'operationId'].includes(k) && typeof v === 'string') && !k.startsWith('x-stripeOp') && k !== 'x-stripeResource' && k !== 'x-resourceId')
    .map(([k, v]) => [k, undocumented(v)]));
}

test('the committed module is what `npx projen gen:stripe-v2-spec` writes from the spec (regenerate it after updating the spec)', () => {
  const committed = fs.readFileSync(path.join(ROOT, 'src', 'cli', 'local', 'stripe-api', 'stripe-v2-spec.generated.ts'), 'utf8');
  expect(committed).toBe(renderStripeV2SpecModule(full, SOURCE));
});

test('the served operations and every schema they or a thin event type reference, with the spec\'s values', () => {
  expect(Object.keys(STRIPE_V2_SPEC.paths).sort()).toEqual([...SERVED_PATHS].sort());
  for (const p of SERVED_PATHS) expect(STRIPE_V2_SPEC.paths[p]).toEqual({ get: undocumented(full.paths[p].get) });
  for (const [name, schema] of Object.entries(STRIPE_V2_SPEC.components.schemas)) expect(schema).toEqual(undocumented(full.components.schemas[name]));
  const refs = new Set([...JSON.stringify(STRIPE_V2_SPEC).matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]));
  for (const ref of refs) expect(STRIPE_V2_SPEC.components.schemas).toHaveProperty([ref]);
  const eventTypes = Object.values<any>(full.components.schemas).filter((s) => s['x-stripeEvent']).map((s) => s['x-stripeEvent'].type);
  expect(Object.values<any>(STRIPE_V2_SPEC.components.schemas).filter((s) => s['x-stripeEvent']).map((s) => s['x-stripeEvent'].type).sort()).toEqual(eventTypes.sort());
  expect(STRIPE_V2_SPEC.info.version).toBe(full.info.version);
  // A property named `description` is a property, not documentation: it stays.
  expect(STRIPE_V2_SPEC.components.schemas['v2.core.account'].properties.requirements.properties.entries.items.properties.description).toEqual({ type: 'string' });
});
