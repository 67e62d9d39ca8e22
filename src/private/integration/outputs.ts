/**
 * The stack outputs a person needs to run the commands against a deployed integration: the dead-letter queue URL
 * (`stripe-eventbridge redrive --queue-url`), the idempotency table's name, the archive's ARN
 * (`aws events start-replay --event-source-arn`; a second one for the thin bus) and the dashboard's URL. They go on the top-level stack (the one
 * `cdk deploy` and `aws cloudformation describe-stacks` name), with logical ids a command can name:
 * `<integration id>DeadLetterQueueUrl`, e.g. `StripeDeadLetterQueueUrl` for an integration with id `Stripe`.
 * A fixed number per integration, whatever its handlers (CloudFormation allows 200 outputs per stack).
 */
import { CfnOutput, Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface OutputSources {
  readonly deadLetterQueue: sqs.IQueue;
  readonly idempotencyTable: dynamodb.ITable;
  readonly archive?: events.Archive;
  /** The archive of the thin bus, beside a snapshot bus. */
  readonly thinArchive?: events.Archive;
  readonly dashboard?: cloudwatch.Dashboard;
}

/** The output logical ids already taken, per top-level stack. */
const taken = new WeakMap<Stack, Set<string>>();

export function addIntegrationOutputs(integration: Construct, sources: OutputSources): void {
  const own = Stack.of(integration);
  let top = own;
  while (top.nestedStackParent) top = top.nestedStackParent;
  // In a nested stack, the outputs are declared on the top-level stack; CDK wires the values through the nested stack's outputs.
  const scope = top === own ? integration : new Construct(top, `${integration.node.path.replace(/[^A-Za-z0-9]/g, '')}Outputs`);
  const prefix = integration.node.id.replace(/[^A-Za-z0-9]/g, '');
  const used = taken.get(top) ?? new Set<string>();
  taken.set(top, used);
  const subject = `the Stripe integration ${integration.node.path}`;

  const output = (id: string, value: string, description: string) => {
    const out = new CfnOutput(scope, id, { value, description });
    // Two integrations with the same id in one stack: the second keeps CDK's own (hashed, still stable) logical id.
    const logicalId = `${prefix}${id}`;
    if (!used.has(logicalId)) {
      used.add(logicalId);
      out.overrideLogicalId(logicalId);
    }
  };

  output('DeadLetterQueueUrl', sources.deadLetterQueue.queueUrl,
    `Dead-letter queue of ${subject}: npx stripe-eventbridge redrive --queue-url <this URL> --dry-run`);
  output('IdempotencyTableName', sources.idempotencyTable.tableName, `Idempotency table (Powertools schema) of ${subject}`);
  if (sources.archive) {
    output('ArchiveArn', sources.archive.archiveArn, `Archive of the Stripe events of ${subject}: aws events start-replay --event-source-arn <this ARN>`);
  }
  if (sources.thinArchive) {
    output('ThinArchiveArn', sources.thinArchive.archiveArn, `Archive of the Stripe thin events of ${subject}: aws events start-replay --event-source-arn <this ARN>`);
  }
  if (sources.dashboard) {
    const region = Stack.of(sources.dashboard).region;
    // The CloudWatch console's link to a dashboard by name (commercial partition).
    output('DashboardUrl', `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards:name=${sources.dashboard.dashboardName}`,
      `CloudWatch dashboard of ${subject}`);
  }
}
