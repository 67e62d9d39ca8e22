/**
 * The opt-in `reconciliation` of StripeEventBridgeIntegration: a scheduled function with the reconciliation
 * bundle, configured with each route's function and rule pattern, allowed only what the check reads (and,
 * with backfill, invokes), an EventsMissed alarm and an alarm for the check failing.
 */
import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { StripeEventBridgeIntegration, StripeEventBus, StripeEventPayload, StripeReconciliationOptions } from '../../src';
import { ENV_RECONCILE_CONFIG, ENV_RECONCILE_SECRET_ID } from '../../src/contract/reconcile';
import { inlineHandler, newStack, resourcesOf, TEST_EVENT_SOURCE } from '../support/stacks';

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe/read-events-AbCdEf';

function synth(options: Partial<StripeReconciliationOptions> | null = {}, extra: Record<string, unknown> = {}) {
  const stack = newStack();
  const integration = new StripeEventBridgeIntegration(stack, 'Stripe', {
    eventBus: StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE),
    handlers: { 'checkout.session.completed': inlineHandler({ name: 'Orders' }), 'charge.refunded': inlineHandler({ name: 'Refunds' }) },
    reconciliation: options === null ? undefined : { apiKeySecret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'ReadEventsKey', SECRET_ARN), ...options },
    ...extra,
  });
  const template = Template.fromStack(stack);
  const json = template.toJSON();
  const byPrefix = (prefix: string) => Object.keys(json.Resources).find((k) => new RegExp(`^${prefix}[0-9A-F]{8}$`).test(k))!;
  const reconcile = resourcesOf(template, 'AWS::Lambda::Function').filter(([, f]) => f.Properties.Environment?.Variables?.[ENV_RECONCILE_CONFIG]);
  const policy = (roleId: string) => resourcesOf(template, 'AWS::IAM::Policy').find(([, p]) => p.Properties.Roles[0].Ref === roleId)?.[1].Properties.PolicyDocument.Statement;
  return { stack, integration, template, json, byPrefix, reconcile, policy };
}

/** The configuration JSON with its references as `<Ref logicalId>`. */
function configOf(value: any): any {
  const parts = value['Fn::Join'][1] as unknown[];
  return JSON.parse(parts.map((p: any) => (typeof p === 'string' ? p : `<Ref ${p.Ref}>`)).join(''));
}

test('off by default: no reconciliation function', () => {
  const { reconcile, integration } = synth(null);
  expect(reconcile).toHaveLength(0);
  expect(integration.reconciliation).toBeUndefined();
});

test('a scheduled function with the reconciliation bundle, configured with each route\'s function and its rule\'s pattern', () => {
  const { reconcile, json, byPrefix, template } = synth();
  expect(reconcile).toHaveLength(1);
  const [[fnId, fn]] = reconcile;
  expect(fn.Properties).toMatchObject({ Handler: 'index.handler', Runtime: 'nodejs24.x', Architectures: ['arm64'], Timeout: 900 });
  const env = fn.Properties.Environment.Variables;
  expect(env[ENV_RECONCILE_SECRET_ID]).toBe(SECRET_ARN);
  expect(env.POWERTOOLS_SERVICE_NAME).toBe('Stripe.Reconciliation');
  const config = configOf(env[ENV_RECONCILE_CONFIG]);
  const orderRule = json.Resources[byPrefix('StripeOrdersRule')].Properties;
  expect(config).toEqual({
    routes: [
      { function: `<Ref ${byPrefix('StripeOrdersFunction')}>`, patterns: [orderRule.EventPattern] },
      { function: `<Ref ${byPrefix('StripeRefundsFunction')}>`, patterns: [json.Resources[byPrefix('StripeRefundsRule')].Properties.EventPattern] },
    ],
    eventSourceName: TEST_EVENT_SOURCE,
    windowSeconds: 3 * 86400,
    graceSeconds: 900,
    backfill: false,
    backfillLimit: 100,
  });
  const schedules = resourcesOf(template, 'AWS::Events::Rule').filter(([, r]) => r.Properties.ScheduleExpression);
  expect(schedules.map(([, r]) => [r.Properties.ScheduleExpression, r.Properties.Targets[0].Arn['Fn::GetAtt'][0]])).toEqual([['rate(1 hour)', fnId]]);
  // The next run is the retry.
  template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { FunctionName: { Ref: fnId }, MaximumRetryAttempts: 0 });
});

test('least privilege: the secret, the routes\' records (by key prefix) and the routes\' configurations; with backfill, invoke, its markers and a key-and-status Scan', () => {
  const check = (backfill: boolean) => {
    const { reconcile, byPrefix, policy } = synth({ backfill });
    const statements = policy(reconcile[0][1].Properties.Role['Fn::GetAtt'][0]);
    const fns = [byPrefix('StripeOrdersFunction'), byPrefix('StripeRefundsFunction')].map((id) => ({ 'Fn::GetAtt': [id, 'Arn'] }));
    const table = { 'Fn::GetAtt': [byPrefix('StripeIdempotencyTable'), 'Arn'] };
    const markers = ['stripe-eventbridge:backfill#TestStack/Stripe.Orders#*', 'stripe-eventbridge:backfill#TestStack/Stripe.Refunds#*'];
    expect(statements).toEqual([
      { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [byPrefix('StripeReconciliationLogGroup'), 'Arn'] } },
      { Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: SECRET_ARN },
      {
        Action: ['dynamodb:GetItem', 'dynamodb:BatchGetItem'],
        Effect: 'Allow',
        Resource: table,
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['TestStack/Stripe.Orders#*', 'TestStack/Stripe.Refunds#*', ...(backfill ? markers : [])] } },
      },
      { Action: 'lambda:GetFunctionConfiguration', Effect: 'Allow', Resource: fns },
      ...(backfill
        ? [
          { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: fns },
          // Markers only: a key outside them (a record) is refused.
          { Action: 'dynamodb:UpdateItem', Effect: 'Allow', Resource: table, Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': markers } } },
          {
            Action: 'dynamodb:Scan',
            Effect: 'Allow',
            Resource: table,
            Condition: { 'StringEquals': { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' }, 'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['id', 'status'] } },
          },
        ]
        : []),
    ]);
  };
  check(false);
  check(true);
});

test('with previousKeyScopes, it may read the records under the previous prefixes too (the wrapper\'s records of the earlier scope)', () => {
  const { reconcile, policy, integration } = synth({ backfill: true }, { idempotency: { previousKeyScopes: ['Stripe'] } });
  expect(integration.routes.map((r) => r.previousIdempotencyKeyPrefixes)).toEqual([['Stripe.Orders'], ['Stripe.Refunds']]);
  const read = policy(reconcile[0][1].Properties.Role['Fn::GetAtt'][0]).find((s: any) => s.Action?.includes?.('dynamodb:BatchGetItem'));
  expect(read.Condition['ForAllValues:StringLike']['dynamodb:LeadingKeys']).toEqual([
    'TestStack/Stripe.Orders#*',
    'TestStack/Stripe.Refunds#*',
    'Stripe.Orders#*',
    'Stripe.Refunds#*',
    'stripe-eventbridge:backfill#TestStack/Stripe.Orders#*',
    'stripe-eventbridge:backfill#TestStack/Stripe.Refunds#*',
  ]);
});

test('alarms: events missed (the last run\'s state until the next run) and the check failing, on the integration\'s topic', () => {
  const { integration, template, byPrefix, reconcile } = synth();
  const alarms = resourcesOf(template, 'AWS::CloudWatch::Alarm').filter(([id]) => id.startsWith('StripeReconciliation'));
  const topic = { Ref: byPrefix('StripeMonitoringAlarmTopic') };
  expect(alarms.map(([, a]) => a.Properties)).toEqual([
    expect.objectContaining({
      Namespace: 'StripeEventBridge',
      MetricName: 'EventsMissed',
      Dimensions: [{ Name: 'service', Value: 'Stripe.Reconciliation' }],
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'ignore',
      AlarmActions: [topic],
      OKActions: [topic],
      AlarmDescription: expect.stringContaining('npx stripe-eventbridge reconcile --stack <stack> --backfill'),
    }),
    expect.objectContaining({
      Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: { Ref: reconcile[0][0] } }], TreatMissingData: 'notBreaching',
    }),
  ]);
  expect(integration.alarms).toEqual(expect.arrayContaining(integration.reconciliation!.alarms));
  expect(integration.reconciliation!.metricEventsMissed().metricName).toBe('EventsMissed');
});

test('schedule, window, grace period and backfill are configurable; alarms follow the integration\'s alarms.enabled', () => {
  const { reconcile, template } = synth(
    { schedule: events.Schedule.cron({ minute: '7' }), window: Duration.days(1), gracePeriod: Duration.hours(1), backfill: true, backfillLimit: 10 },
    { alarms: { enabled: false } },
  );
  const config = configOf(reconcile[0][1].Properties.Environment.Variables[ENV_RECONCILE_CONFIG]);
  expect(config).toMatchObject({ windowSeconds: 86400, graceSeconds: 3600, backfill: true, backfillLimit: 10 });
  expect(resourcesOf(template, 'AWS::Events::Rule').map(([, r]) => r.Properties.ScheduleExpression).filter(Boolean)).toEqual(['cron(7 * * * ? *)']);
  expect(resourcesOf(template, 'AWS::CloudWatch::Alarm')).toHaveLength(0);
});

describe('mistakes fail synth with what to do', () => {
  test.each([
    ['a window beyond 30 days', { window: Duration.days(31) }, /Stripe\/Reconciliation.*window: 31 days is outside 1 hour to 30 days \(Stripe's Events API keeps 30 days of events\)/],
    ['a grace period as long as the window', { window: Duration.hours(2), gracePeriod: Duration.hours(2) }, /gracePeriod: 2 hours leaves nothing of the window \(2 hours\)/],
    ['a backfill limit of 0', { backfillLimit: 0 }, /backfillLimit: 0 is not a whole number of at least 1/],
  ])('%s', (_, options, message) => {
    expect(() => synth(options as Partial<StripeReconciliationOptions>)).toThrow(message);
  });

  test('more routes than a function environment (4 KB) can describe', () => {
    const handlers = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`invoice.type_${i}`, inlineHandler({ name: `H${i}` })]));
    expect(() => synth({}, { handlers, allowUnknownEventTypes: true })).toThrow(/the configuration of 30 routes takes about \d+ bytes, above Lambda's 4 KB/);
  });
});

describe('thin events: each rule\'s pattern under the payload style of its bus, and each bus\'s partner source', () => {
  const THIN_SOURCE = 'aws.partner/stripe.com/ed_test_61RbThinDsJ2cTpQk7b16RaKa7L4SQ0bVIVs1A8q06eRfY';
  const thinBus = () => StripeEventBus.fromPartnerEventSource(THIN_SOURCE, { payload: StripeEventPayload.THIN });

  test('two buses: a route on both has its Rule\'s pattern in patterns and its ThinRule\'s in thinPatterns; a thin-only route has patterns: []', () => {
    const orders = inlineHandler({ name: 'Orders' });
    const { reconcile, json, byPrefix } = synth({}, {
      thinEventBus: thinBus(),
      handlers: {
        'checkout.session.completed': orders,
        'v1.checkout.session.completed': orders,
        'v2.core.account.*': inlineHandler({ name: 'Accounts' }),
      },
    });
    const config = configOf(reconcile[0][1].Properties.Environment.Variables[ENV_RECONCILE_CONFIG]);
    const pattern = (prefix: string) => json.Resources[byPrefix(prefix)].Properties.EventPattern;
    expect(config.routes).toEqual([
      { function: `<Ref ${byPrefix('StripeOrdersFunction')}>`, patterns: [pattern('StripeOrdersRule')], thinPatterns: [pattern('StripeOrdersThinRule')] },
      { function: `<Ref ${byPrefix('StripeAccountsFunction')}>`, patterns: [], thinPatterns: [pattern('StripeAccountsRule')] },
    ]);
    expect(pattern('StripeOrdersThinRule')['detail-type']).toEqual(['v1.checkout.session.completed']);
    expect(config).toMatchObject({ eventSourceName: TEST_EVENT_SOURCE, thinEventSourceName: THIN_SOURCE });
  });

  test('a thin-only integration: no snapshot source, the thin bus\'s source for backfilled thin events', () => {
    const { reconcile } = synth({}, { eventBus: thinBus(), handlers: { 'v2.core.account.updated': inlineHandler({ name: 'Accounts' }) } });
    const config = configOf(reconcile[0][1].Properties.Environment.Variables[ENV_RECONCILE_CONFIG]);
    expect(config.eventSourceName).toBeUndefined();
    expect(config.thinEventSourceName).toBe(THIN_SOURCE);
    expect(config.routes[0].patterns).toEqual([]);
    expect(config.routes[0].thinPatterns[0]['detail-type']).toEqual(['v2.core.account.updated']);
  });
});
