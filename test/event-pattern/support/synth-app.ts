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
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { StripeEventBridgeIntegration, StripeEventBus, StripeEventDestination, StripeEventHandler, StripeEventPayload } from '../../../src';

const REPO = path.join(__dirname, '..', '..', '..');
export const EVENT_SOURCE = 'aws.partner/stripe.com/ed_61RbFxDsJ2cTpQk7b16RaKa7L4SQ0bVIVs1A8q06eRfY';
/** The partner event source of the thin app's thin destination. */
export const THIN_EVENT_SOURCE = 'aws.partner/stripe.com/ed_65RThinDestination1234567890';

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

/**
 * An app with both payload styles: `Platform`, an integration on a snapshot and a thin partner bus (a handler of the
 * snapshot type and its thin twin with a rule on each bus, thin-only handlers, and a `*` handler with a rule on each
 * bus whose patterns are the same: only the bus tells which events reach which); and `Connect`, whose two buses come
 * from StripeEventDestinations (their names are the destinations' outputs, so only the destinations tell the style).
 */
export function synthesizeThinApp(): string {
  const outdir = fs.mkdtempSync(path.join(REPO, '.tmp', 'pattern-synth-thin-'));
  const app = new App({ outdir });
  const env = { account: '123456789012', region: 'us-east-1' };
  const platform = new Stack(app, 'Platform', { env });
  const orders = handler('Orders');
  const everything = handler('Everything');
  new StripeEventBridgeIntegration(platform, 'Stripe', {
    eventBus: StripeEventBus.fromPartnerEventSource(EVENT_SOURCE),
    thinEventBus: StripeEventBus.fromPartnerEventSource(THIN_EVENT_SOURCE, { payload: StripeEventPayload.THIN }),
    handlers: {
      'checkout.session.completed': orders,
      'v1.checkout.session.completed': orders,
      'v2.core.account.*': handler('Accounts'),
      'v1.billing.meter.*': handler('Meters'),
      'v2.core.event_destination.ping': handler('Pings'),
      '*': everything,
    },
  });
  const connect = new Stack(app, 'Connect', { env });
  const key = secretsmanager.Secret.fromSecretNameV2(connect, 'Key', 'stripe/event-destinations');
  const snapshots = new StripeEventDestination(connect, 'Snapshots', { apiKeySecret: key });
  const thins = new StripeEventDestination(connect, 'Thins', { apiKeySecret: key, eventPayload: StripeEventPayload.THIN });
  const accounts = handler('Accounts');
  new StripeEventBridgeIntegration(connect, 'Stripe', {
    eventBus: StripeEventBus.fromDestination(snapshots),
    thinEventBus: StripeEventBus.fromDestination(thins),
    handlers: { 'account.updated': accounts, 'v2.core.account.updated': accounts },
  });
  app.synth();
  return outdir;
}
