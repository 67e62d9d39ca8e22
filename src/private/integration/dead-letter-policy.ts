/**
 * Who may send to the dead-letter queue. Each rule target with a dead-letter queue adds a statement for its
 * own rule to the queue's policy (aws-events-targets lib/util.ts), but an SQS queue policy holds at most 20
 * statements and 8,192 bytes (docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-policies.html).
 * Up to MAX_RULE_STATEMENTS rules keep their own statement (besides the TLS-only deny); more share one
 * statement that allows the rules on the integration's bus, in this account and region.
 */
import { Aws, Stack } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sqs from 'aws-cdk-lib/aws-sqs';

/** Rules that keep a statement each: 15 of the 20 statements an SQS policy may hold, the rest for the queue's own. */
export const MAX_RULE_STATEMENTS = 15;

/** One statement: EventBridge may send to the queue from any rule on `bus` in this account. */
export function allowRulesOnBusToSendTo(queue: sqs.IQueue, bus: events.IEventBus): void {
  const stack = Stack.of(queue);
  const onDefaultBus = bus.eventBusName === 'default';
  // Rule ARNs: arn:<partition>:events:<region>:<account>:rule/<bus name>/<rule name>, or rule/<rule name> on the default bus.
  const rules = stack.formatArn({ service: 'events', resource: 'rule', resourceName: onDefaultBus ? '*' : `${bus.eventBusName}/*` });
  queue.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowStripeRulesOnTheBus',
      principals: [new iam.ServicePrincipal('events.amazonaws.com')],
      actions: ['sqs:SendMessage'],
      resources: [queue.queueArn],
      conditions: { ArnLike: { 'aws:SourceArn': rules }, StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
    }),
  );
}
