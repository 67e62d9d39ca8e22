/**
 * The README's quick start, exactly as written (its TypeScript compiles in typecheck.test.ts, with every other
 * TypeScript block of the docs): it synthesizes (snapshot below),
 * and its JavaScript handler runs inside the synthesized function — the function's code and the wrapper
 * layer taken from cdk.out, its environment from the template — against DynamoDB Local, with a real
 * Stripe checkout.session.completed sample delivered twice.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
// JMESPath as the AWS CLI's --query evaluates it; installed with @aws-lambda-powertools/idempotency, which depends on it.
// eslint-disable-next-line import/no-extraneous-dependencies
import { search } from '@aws-lambda-powertools/jmespath';
import { ddbClient, ddbEndpoint, jsonLines } from './support/local-stack';
import { docFiles, readDoc, readmeBlocks, synthesizeReadmeBlock } from './support/readme';
import { envelope, loadSample, StripeEventSample } from './support/stripe-samples';
import { LocalLambdaFunction } from '../src/cli/local/local-lambda';
import { createLocalTables } from '../src/cli/local/local-tables';
import { SynthesizedStack } from '../src/cli/local/synthesized-stack';
import { ENV_DYNAMODB_ENDPOINT } from '../src/contract/wrapper';

const quickstart = readmeBlocks().filter((b) => b.section === 'quickstart-ts');
const tsBlock = quickstart.find((b) => b.lang === 'ts')!;
const jsHandler = quickstart.find((b) => b.lang === 'js')!;

function synthesizeQuickstart(): string {
  return synthesizeReadmeBlock(tsBlock.code, {
    'handlers/orders.js': jsHandler.code,
    'handlers/memberships.js': 'exports.handler = async () => null;\n',
  }, 'quickstart');
}

test('the README has the quick start blocks this test runs', () => {
  expect(tsBlock).toBeDefined();
  expect(jsHandler).toBeDefined();
});

test('a misspelt event type fails synth with the message the README shows', () => {
  const sample = quickstart.find((b) => b.lang === 'text')!.code;
  const misspelt = tsBlock.code.replace("'checkout.session.completed':", "'checkout.sesion.completed':");
  expect(misspelt).not.toBe(tsBlock.code);
  expect(() => synthesizeReadmeBlock(misspelt, {}, 'quickstart-misspelt')).toThrow(expect.objectContaining({ message: sample }));
});

describe('the quick start, synthesized', () => {
  let cdkOut: string;
  beforeAll(() => {
    cdkOut = synthesizeQuickstart();
  });

  test('synthesizes without a warning: its alarms have a destination', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(cdkOut, 'manifest.json'), 'utf8'));
    const warnings = Object.values<any>(manifest.artifacts).flatMap((a) => Object.values<any[]>(a.metadata ?? {}).flat()).filter((e) => e.type === 'aws:cdk:warning');
    expect(warnings).toEqual([]);
  });

  test('the describe-stacks queries the docs give fetch the outputs this stack declares', () => {
    const template = SynthesizedStack.load(cdkOut, 'Payments').template as { Outputs: Record<string, { Value: unknown }> };
    // The queries live in docs/operations.md (redrive, reconcile): every docs file is searched.
    const docs = docFiles().map(readDoc).join('\n');
    const queries = [...docs.matchAll(/--stack-name (\S+) +(?:\\\n\s*)?--query "([^"]+)"/g)].map(([, stack, query]) => ({ stack, query }));
    expect(queries.length).toBeGreaterThanOrEqual(2);
    // What `aws cloudformation describe-stacks` answers for the deployed stack, one value per output.
    const described = { Stacks: [{ StackName: 'Payments', Outputs: Object.keys(template.Outputs).map((key) => ({ OutputKey: key, OutputValue: `value of ${key}` })) }] };
    for (const { stack, query } of queries) {
      expect(stack).toBe('Payments');
      const [key] = /OutputKey=='(\w+)'/.exec(query)!.slice(1);
      expect(search(query, described as any)).toEqual([`value of ${key}`]);
    }
    expect(Object.keys(template.Outputs).sort()).toEqual(['StripeArchiveArn', 'StripeDashboardUrl', 'StripeDeadLetterQueueUrl', 'StripeIdempotencyTableName']);
  });

  test('matches the snapshot (asset hashes masked)', () => {
    const stack = SynthesizedStack.load(cdkOut, 'Payments');
    expect(stack.template).toMatchSnapshot();
  });

  test("runs the README's handler once per Stripe event inside the synthesized Orders function", async () => {
    const stack = SynthesizedStack.load(cdkOut, 'Payments');
    const client = ddbClient();
    const tables = await createLocalTables(client, stack.tables, `readme-${Date.now()}-`);
    const orders = stack.functions.find((f) => f.name === 'Orders')!;
    const fn = new LocalLambdaFunction(
      stack.localSpec(orders, (logicalId) => tables[logicalId], { [ENV_DYNAMODB_ENDPOINT]: ddbEndpoint(), AWS_REGION: 'us-east-1' }),
    );
    try {
      const event = { ...loadSample<StripeEventSample>('checkout.session.completed__stripe-ruby-mock.json'), id: 'evt_1ReadmeQuickstart' };
      const first = await fn.invoke(envelope(event));
      const again = await fn.invoke(envelope(event));
      expect(first.error).toBeUndefined();
      expect(first.result).toEqual({ order: event.data.object.id });
      expect(again.result).toEqual(first.result);
      expect(jsonLines(first.logs).find((l) => l.outcome)?.outcome).toBe('processed');
      expect(jsonLines(again.logs).find((l) => l.outcome)?.outcome).toBe('duplicate');
    } finally {
      fn.close();
      client.destroy();
    }
  });
});
