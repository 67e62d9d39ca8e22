/**
 * StripeEventRoute on its own, without an integration: the rule, the wrapped function, its grants, Lambda's
 * retries and on-failure destination, and the checks of its own props (retry ranges, event types, detail filter).
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { StripeEventBridgeError, StripeEventRoute, StripeEventRouteProps } from '../../src';
import { WRAPPER_HANDLER } from '../../src/contract/wrapper';
import { inlineHandler, newStack, TEST_EVENT_SOURCE } from '../support/stacks';

function route(overrides: Partial<StripeEventRouteProps> = {}, stack: Stack = newStack()) {
  const bus = new events.EventBus(stack, 'Bus', { eventSourceName: TEST_EVENT_SOURCE });
  const table = new dynamodb.Table(stack, 'Table', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } });
  const queue = new sqs.Queue(stack, 'DeadLetters', { retentionPeriod: Duration.days(14) });
  const construct = new StripeEventRoute(stack, 'Orders', {
    handler: inlineHandler({ name: 'Orders' }),
    eventTypes: ['checkout.session.completed', 'checkout.session.expired'],
    eventBus: bus,
    idempotencyTable: table,
    deadLetterQueue: queue,
    ...overrides,
  });
  return { stack, route: construct, template: Template.fromStack(stack), bus, table, queue };
}

const ref = (stack: Stack, construct: { node: { defaultChild?: unknown } }) => ({ Ref: stack.getLogicalId(construct.node.defaultChild as any) });
const arn = (stack: Stack, construct: { node: { defaultChild?: unknown } }) => ({ 'Fn::GetAtt': [stack.getLogicalId(construct.node.defaultChild as any), 'Arn'] });

describe('with the defaults', () => {
  const { stack, route: r, template, bus, table, queue } = route();

  test('one rule on the bus: Stripe\'s source by prefix and the route\'s event types, targeting the function with EventBridge\'s maximum retries and the dead-letter queue', () => {
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: ref(stack, bus),
      EventPattern: {
        'source': [{ prefix: 'aws.partner/stripe.com/' }],
        'detail-type': ['checkout.session.completed', 'checkout.session.expired'],
      },
      Targets: [Match.objectLike({
        Arn: arn(stack, r.function as any),
        RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
        DeadLetterConfig: { Arn: arn(stack, queue) },
      })],
    });
  });

  test('Lambda retries a failed event twice for up to 6 hours, then sends it to the dead-letter queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 21600,
      DestinationConfig: { OnFailure: { Destination: arn(stack, queue) } },
    });
  });

  test('the wrapped function: the wrapper\'s handler, its environment, a log group kept three months', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: WRAPPER_HANDLER,
      Environment: {
        Variables: Match.objectLike({
          STRIPE_EB_USER_HANDLER: 'index.handler',
          STRIPE_EB_HANDLER_NAME: 'Orders',
          STRIPE_EB_IDEMPOTENCY_TABLE: ref(stack, table),
          STRIPE_EB_IDEMPOTENCY_KEY_PREFIX: 'TestStack.Orders',
          POWERTOOLS_METRICS_NAMESPACE: 'StripeEventBridge',
          STRIPE_EB_METRICS_INTEGRATION: 'TestStack/TestStack',
        }),
      },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: logs.RetentionDays.THREE_MONTHS });
  });

  test('the route\'s facts: handler name, key prefix, retries, a record lifetime derived from its retries and its queue', () => {
    expect(r.handlerName).toBe('Orders');
    expect(r.eventTypes).toEqual(['checkout.session.completed', 'checkout.session.expired']);
    expect(r.idempotencyKeyPrefix).toBe('TestStack.Orders');
    expect(r.lambdaMaxEventAge.toHours()).toBe(6);
    expect(r.handlerMetrics).toBe(false);
    // A dead-letter redrive, the longest the route knows: 3 days + 24 h + 6 h + 14 days + 6 h = 18.5 days, plus a day, rounded up.
    expect(r.recordLifetime.toDays()).toBe(20);
    const env = template.toJSON().Resources[stack.getLogicalId(r.function.node.defaultChild as any)].Properties.Environment.Variables;
    expect(env.STRIPE_EB_IDEMPOTENCY_TTL_SECONDS).toBe(String(20 * 86400));
  });

  test('warns that it assumed no archive replays to it', () => {
    Annotations.fromStack(stack).hasWarning('/TestStack/Orders', Match.stringLikeRegexp('no archive'));
  });

  test('grants the function what Powertools idempotency does on the table, and SendMessage on the queue', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], Resource: arn(stack, table) }),
          Match.objectLike({ Action: 'sqs:SendMessage', Resource: arn(stack, queue) }),
        ]),
      },
    });
  });
});

test('takes its retries, namespace, retention, detail filter and per-handler metrics', () => {
  const { template } = route({
    retryAttempts: 10,
    maxEventAge: Duration.hours(2),
    lambdaRetryAttempts: 0,
    lambdaMaxEventAge: Duration.minutes(30),
    metricsNamespace: 'Shop',
    logRetention: logs.RetentionDays.ONE_WEEK,
    detailFilter: { livemode: [true] },
    handlerMetrics: true,
  });
  template.hasResourceProperties('AWS::Events::Rule', {
    EventPattern: Match.objectLike({ detail: { livemode: [true] } }),
    Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 7200 } })],
  });
  template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 1800 });
  template.hasResourceProperties('AWS::Lambda::Function', {
    Environment: { Variables: Match.objectLike({ POWERTOOLS_METRICS_NAMESPACE: 'Shop', STRIPE_EB_HANDLER_METRICS: 'true' }) },
  });
  template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
});

describe('checks its own props, as an integration does', () => {
  test.each([
    [{ retryAttempts: 186 }, "retryAttempts: 186 is outside EventBridge's range of 0 to 185 retries."],
    [{ retryAttempts: 1.5 }, "retryAttempts: 1.5 is outside EventBridge's range of 0 to 185 retries."],
    [{ lambdaRetryAttempts: 3 }, "lambdaRetryAttempts: 3 is outside Lambda's range of 0 to 2 retries."],
    [{ maxEventAge: Duration.seconds(59) }, "maxEventAge: 59 seconds is outside EventBridge's range of 1 minute to 24 hours."],
    [{ maxEventAge: Duration.hours(25) }, "maxEventAge: 1 day 1 hour is outside EventBridge's range of 1 minute to 24 hours."],
    [{ lambdaMaxEventAge: Duration.hours(7) }, "lambdaMaxEventAge: 7 hours is outside Lambda's range of 1 minute to 6 hours."],
  ])('%o', (props, message) => {
    expect(() => route(props)).toThrow(message);
  });

  test('an empty eventTypes', () => {
    expect(() => route({ eventTypes: [] })).toThrow('[TestStack/Orders] eventTypes: a route needs at least one Stripe event type.');
  });

  test('an event type Stripe does not have, named as the route\'s prop', () => {
    expect(() => route({ eventTypes: ['checkout.session.complete'] })).toThrow(/eventTypes: 'checkout.session.complete' is not a Stripe event type \(did you mean 'checkout.session.completed'\?\)/);
  });

  test('unless allowUnknownEventTypes is set', () => {
    const { template } = route({ eventTypes: ['checkout.session.teleported'], allowUnknownEventTypes: true });
    template.hasResourceProperties('AWS::Events::Rule', { EventPattern: Match.objectLike({ 'detail-type': ['checkout.session.teleported'] }) });
  });

  test('a detail filter EventBridge would refuse', () => {
    expect(() => route({ detailFilter: { livemode: true } })).toThrow(/detailFilter\.livemode is true; EventBridge patterns list match values in arrays/);
  });

  test('every error is a StripeEventBridgeError', () => {
    expect(() => route({ retryAttempts: 186 })).toThrow(StripeEventBridgeError);
  });
});
