/**
 * Who may send to the dead-letter queue. Each rule target with a dead-letter queue adds a statement for its
 * own rule to the queue's policy (aws-events-targets lib/util.ts), but an SQS queue policy holds at most 20
 * statements and 8,192 bytes (docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-policies.html).
 * Up to MAX_RULE_STATEMENTS rules keep their own statement (besides the TLS-only deny); more share one
 * statement per bus that allows the rules on the integration's bus (or each of its two buses), in this account
 * and region.
 */
import { Aws, Stack, Tags } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';

/** Rules that keep a statement each: 15 of the 20 statements an SQS policy may hold, the rest for the queue's own. */
export const MAX_RULE_STATEMENTS = 15;

/** The ARNs of every rule on `bus`, as a pattern. */
function rulesOnBus(stack: Stack, bus: events.IEventBus): string {
  const onDefaultBus = bus.eventBusName === 'default';
  // Rule ARNs: arn:<partition>:events:<region>:<account>:rule/<bus name>/<rule name>, or rule/<rule name> on the default bus.
  return stack.formatArn({ service: 'events', resource: 'rule', resourceName: onDefaultBus ? '*' : `${bus.eventBusName}/*` });
}

/**
 * One statement: EventBridge may send to the queue from any rule on `bus` in this account.
 * @param sidSuffix tells apart the statements of an integration's second bus (a policy's Sids are unique)
 */
export function allowRulesOnBusToSendTo(queue: sqs.IQueue, bus: events.IEventBus, sidSuffix = ''): void {
  const rules = rulesOnBus(Stack.of(queue), bus);
  queue.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: `AllowStripeRulesOnTheBus${sidSuffix}`,
      principals: [new iam.ServicePrincipal('events.amazonaws.com')],
      actions: ['sqs:SendMessage'],
      resources: [queue.queueArn],
      conditions: { ArnLike: { 'aws:SourceArn': rules }, StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
    }),
  );
}

/**
 * The tag that marks an IAM role as a sender to the integration's dead-letter queue: the handlers' roles, which
 * Lambda uses to send a failed asynchronous invocation's record to the on-failure destination
 * (docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html: the execution role needs
 * sqs:SendMessage). A role's tags are its sessions' `aws:PrincipalTag`s
 * (docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html).
 */
export const DEAD_LETTER_SENDER_TAG = 'stripe-eventbridge:dead-letter-sender';

/**
 * Lets no one but EventBridge (the rules on the integration's bus) and the handlers' roles send to the queue the
 * integration created: anyone else with sqs:SendMessage in the account (a broad role, another function) could plant
 * a message that the redrive would act on. One Deny, whatever the number of handlers: a principal is refused when
 * the request comes neither from a rule on the integration's buses (`aws:SourceArn`, set by EventBridge,
 * docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html) nor from a role tagged as a sender of this
 * queue. A key absent from the request makes a negated condition true (IAM condition operators,
 * docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html), and both must hold.
 *
 * Done only when every handler's role is a role of this app that can be tagged: a function imported without its
 * role, or with an imported role, needs the user's own grant, which the Deny would override. The handlers
 * themselves can still send (Lambda sends with their role): the redrive verifies each body with Stripe.
 */
export function restrictDeadLetterSenders(
  queue: sqs.IQueue,
  buses: ReadonlyArray<events.IEventBus>,
  roles: ReadonlyArray<iam.IRole | undefined>,
): boolean {
  if (!(queue instanceof sqs.Queue) || roles.some((r) => !(r?.node.defaultChild instanceof iam.CfnRole))) return false;
  const value = queue.node.addr;
  const rules = buses.map((bus) => rulesOnBus(Stack.of(queue), bus));
  for (const role of roles) Tags.of(role!).add(DEAD_LETTER_SENDER_TAG, value);
  queue.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'OnlyTheStripeRulesAndHandlersSend',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['sqs:SendMessage'],
      resources: [queue.queueArn],
      conditions: {
        // With several values (a snapshot and a thin bus), a negated operator holds when the key matches none of them
        // (IAM condition operators).
        ArnNotLike: { 'aws:SourceArn': rules.length === 1 ? rules[0] : rules },
        StringNotEquals: { [`aws:PrincipalTag/${DEAD_LETTER_SENDER_TAG}`]: value },
      },
    }),
  );
  return true;
}
