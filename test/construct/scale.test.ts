/**
 * 300 handlers on one bus (examples/many-handlers, the most rules a bus allows): every template within
 * CloudFormation's limits, one deployment (nested stacks of the one stack), a fixed number of alarms covering every
 * failure path and a dashboard within the free tier's 50 metrics (it and examples/babes-club); small
 * apps keep their layout; an app over a limit fails `cdk synth` with this library's message. cfn-lint on these
 * templates and the docs' cost figures (which the CLI prints) are in scale.integration.test.ts: they start processes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, CfnResource, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import { synthManyHandlers, synthScaleApps } from './scale-apps';
import { ManyHandlersStack } from '../../examples/many-handlers/lib/many-handlers-stack';
import { StripeEventBridgeIntegration, StripeEventBus, StripeEventHandler, StripeRoutePlacement } from '../../src';
import { metricsOnDashboard } from '../../src/cli/cost/fixed-cost';
import { readCloudAssembly } from '../../src/cloud-assembly/cloud-assembly';
import { readDashboard } from '../support/dashboard';
import { readmeBlocks } from '../support/readme';
import { inlineHandler, newStack, resourcesOf, TEST_EVENT_SOURCE } from '../support/stacks';

const OUT = path.join(__dirname, '..', '..', '.tmp', 'scale-test');

let result: ReturnType<typeof synthScaleApps>;
beforeAll(() => {
  result = synthScaleApps(OUT);
}, 180_000);

describe('300 handlers, each its own event type and rule, on one bus', () => {
  test('every template holds at most 500 resources, 200 parameters and 200 outputs, in at most 1 MB', () => {
    expect(result.templates.length).toBeGreaterThan(1);
    for (const t of result.templates) {
      const body = t.template as Record<string, Record<string, unknown> | undefined>;
      expect(Object.keys(t.resources).length).toBeLessThanOrEqual(500);
      expect(Object.keys(body.Parameters ?? {}).length).toBeLessThanOrEqual(200);
      expect(Object.keys(body.Outputs ?? {}).length).toBeLessThanOrEqual(200);
      expect(fs.statSync(path.join(OUT, '300', `${t.name}.template.json`)).size).toBeLessThanOrEqual(1024 * 1024);
    }
  });

  test('one stack to deploy: the routes are in its nested stacks, 300 functions and 300 rules', () => {
    const top = result.templates.filter((t) => t.artifactId !== undefined);
    expect(top.map((t) => t.name)).toEqual(['ManyHandlers']);
    const nested = Object.values(top[0].resources).filter((r) => r.Type === 'AWS::CloudFormation::Stack');
    expect(nested.length).toBe(result.stack.stripe.nestedStacks.length);
    expect(nested.length).toBeLessThanOrEqual(16);
    const count = (type: string) => result.templates.flatMap((t) => Object.values(t.resources)).filter((r) => r.Type === type).length;
    expect(count('AWS::Lambda::Function')).toBe(300);
    expect(count('AWS::Events::Rule')).toBe(300);
    // One wrapper layer, in the top-level stack, shared by every nested stack.
    expect(count('AWS::Lambda::LayerVersion')).toBe(1);
  });

  test('the same fixed set of 11 alarms as an integration with one handler', () => {
    const alarms = result.templates.flatMap((t) => Object.values(t.resources)).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(11);
    expect(result.stack.stripe.alarms).toHaveLength(11);
  });

  test('the dead-letter queue allows the rules on the bus with one statement (an SQS policy holds at most 20)', () => {
    const policy = Object.values(result.templates[0].resources).find((r) => r.Type === 'AWS::SQS::QueuePolicy')!;
    const statements = policy.Properties!.PolicyDocument.Statement;
    expect(statements.length).toBeLessThanOrEqual(20);
    const allow = statements.find((s: any) => s.Sid === 'AllowStripeRulesOnTheBus');
    expect(allow).toMatchObject({ Effect: 'Allow', Action: 'sqs:SendMessage', Principal: { Service: 'events.amazonaws.com' } });
    expect(JSON.stringify(allow.Condition.ArnLike['aws:SourceArn'])).toContain(':rule/');
  });

  test('the dashboard of 300 handlers has the widgets and metrics of 6 handlers: no graph per handler, the top 10s name those that fail', () => {
    const dashboardIn = (templates: ReturnType<typeof readCloudAssembly>) => {
      const dashboards = templates.flatMap((t) => Object.values(t.resources)).filter((r) => r.Type === 'AWS::CloudWatch::Dashboard');
      expect(dashboards).toHaveLength(1);
      return readDashboard(dashboards[0].Properties!.DashboardBody);
    };
    const many = dashboardIn(result.templates);
    const six = dashboardIn(synthManyHandlers(6, path.join(OUT, '6')).templates);
    expect(many.titles).toEqual(six.titles);
    expect(many.metrics).toBe(six.metrics);
    expect(many.metrics).toBeLessThanOrEqual(50);
    expect(many.titles.some((t) => /^Handler\d+: /.test(t))).toBe(false);
    expect(JSON.stringify(many.json)).toContain('### 300 handlers: the top 10s above name those that fail');
  });

  // Last in this describe: it adds a rule to the app the tests above read.
  test('300 rules are the most a bus allows: one rule more, whoever owns it, fails cdk synth, naming the integration', () => {
    const stack = result.stack;
    new events.Rule(stack, 'Audit', { eventBus: stack.stripe.eventBus, eventPattern: { source: [{ prefix: 'aws.partner/stripe.com/' }] as any } });
    expect(() => (stack.node.root as App).synth({ force: true })).toThrow(
      "[ManyHandlers/Stripe] handlers: this app puts 301 rules on the event bus 'aws.partner/stripe.com/ed_test_EXAMPLE'; EventBridge allows 300 per bus by default. " +
        'Rules by construct: ManyHandlers/Stripe: 300, other rules: 1. Share handlers between event types',
    );
  });
});

describe.each([
  ['examples/babes-club', () => readCloudAssembly(path.join(OUT, 'babes-club'))],
  ['300 handlers', () => result.templates],
])('%s: every failure path alarmed, with at most 12 alarms, and a dashboard', (_, templates) => {
  const resources = () => templates().flatMap((t) => Object.values(t.resources));
  /** Each alarm's one metric: its metric name, or the Metrics Insights query it evaluates (references read as REF). */
  const watched = () => resources().filter((r) => r.Type === 'AWS::CloudWatch::Alarm').map((a) => {
    const p = a.Properties!;
    if (p.MetricName) return `${p.Namespace} ${p.MetricName}`;
    const expressions = p.Metrics.filter((m: any) => m.Expression).map((m: any) =>
      typeof m.Expression === 'string' ? m.Expression : m.Expression['Fn::Join'][1].map((x: unknown) => (typeof x === 'string' ? x : 'REF')).join(''));
    return expressions.join('; ') || p.Metrics.map((m: any) => `${m.MetricStat.Metric.Namespace} ${m.MetricStat.Metric.MetricName}`).join('; ');
  });

  test('at most 12 alarms, four of them Metrics Insights queries over every rule and every function', () => {
    const alarms = watched();
    expect(alarms.length).toBeLessThanOrEqual(12);
    const onBus = (m: string) => `SELECT SUM(${m}) FROM SCHEMA("AWS/Events", EventBusName, RuleName) WHERE EventBusName = 'REF'`;
    expect(alarms).toEqual(expect.arrayContaining([
      onBus('InvocationsFailedToBeSentToDlq'),
      onBus('FailedInvocations'),
      onBus('ThrottledRules'),
      'SELECT SUM(DestinationDeliveryFailures) FROM SCHEMA("AWS/Lambda", FunctionName)',
    ]));
  });

  test('one dashboard, of at most 50 metrics (the free tier\'s bound)', () => {
    const dashboards = resources().filter((r) => r.Type === 'AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    expect(metricsOnDashboard(dashboards[0].Properties!.DashboardBody)).toBeLessThanOrEqual(50);
  });
});

test('a route stays in its nested stack when handlers are added (stacks are chosen by handler name)', () => {
  const placement = (n: number) => {
    const app = new App();
    const stack = new ManyHandlersStack(app, 'ManyHandlers', { handlers: n });
    return new Map(stack.stripe.routes.map((r) => [r.handlerName, Stack.of(r).node.id]));
  };
  const before = placement(100);
  const after = placement(101);
  for (const [name, stackId] of before) expect(after.get(name)).toBe(stackId);
});

describe('small apps keep their layout', () => {
  test('an app with a few handlers (up to 25) keeps them in the integration\'s stack, with the logical ids of earlier releases', () => {
    const stack = newStack();
    const handlers: Record<string, StripeEventHandler> = {};
    for (const [i, type] of ['charge.refunded', 'checkout.session.completed', 'invoice.paid'].entries()) handlers[type] = inlineHandler({ name: `H${i}` });
    const integration = new StripeEventBridgeIntegration(stack, 'Stripe', { eventBus: StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE), handlers });
    expect(integration.nestedStacks).toEqual([]);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudFormation::Stack', 0);
    expect(resourcesOf(template, 'AWS::Lambda::Function').map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual(['StripeH0Function', 'StripeH1Function', 'StripeH2Function']);
  });

  test('up to 15 rules, the dead-letter queue allows each rule by its own ARN', () => {
    const stack = newStack();
    new StripeEventBridgeIntegration(stack, 'Stripe', {
      eventBus: StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE),
      handlers: { 'charge.refunded': inlineHandler({ name: 'Refunds' }), 'invoice.paid': inlineHandler({ name: 'Invoices' }) },
    });
    const [, policy] = resourcesOf(Template.fromStack(stack), 'AWS::SQS::QueuePolicy')[0];
    const allows = policy.Properties.PolicyDocument.Statement.filter((s: any) => s.Effect === 'Allow');
    expect(allows.map((s: any) => Object.keys(s.Condition))).toEqual([['ArnEquals'], ['ArnEquals']]);
  });
});

describe('limits fail cdk synth with a message that names the limit and the fix', () => {
  test('routes kept in one stack beyond 500 resources', () => {
    const app = new App();
    const stack = new Stack(app, 'Payments');
    const handlers: Record<string, StripeEventHandler> = {};
    // 30 routes with their own alarms: 30 × 17 resources.
    for (const type of ['charge', 'invoice', 'customer', 'payment_intent', 'checkout', 'subscription_schedule'].flatMap((p) => [1, 2, 3, 4, 5].map((i) => `${p}.future_${i}`))) {
      handlers[type] = inlineHandler({ name: type.replace(/[._]/g, '') });
    }
    new StripeEventBridgeIntegration(stack, 'Stripe', {
      eventBus: StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE),
      handlers,
      allowUnknownEventTypes: true,
      routePlacement: StripeRoutePlacement.SAME_STACK,
      alarms: { handlerAlarms: true },
    });
    const example = readmeBlocks().find((b) => b.section === 'scale' && b.lang === 'text')!.code.replace('\n', ' ');
    expect(() => app.synth()).toThrow(example);
  });

  test('a template over 1 MB', () => {
    const app = new App();
    const stack = new Stack(app, 'Payments');
    new StripeEventBridgeIntegration(stack, 'Stripe', {
      eventBus: StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE),
      handlers: { 'charge.refunded': inlineHandler({ name: 'Refunds' }) },
    });
    // Other resources of the stack: 300 of 4 KB each, which no count limit catches.
    for (let i = 0; i < 300; i++) new CfnResource(stack, `Big${i}`, { type: 'AWS::SSM::Parameter', properties: { Type: 'String', Value: 'x'.repeat(4000) } });
    expect(() => app.synth()).toThrow(
      /routePlacement: the template of the stack Payments would be 1\d{6} bytes; CloudFormation accepts at most 1048576 \(1 MB\)\. Set routePlacement: StripeRoutePlacement\.NESTED_STACKS/,
    );
  });

  test('more than 30 wildcard rules on a bus', () => {
    const app = new App();
    const stack = new Stack(app, 'Payments');
    const prefixes = ['account', 'balance', 'charge', 'checkout', 'coupon', 'customer', 'invoice', 'payment_intent', 'payout', 'price', 'product', 'quote',
      'radar', 'refund', 'review', 'setup_intent', 'source', 'subscription_schedule', 'tax_rate', 'topup', 'transfer', 'treasury', 'issuing_card',
      'issuing_cardholder', 'issuing_dispute', 'identity', 'file', 'mandate', 'person', 'plan', 'promotion_code'];
    const handlers: Record<string, StripeEventHandler> = {};
    for (const p of prefixes) handlers[`${p}.*`] = inlineHandler({ name: `All${p.replace(/_/g, '')}` });
    new StripeEventBridgeIntegration(stack, 'Stripe', { eventBus: StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE), handlers });
    expect(() => app.synth()).toThrow(`handlers: this app puts 31 rules with wildcard patterns on the event bus '${TEST_EVENT_SOURCE}'; EventBridge allows at most 30 (not adjustable)`);
  });
});

describe('a concurrency limit for bursts', () => {
  test('throttled events waiting half of lambdaMaxEventAge raise one alarm for the limited handlers', () => {
    const stack = newStack();
    new StripeEventBridgeIntegration(stack, 'Stripe', {
      eventBus: StripeEventBus.fromEventBus(new events.EventBus(stack, 'Bus'), { sourcePrefix: 'test.stripe' }),
      handlers: {
        'invoice.paid': inlineHandler({ name: 'Invoices', reservedConcurrentExecutions: 5 }),
        'invoice.payment_failed': inlineHandler({ name: 'Dunning', reservedConcurrentExecutions: 2 }),
        'charge.refunded': inlineHandler({ name: 'Refunds' }),
      },
      lambdaMaxEventAge: Duration.hours(4),
    });
    const template = Template.fromStack(stack);
    const throttled = resourcesOf(template, 'AWS::CloudWatch::Alarm').filter(([id]) => id.startsWith('StripeMonitoringThrottledEvents'));
    expect(throttled).toHaveLength(1);
    const p = throttled[0][1].Properties;
    expect(p.Threshold).toBe(2 * 3600 * 1000);
    expect(p.ComparisonOperator).toBe('GreaterThanThreshold');
    expect(p.Metrics.find((m: any) => m.Expression).Expression).toBe('MAX([m0, m1])');
    for (const m of p.Metrics.filter((x: any) => x.MetricStat)) {
      expect(m.MetricStat).toMatchObject({ Metric: { Namespace: 'AWS/Lambda', MetricName: 'AsyncEventAge' }, Stat: 'Maximum' });
    }
    expect(p.AlarmDescription).toContain('Invoices (limit 5), Dunning (limit 2)');
    expect(p.AlarmDescription).toContain('then they go to the dead-letter queue');
    template.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 5 });
  });
});
