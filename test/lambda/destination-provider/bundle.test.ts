/**
 * The provider as it ships: the pre-bundled asset the construct deploys (run `npx projen bundle` first).
 * It carries the `stripe` SDK inside (users install nothing) and needs only Node.js built-ins and the
 * AWS SDK v3 that the Lambda Node.js runtime provides.
 */
import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';

const ASSET = path.join(__dirname, '..', '..', '..', 'assets', 'lambda', 'destination-provider', 'handler', 'index.js');

test('the asset exists and exports the two handlers the construct names (index.onEvent, index.isComplete)', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const bundle = require(ASSET);
  expect(typeof bundle.onEvent).toBe('function');
  expect(typeof bundle.isComplete).toBe('function');
});

test('it requires nothing but Node.js built-ins and @aws-sdk/* (stripe is bundled in)', () => {
  const code = fs.readFileSync(ASSET, 'utf8');
  const required = new Set([...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]));
  const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
  const external = [...required].filter((id) => !builtins.has(id) && !id.startsWith('@aws-sdk/'));
  expect(external).toEqual([]);
  expect(required).toContain('@aws-sdk/client-secrets-manager');
  expect(required).toContain('@aws-sdk/client-eventbridge');
  expect(code).toContain('2026-10-28.endive');
});

test('the bundled handlers run: a delete of a create that never happened, and a delete that needs no waiting', async () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const bundle = require(ASSET);
  const base = { StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/S/1', LogicalResourceId: 'D', RequestId: 'r', ResourceProperties: {} };
  await expect(bundle.onEvent({ ...base, RequestType: 'Delete', PhysicalResourceId: 'r' })).resolves.toEqual({ PhysicalResourceId: 'r' });
  await expect(bundle.isComplete({ ...base, RequestType: 'Delete', PhysicalResourceId: 'r' })).resolves.toEqual({ IsComplete: true });
});
