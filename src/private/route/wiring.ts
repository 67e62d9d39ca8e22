/**
 * How a route wires its function: Lambda's asynchronous retries and on-failure destination, and the rule
 * that targets it (retries, dead-letter queue). Kept apart from StripeEventRoute, which composes them.
 */
import { Duration, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { invalid } from '../errors';
import type { EventTypeKey } from '../event-type-keys';
import { buildHandlerPattern, MAX_PATTERN_LENGTH } from '../rule-pattern';

export interface AsyncFailureSettings {
  readonly deadLetterQueue: sqs.IQueue;
  readonly lambdaRetryAttempts: number;
  readonly lambdaMaxEventAge: Duration;
}

/**
 * EventBridge invokes Lambda asynchronously, so the rule's DLQ only sees events it could not hand over;
 * a handler that fails or times out needs the function's own on-failure destination.
 */
export function configureAsyncFailures(
  route: Construct,
  handlerName: string,
  fn: lambda.IFunction,
  settings: AsyncFailureSettings,
  canGrant: boolean,
): void {
  if (fn instanceof lambda.Function && fn.node.tryFindChild('EventInvokeConfig')) {
    invalid(
      route,
      `handlers.${handlerName}: ${fn.node.path} already has an asynchronous invocation configuration; remove it: ` +
        'the integration sets Lambda retries and the on-failure dead-letter queue.',
    );
  }
  const queue = settings.deadLetterQueue;
  if (canGrant) {
    // Lambda sends an invocation record to an SQS destination with the function's role, which needs
    // sqs:SendMessage only (docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html).
    // Not SqsDestination, whose queue.grantSendMessages adds GetQueueAttributes and GetQueueUrl, which SDK
    // clients use to find a queue and Lambda does not: it is given the queue's ARN.
    queue.grant(fn, 'sqs:SendMessage');
    // A queue encrypted with a KMS key: what a producer needs of the key (SQS Developer Guide, key management).
    queue.encryptionMasterKey?.grant(fn, 'kms:GenerateDataKey', 'kms:Decrypt');
  }
  fn.configureAsyncInvoke({
    onFailure: { bind: () => ({ destination: queue.queueArn }) },
    retryAttempts: settings.lambdaRetryAttempts,
    maxEventAge: settings.lambdaMaxEventAge,
  });
}

export interface RuleSettings {
  readonly eventBus: events.IEventBus;
  readonly sourcePrefix: string;
  readonly detailFilter?: { [key: string]: any };
  readonly deadLetterQueue: sqs.IQueue;
  readonly retryAttempts: number;
  readonly maxEventAge: Duration;
  /** Add a statement for this rule to the queue's policy (false: the integration allows every rule on the bus). */
  readonly allowRuleToSendToDeadLetterQueue: boolean;
}

/** The route's rule: its event types on the bus, targeting the function with EventBridge's retries and the dead-letter queue. */
export function createRule(
  route: Construct,
  id: string,
  handlerName: string,
  fn: lambda.IFunction,
  keys: readonly EventTypeKey[],
  settings: RuleSettings,
): events.Rule {
  const { pattern, length } = buildHandlerPattern(settings.sourcePrefix, keys, settings.detailFilter);
  if (length > MAX_PATTERN_LENGTH) {
    invalid(
      route,
      `handlers: the rule for handler '${handlerName}' has an event pattern of ${length} characters, above EventBridge's limit of ${MAX_PATTERN_LENGTH}. ` +
        'Use a wildcard key (e.g. \'invoice.*\') instead of many exact types, split the handler, or shorten detailFilter.',
    );
  }
  const rule = new events.Rule(route, id, {
    eventBus: settings.eventBus,
    description: `Stripe ${keys.map((k) => k.key).join(', ')} events to handler ${handlerName}`.slice(0, 512),
    eventPattern: {
      source: pattern.source as string[],
      detailType: pattern['detail-type'] as string[] | undefined,
      detail: pattern.detail as Record<string, unknown> | undefined,
    },
  });
  const allowRule = settings.allowRuleToSendToDeadLetterQueue;
  rule.addTarget(
    new targets.LambdaFunction(fn, {
      // Given to the target, the queue also gets a policy statement for this rule (aws-events-targets lib/util.ts).
      deadLetterQueue: allowRule ? settings.deadLetterQueue : undefined,
      retryAttempts: settings.retryAttempts,
      maxEventAge: settings.maxEventAge,
    }),
  );
  if (!allowRule) {
    (rule.node.defaultChild as events.CfnRule).addPropertyOverride('Targets.0.DeadLetterConfig', { Arn: settings.deadLetterQueue.queueArn });
  }
  return rule;
}

/** The reserved concurrency of a function of this app, when set (a number, not a token). */
export function reservedConcurrency(fn: lambda.IFunction): number | undefined {
  if (!(fn instanceof lambda.Function)) return undefined;
  const value = (fn.node.defaultChild as lambda.CfnFunction).reservedConcurrentExecutions;
  return typeof value === 'number' && !Token.isUnresolved(value) ? value : undefined;
}
