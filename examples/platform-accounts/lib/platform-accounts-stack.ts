import * as path from 'node:path';
import { AssetHashType, CfnOutput, DockerImage, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { buildSync } from 'esbuild';
import { Construct } from 'constructs';
import { StripeEventBridgeIntegration, StripeEventBus, StripeEventHandler, StripeEventPayload } from '@babes/stripe-eventbridge';

export interface PlatformAccountsStackProps extends StackProps {
  /** The partner event source of the thin event destination (`aws.partner/stripe.com/ed_…`). */
  readonly eventSourceName: string;
  /** The name of the Secrets Manager secret holding a restricted key with Read on Accounts (`rk_…`, plain text). */
  readonly readKeySecretName: string;
  /** Who gets the alarms. @default the platform on-call address */
  readonly alarmEmails?: string[];
  /** What happens to the accounts table when it leaves the stack. @default RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

const ONCALL_EMAIL = 'platform-oncall@example.com';
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
 * A platform's table of connected accounts (Stripe Accounts v2), kept in sync from thin events: each event says which
 * account changed, and its handler fetches the account as it is now, with `context.stripe`, and writes it with
 * `context.effects` (one DynamoDB transaction with the event's idempotency record: exactly once).
 */
export class PlatformAccountsStack extends Stack {
  public readonly accountsTable: dynamodb.Table;
  public readonly stripe: StripeEventBridgeIntegration;

  constructor(scope: Construct, id: string, props: PlatformAccountsStackProps) {
    super(scope, id, props);

    this.accountsTable = new dynamodb.Table(this, 'ConnectedAccountsTable', {
      partitionKey: { name: 'accountId', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    new CfnOutput(this, 'ConnectedAccountsTableName', {
      value: this.accountsTable.tableName,
      description: 'The connected accounts (accountId) the Stripe handlers keep in sync',
    });

    const code = handlersCode();
    const environment = { ACCOUNTS_TABLE: this.accountsTable.tableName };
    const accounts = StripeEventHandler.fromCode({ code, handler: 'index.accountChanged', name: 'Accounts', environment });
    const requirements = StripeEventHandler.fromCode({ code, handler: 'index.requirementsChanged', name: 'Requirements', environment });

    this.stripe = new StripeEventBridgeIntegration(this, 'Stripe', {
      // Thin events only: the platform's destination sends Accounts v2 events, which exist only as thin events.
      eventBus: StripeEventBus.fromPartnerEventSource(props.eventSourceName, { payload: StripeEventPayload.THIN }),
      // What context.stripe authenticates with: read access to Accounts, nothing else.
      stripeApiKeySecret: secretsmanager.Secret.fromSecretNameV2(this, 'StripeReadKey', props.readKeySecretName),
      handlers: {
        // created, updated, closed (not the bracketed types: the wildcard's `.` after `account` is literal).
        'v2.core.account.*': accounts,
        'v2.core.account[requirements].updated': requirements,
      },
      alarms: { emailAddresses: props.alarmEmails ?? [ONCALL_EMAIL] },
    });

    // Each handler reads and writes account items; none deletes or scans.
    for (const { function: fn } of this.stripe.routes) {
      this.accountsTable.grant(fn, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem');
    }
  }
}
