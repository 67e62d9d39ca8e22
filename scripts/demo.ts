/**
 * The main job without an AWS account: synthesizes a small integration (one handler for
 * checkout.session.completed), creates its tables in DynamoDB Local from the template, and delivers a real
 * Stripe sample to the synthesized function twice in different EventBridge envelopes — the wrapper and
 * handler as Lambda would load them from cdk.out. Prints each outcome; exits non-zero if the first
 * delivery is not processed or the second is not recognised as a duplicate.
 *
 *   npm run demo
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { StripeEventBridgeIntegration, StripeEventBus, StripeEventHandler } from '../src';
import { SynthesizedStack } from '../src/local/cloud-assembly';
import { LOCAL_AWS_ENV, startDynamoDbLocal } from '../src/local/dynamodb-local';
import { LocalLambdaFunction } from '../src/local/local-lambda';
import { createLocalTables } from '../src/local/local-tables';
import { ENV_DYNAMODB_ENDPOINT } from '../src/runtime/constants';

const ROOT = path.join(__dirname, '..');
const SAMPLE = path.join(ROOT, 'test', 'fixtures', 'data', 'stripe-events', 'checkout.session.completed__stripe-ruby-mock.json');
const SOURCE = 'aws.partner/stripe.com/ed_test_EXAMPLE';

function synthesize(outdir: string): string {
  const app = new App({ outdir });
  const stack = new Stack(app, 'StripeDemo');
  new StripeEventBridgeIntegration(stack, 'Stripe', {
    eventBus: StripeEventBus.fromPartnerEventSource(SOURCE),
    handlers: {
      'checkout.session.completed': StripeEventHandler.fromCode({
        code: lambda.Code.fromAsset(path.join(ROOT, 'test', 'fixtures', 'handlers')),
        handler: 'effect-counter.handler',
        name: 'Orders',
        environment: { BUSINESS_TABLE: 'demo-orders' },
      }),
    },
  });
  return app.synth().directory;
}

async function main(): Promise<number> {
  const work = path.join(ROOT, '.tmp', 'demo');
  fs.rmSync(work, { recursive: true, force: true });
  const cdkOut = synthesize(path.join(work, 'cdk.out'));
  const stack = SynthesizedStack.load(cdkOut, 'StripeDemo');
  console.log(`synthesized ${stack.stackName}: ${stack.functions.length} function(s), ${stack.rules.length} rule(s), ${stack.tables.length} table(s)`);

  const ddb = await startDynamoDbLocal();
  const client = new DynamoDBClient({ endpoint: ddb.endpoint, region: LOCAL_AWS_ENV.AWS_REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  let fn: LocalLambdaFunction | undefined;
  try {
    const tables = await createLocalTables(client, [
      ...stack.tables,
      // The demo handler's own business table.
      { logicalId: 'DemoOrders', properties: { TableName: 'demo-orders', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }] } },
    ]);
    console.log(`DynamoDB Local at ${ddb.endpoint}: created ${Object.values(tables).join(', ')}`);
    const orders = stack.functions.find((f) => f.name === 'Orders')!;
    fn = new LocalLambdaFunction(stack.localSpec(orders, (id) => tables[id], {
      ...LOCAL_AWS_ENV,
      [ENV_DYNAMODB_ENDPOINT]: ddb.endpoint,
      BUSINESS_TABLE_ENDPOINT: ddb.endpoint,
    }));

    const event = JSON.parse(fs.readFileSync(SAMPLE, 'utf8'));
    const envelope = () => ({
      'version': '0',
      'id': randomUUID(),
      'detail-type': event.type,
      'source': SOURCE,
      'account': '123456789012',
      'time': new Date(event.created * 1000).toISOString(),
      'region': 'us-east-1',
      'resources': [],
      'detail': event,
    });
    const outcomes: string[] = [];
    for (const delivery of [envelope(), envelope()]) {
      const out = await fn.invoke(delivery);
      const line = out.logs.map((l) => { try { return JSON.parse(l); } catch { return undefined; } }).find((l) => l?.outcome);
      outcomes.push(line?.outcome ?? 'unknown');
      console.log(`${delivery.id} → ${event.type} ${event.id} → ${line?.outcome ?? out.error?.message} ${JSON.stringify(out.result ?? null)}`);
    }
    const ok = outcomes[0] === 'processed' && outcomes[1] === 'duplicate';
    console.log(ok ? 'OK: processed once, the redelivery was a duplicate' : `FAILED: outcomes ${outcomes.join(', ')}`);
    return ok ? 0 : 1;
  } finally {
    fn?.close();
    client.destroy();
    await ddb.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
