/** Synthesizes examples/babes-club in-process and creates its tables in DynamoDB Local from the template. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { App } from 'aws-cdk-lib';
import { BabesClubStack } from '../../examples/babes-club/lib/babes-club-stack';
import { createLocalTables } from '../../src/cli/local/local-tables';
import { SynthesizedStack } from '../../src/cli/local/synthesized-stack';
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
 * A Lambda context whose `effects` commits the handler's writes directly, in one TransactWriteCommand and
 * without an idempotency record: how a handler that uses `context.effects` is unit-tested without the wrapper.
 */
export function directContext(): StripeEventBridgeContext {
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
  const effects: StripeEffects = {
    transactWrite: async (input, result) => {
      await db.send(new TransactWriteCommand(input));
      return JSON.parse(JSON.stringify(result ?? null));
    },
  };
  return { effects } as unknown as StripeEventBridgeContext;
}
