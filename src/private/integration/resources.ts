/** The shared resources an integration creates unless given its own: idempotency table, dead-letter queue, archive. */
import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { INTEGRATION_DEFAULTS } from '../defaults';
import { acknowledgeNagFindings } from '../nag-acknowledgements';

export function createIdempotencyTable(scope: Construct, removalPolicy: RemovalPolicy | undefined): dynamodb.ITable {
  // The Powertools idempotency schema: partition key `id`, TTL on `expiration` (epoch seconds).
  return new dynamodb.Table(scope, 'IdempotencyTable', {
    partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
    timeToLiveAttribute: 'expiration',
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    removalPolicy: removalPolicy ?? INTEGRATION_DEFAULTS.removalPolicy,
  });
}

/** Retained by default: the failed events in it, with their reasons, outlive the stack. */
export function createDeadLetterQueue(scope: Construct, removalPolicy: RemovalPolicy | undefined): sqs.IQueue {
  const queue = new sqs.Queue(scope, 'DeadLetterQueue', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: INTEGRATION_DEFAULTS.deadLetterQueueRetention,
    removalPolicy: removalPolicy ?? INTEGRATION_DEFAULTS.removalPolicy,
  });
  // cdk-nag's AwsSolutions-SQS3 asks every queue to have a DLQ unless it is one; it cannot see that this
  // queue is the target of DeadLetterConfig and on-failure destinations.
  acknowledgeNagFindings(queue, [
    { id: 'AwsSolutions-SQS3', reason: 'This queue is the dead-letter queue of the integration\'s rule targets and of its functions\' on-failure destinations.' },
  ]);
  return queue;
}

export function createArchive(
  scope: Construct,
  id: string,
  eventBus: events.IEventBus,
  sourcePrefix: string,
  retention: Duration,
  removalPolicy: RemovalPolicy | undefined,
): events.Archive {
  const archive = new events.Archive(scope, id, {
    sourceEventBus: eventBus,
    // Only Stripe's events: the same source prefix as the rules.
    eventPattern: { source: [{ prefix: sourcePrefix }] as unknown as string[] },
    retention,
    description: 'Stripe events, for replay after a bug fix (Stripe cannot resend events to EventBridge)',
  });
  // Retained by default: the only source of a replay, since Stripe cannot resend events to EventBridge.
  archive.applyRemovalPolicy(removalPolicy ?? INTEGRATION_DEFAULTS.removalPolicy);
  // aws-cdk-lib renders `KmsKeyIdentifier: ""` without a key, which some regions reject
  // (github.com/aws/aws-cdk/issues/37847): leave the property out so the AWS-owned key is used.
  (archive.node.defaultChild as events.CfnArchive).addPropertyDeletionOverride('KmsKeyIdentifier');
  return archive;
}
