/** Synthesizes examples/babes-club in-process and creates its tables in DynamoDB Local from the template. */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { App } from 'aws-cdk-lib';
import { BabesClubStack } from '../../examples/babes-club/lib/babes-club-stack';
import { createLocalTables } from '../../src/cli/local/local-tables';
import { SynthesizedStack } from '../../src/cli/local/synthesized-stack';
import { putLatest } from '../../src/lambda/wrapper/latest-state-effect';
import type { StripeEffects, StripeEventBridgeContext } from '../../src/typed-events';

const TMP = path.join(__dirname, '..', '..', '.tmp');

export function synthesizeBabesClub(): SynthesizedStack {
  fs.mkdirSync(TMP, { recursive: true });
  const app = new App({ outdir: fs.mkdtempSync(path.join(TMP, 'babes-club-')) });
  new BabesClubStack(app, 'BabesClubPayments', { eventSourceName: 'aws.partner/stripe.com/ed_test_EXAMPLE' });
  return SynthesizedStack.load(app.synth().directory, 'BabesClubPayments');
}

/** Creates the stack's tables under a unique prefix; returns the commerce table's local name. */
export async function commerceTableFrom(stack: SynthesizedStack, client: DynamoDBClient): Promise<string> {
  const names = await createLocalTables(client, stack.tables, `bc-${Date.now()}-${Math.floor(Math.random() * 1e6)}-`);
  return names[stack.tables.find((t) => t.logicalId.startsWith('CommerceTable'))!.logicalId];
}

/**
 * A Lambda context whose `effects` commits the handler's writes directly, in one TransactWriteCommand and without an
 * idempotency record: how a handler that uses `context.effects` is unit-tested without the wrapper. For `putLatest`,
 * give the event: it runs the wrapper's own latest-state code over this client, with no Stripe API (an event that
 * cannot decide its order fails the test).
 */
// One context serves handlers of every event type key, each typed with its own: hence `any`.
export function directContext(event?: Record<string, any>): any {
  const client = new DynamoDBClient({});
  const db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const commit = async (TransactItems: any[], result: unknown) => {
    if (TransactItems.length > 0) await db.send(new TransactWriteCommand({ TransactItems }));
    return JSON.parse(JSON.stringify(result ?? null));
  };
  const effects = {
    transactWrite: async (input: { TransactItems: any[] }, result: unknown) => commit(input.TransactItems, result),
    putLatest: async (input: any, result?: unknown) => {
      if (!event) throw new Error('directContext(event): putLatest needs the event');
      const detail = event.detail;
      const { id, type, created, api_version: apiVersion, related_object: relatedObject } = detail;
      const facts = { id, type, created, apiVersion, relatedObject };
      return putLatest(facts, {
        commit,
        read: async (TableName, key) => (await client.send(new GetItemCommand({ TableName, Key: marshall(key), ConsistentRead: true }))).Item,
        fetch: async () => {
          throw new Error(`${detail.id} could not decide its order from the event (a tie): this unit test has no Stripe API to ask`);
        },
        token: () => randomUUID(),
        now: () => Date.now(),
      }, input, result);
    },
  } as unknown as StripeEffects;
  return { effects } as Partial<StripeEventBridgeContext>;
}
