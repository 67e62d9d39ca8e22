/**
 * Writes src/cli/local/stripe-api/stripe-v2-spec.generated.ts, the part of Stripe's v2 OpenAPI spec that the local
 * Stripe API of `stripe-eventbridge replay` serves and checks, from test/fixtures/data/stripe-openapi/spec3.v2.sdk.json
 * (its provenance: test/fixtures/data/SOURCES.md). Run with `npx projen gen:stripe-v2-spec` after updating the spec; a
 * test fails while they differ.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderStripeV2SpecModule } from './stripe-v2-spec-subset';

const ROOT = path.join(__dirname, '..');
const SOURCE = 'test/fixtures/data/stripe-openapi/spec3.v2.sdk.json';
const out = path.join(ROOT, 'src', 'cli', 'local', 'stripe-api', 'stripe-v2-spec.generated.ts');
fs.writeFileSync(out, renderStripeV2SpecModule(JSON.parse(fs.readFileSync(path.join(ROOT, SOURCE), 'utf8')), SOURCE));
console.log(`wrote ${path.relative(process.cwd(), out)}`);
