/**
 * The app the chaos run drives: The Babes Club (examples/babes-club, Node.js handlers writing the commerce table)
 * and beside it, on the same bus and the same idempotency table, a second integration, `Ledger`, whose Python handler
 * (bench/chaos/handlers/ledger.py) keeps a ledger entry per refund in a table of its own, and swallows every error
 * the wrapper raises in it. Each refund is thus processed twice, by a Node.js and a Python handler under two key
 * prefixes, each exactly once.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { BabesClubStack } from '../../examples/babes-club/lib/babes-club-stack';
import { StripeEventBridgeIntegration, StripeEventBus, StripeEventHandler } from '../../src';
import { SynthesizedStack } from '../../src/cli/local/synthesized-stack';

const HANDLERS = path.join(__dirname, 'handlers');
const TMP = path.join(__dirname, '..', '..', '.tmp');

/** The Ledger integration's handler. */
export const LEDGER_HANDLER = 'RefundLedger';

export function synthesizeChaosApp(): SynthesizedStack {
  fs.mkdirSync(TMP, { recursive: true });
  const app = new App({ outdir: fs.mkdtempSync(path.join(TMP, 'chaos-app-')) });
  const stack = new BabesClubStack(app, 'BabesClubPayments', { eventSourceName: 'aws.partner/stripe.com/ed_test_EXAMPLE' });
  const ledger = new dynamodb.Table(stack, 'LedgerTable', {
    partitionKey: { name: 'PK', type: dynamodb.AttributeType.STRING },
    sortKey: { name: 'SK', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const code = lambda.Code.fromAsset(HANDLERS, { exclude: ['__pycache__'] });
  const environment = { LEDGER_TABLE: ledger.tableName };
  const integration = new StripeEventBridgeIntegration(stack, 'Ledger', {
    eventBus: StripeEventBus.fromEventBus(stack.stripe.eventBus),
    // Its events come back in the Babes Club archive's replays (the rules share the bus): its records live as long.
    idempotency: { table: stack.stripe.idempotencyTable, recordLifetime: stack.stripe.recordLifetime },
    handlers: {
      'charge.refunded': StripeEventHandler.fromPythonCode({ code, handler: 'ledger.handler', name: LEDGER_HANDLER, environment }),
    },
    archive: { enabled: false },
    alarms: { enabled: false },
  });
  for (const { function: fn } of integration.routes) ledger.grant(fn, 'dynamodb:UpdateItem');
  return SynthesizedStack.load(app.synth().directory, 'BabesClubPayments');
}
