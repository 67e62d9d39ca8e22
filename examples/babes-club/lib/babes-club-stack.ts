import * as path from 'node:path';
import { AssetHashType, CfnOutput, DockerImage, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { buildSync } from 'esbuild';
import { Construct } from 'constructs';
import { StripeEventBridgeIntegration, StripeEventBus, StripeEventHandler, StripeLivemode } from '@babes/stripe-eventbridge';

export interface BabesClubStackProps extends StackProps {
  /** The Stripe partner event source to accept (`aws.partner/stripe.com/ed_…`). */
  readonly eventSourceName?: string;
  /** Another bus instead, e.g. a custom bus for an integration test (partner buses refuse PutEvents). */
  readonly eventBus?: StripeEventBus;
  /** Who gets the alarms. @default the payments on-call address */
  readonly alarmEmails?: string[];
  /** What happens to the commerce table when it leaves the stack. @default RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * The name of the Secrets Manager secret holding a restricted Stripe key with read access to subscriptions, which the
   * memberships handler uses when an event cannot prove its order and Stripe decides (create it once:
   * `aws secretsmanager create-secret --name babes-club/stripe-read-key --secret-string rk_live_…`).
   * @default 'babes-club/stripe-read-key'
   */
  readonly stripeReadKeySecretName?: string;
}

/** The payments on-call rota, subscribed to the integration's alarm topic (each address confirms once). */
const ONCALL_EMAIL = 'payments-oncall@thebabesclub.example';

const HANDLERS = path.join(__dirname, '..', 'handlers');

/** The handlers, bundled at synth time with esbuild (no Docker); `@aws-sdk/*` comes with the Lambda runtime. */
function handlersCode(): lambda.Code {
  return lambda.Code.fromAsset(HANDLERS, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22'),
      local: {
        tryBundle(outputDir: string): boolean {
          buildSync({
            entryPoints: [path.join(HANDLERS, 'index.ts')],
            outfile: path.join(outputDir, 'index.js'),
            bundle: true,
            platform: 'node',
            target: 'node22',
            format: 'cjs',
            external: ['@aws-sdk/*'],
            logLevel: 'error',
          });
          return true;
        },
      },
    },
  });
}

/**
 * The Babes Club's payments back end: a single-table "commerce" table (PK/SK) and the Stripe events that
 * write it — orders from Checkout, refunds, memberships from subscriptions.
 */
export class BabesClubStack extends Stack {
  public readonly commerceTable: dynamodb.Table;
  public readonly stripe: StripeEventBridgeIntegration;

  constructor(scope: Construct, id: string, props: BabesClubStackProps) {
    super(scope, id, props);

    this.commerceTable = new dynamodb.Table(this, 'CommerceTable', {
      partitionKey: { name: 'PK', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'SK', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    // Beside the integration's own outputs (dead-letter queue, idempotency table, archive): the shop's table, for
    // `aws dynamodb get-item` and the like after a deploy.
    new CfnOutput(this, 'CommerceTableName', {
      value: this.commerceTable.tableName,
      description: 'The commerce table (orders, checkout sessions, memberships; PK/SK) the Stripe handlers write',
    });

    const code = handlersCode();
    const environment = { COMMERCE_TABLE: this.commerceTable.tableName };
    const handler = (name: string, exportName: string, stripeApiKeySecret?: secretsmanager.ISecret) =>
      StripeEventHandler.fromCode({ code, handler: `index.${exportName}`, name, environment, stripeApiKeySecret });
    // Memberships keep each subscription's latest state (context.effects.putLatest): when two events of one second
    // cannot tell which is newer, the handler asks Stripe, with this key (read once per execution environment).
    const readKey = secretsmanager.Secret.fromSecretNameV2(this, 'StripeReadKey', props.stripeReadKeySecretName ?? 'babes-club/stripe-read-key');

    const checkoutPaid = handler('CheckoutPaid', 'checkoutPaid');
    const checkoutClosed = handler('CheckoutClosed', 'checkoutClosed');
    const memberships = handler('Memberships', 'subscriptionChanged', readKey);

    this.stripe = new StripeEventBridgeIntegration(this, 'Stripe', {
      eventBus: props.eventBus ?? StripeEventBus.fromPartnerEventSource(props.eventSourceName ?? 'aws.partner/stripe.com/ed_test_EXAMPLE'),
      livemode: StripeLivemode.ALL,
      handlers: {
        'checkout.session.completed': checkoutPaid,
        'checkout.session.async_payment_succeeded': checkoutPaid,
        'checkout.session.expired': checkoutClosed,
        'checkout.session.async_payment_failed': checkoutClosed,
        'charge.refunded': handler('Refunds', 'chargeRefunded'),
        'customer.subscription.*': memberships,
        'invoice.payment_failed': handler('InvoicePaymentFailed', 'invoicePaymentFailed'),
      },
      alarms: { emailAddresses: props.alarmEmails ?? [ONCALL_EMAIL] },
    });

    // Each handler reads and writes items; none deletes or scans.
    for (const { function: fn } of this.stripe.routes) {
      this.commerceTable.grant(fn, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem');
    }
  }
}
