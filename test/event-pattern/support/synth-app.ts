/**
 * A real cloud assembly to test `--synth` against: StripeEventBridgeIntegration synthesized with
 * `app.synth()` into .tmp/ (git-ignored). It has a top-level stack, a stage (its own nested cloud
 * assembly, as CDK Pipelines creates) and a nested stack with a rule of its own, so every place a rule
 * can be in a cloud assembly is covered.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, NestedStack, Stack, Stage } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { StripeEventBridgeIntegration, StripeEventBus, StripeEventHandler } from '../../../src';

const REPO = path.join(__dirname, '..', '..', '..');
export const EVENT_SOURCE = 'aws.partner/stripe.com/ed_61RbFxDsJ2cTpQk7b16RaKa7L4SQ0bVIVs1A8q06eRfY';

function handler(name: string): StripeEventHandler {
  return StripeEventHandler.fromCode({ code: lambda.Code.fromInline('exports.handler = async () => {}'), handler: 'index.handler', name });
}

function payments(scope: Construct, id: string): Stack {
  const stack = new Stack(scope, id, { env: { account: '123456789012', region: 'us-east-1' } });
  const memberships = handler('Memberships');
  new StripeEventBridgeIntegration(stack, 'Stripe', {
    eventBus: StripeEventBus.fromPartnerEventSource(EVENT_SOURCE),
    handlers: {
      'checkout.session.completed': handler('Orders'),
      'customer.subscription.*': memberships,
      'invoice.payment_failed': memberships,
      'charge.refunded': handler('Refunds'),
    },
  });
  return stack;
}

/** Synthesizes the app once per test file into a fresh directory; returns the cloud assembly path. */
export function synthesizeApp(): string {
  const outdir = fs.mkdtempSync(path.join(REPO, '.tmp', 'pattern-synth-'));
  const app = new App({ outdir });
  payments(app, 'Payments');
  const stage = new Stage(app, 'Prod');
  const prod = payments(stage, 'Payments');
  // A rule in a nested stack, on the default bus: it must be found, and never receives Stripe's events.
  const audit = new NestedStack(prod, 'Audit');
  const fn = new lambda.Function(audit, 'AuditFn', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {}'),
  });
  new events.Rule(audit, 'DisputeAudit', {
    eventPattern: { detailType: ['charge.dispute.created'] },
    targets: [new targets.LambdaFunction(fn)],
  });
  app.synth();
  return outdir;
}
