/**
 * `stripe-eventbridge cost` on synthesized apps: list prices, and CloudWatch's free tier (10 alarm metrics, 10 custom
 * metrics, 3 dashboards of up to 50 metrics each) stated apart; dashboards counted by the metrics they show.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { StripeEventBridgeIntegration, StripeEventBus } from '../../../src';
import { fixedMonthlyCost, formatFixedCost, metricsOnDashboard } from '../../../src/cli/cost/fixed-cost';
import { inlineHandler, TEST_EVENT_SOURCE } from '../../support/stacks';

function synthesize(build: (stack: Stack) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fixed-cost-'));
  const app = new App({ outdir: dir });
  build(new Stack(app, 'Payments', { env: { account: '123456789012', region: 'us-east-1' } }));
  app.synth();
  return dir;
}

function integration(stack: Stack, extra: Record<string, unknown> = {}): StripeEventBridgeIntegration {
  return new StripeEventBridgeIntegration(stack, 'Stripe', {
    eventBus: StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE),
    handlers: { 'checkout.session.completed': inlineHandler({ name: 'Orders' }), 'charge.refunded': inlineHandler({ name: 'Refunds' }) },
    ...extra,
  });
}

describe('metricsOnDashboard', () => {
  test('counts each graphed metric and each Metrics Insights or SEARCH query, not the math over them', () => {
    const body = JSON.stringify({
      widgets: [
        { type: 'text', properties: { markdown: '# x' } },
        {
          type: 'metric',
          properties: {
            metrics: [
              [{ expression: 'm1 + m2', label: 'sum' }],
              ['AWS/DynamoDB', 'ThrottledRequests', 'Operation', 'GetItem', { id: 'm1', visible: false }],
              ['AWS/DynamoDB', 'ThrottledRequests', 'Operation', 'PutItem', { id: 'm2', visible: false }],
            ],
          },
        },
        { type: 'metric', properties: { metrics: [[{ expression: 'SELECT SUM(Errors) FROM SCHEMA("AWS/Lambda", FunctionName)' }]] } },
        { type: 'metric', properties: { metrics: [[{ expression: "SEARCH('{AWS/Lambda,FunctionName} Errors', 'Sum')" }]] } },
      ],
    });
    expect(metricsOnDashboard(body)).toBe(4);
  });

  test('reads a body joined with references, as CDK renders it', () => {
    const joined = { 'Fn::Join': ['', ['{"widgets":[{"type":"metric","properties":{"metrics":[["AWS/SQS","NumberOfMessagesSent","QueueName","', { 'Fn::GetAtt': ['Q', 'QueueName'] }, '"]]}}]}']] };
    expect(metricsOnDashboard(joined)).toBe(1);
  });
});

describe('fixedMonthlyCost', () => {
  test('an integration with the defaults: 13 alarm metrics and a dashboard of at most 50 metrics, $4.30 at list prices, $0.30 within the free tier', () => {
    const cost = fixedMonthlyCost(synthesize((stack) => integration(stack)));
    expect(cost.alarms).toBe(11);
    expect(cost.metricsInsightsAlarms).toBe(4);
    expect(cost.lines.map((l) => [l.item, l.count, l.monthly, l.monthlyWithFreeTier])).toEqual([
      ['alarms, standard resolution', 13, expect.closeTo(1.3, 5), expect.closeTo(0.3, 5)],
      ['dashboards', 1, 3, 0],
    ]);
    expect(cost.dashboardMetrics).toHaveLength(1);
    expect(cost.dashboardMetrics[0]).toBeLessThanOrEqual(50);
    expect(cost.totalMonthly).toBe(4.3);
    expect(cost.totalMonthlyWithFreeTier).toBe(0.3);
  });

  test('without the dashboard, $1.30; the free tier covers 3 dashboards, each of up to 50 metrics', () => {
    expect(fixedMonthlyCost(synthesize((stack) => integration(stack, { dashboard: { enabled: false } }))).totalMonthly).toBe(1.3);
    const cost = fixedMonthlyCost(synthesize((stack) => {
      const metric = (i: number) => new cloudwatch.Metric({ namespace: 'Shop', metricName: `M${i}` });
      for (let d = 0; d < 4; d++) new cloudwatch.Dashboard(stack, `Small${d}`, { widgets: [[new cloudwatch.GraphWidget({ left: [metric(d)] })]] });
      // 51 metrics: outside the free tier.
      new cloudwatch.Dashboard(stack, 'Large', { widgets: [[...Array.from({ length: 3 }, (_, w) => new cloudwatch.GraphWidget({ left: Array.from({ length: 17 }, (__, i) => metric(w * 17 + i)) }))]] });
    }));
    expect([...cost.dashboardMetrics].sort((a, b) => a - b)).toEqual([1, 1, 1, 1, 51]);
    expect(cost.totalMonthly).toBe(15);
    // 3 of the 4 small ones are free; the fourth and the large one are not.
    expect(cost.totalMonthlyWithFreeTier).toBe(6);
  });

  test('the report states the free tier and what it leaves to pay, and counts Metrics Insights alarms apart', () => {
    const text = formatFixedCost(fixedMonthlyCost(synthesize((stack) => integration(stack))));
    expect(text).toContain('Fixed monthly cost (us-east-1 list prices, free tiers left out):');
    expect(text).toMatch(/dashboards +1 × +\$3\.00 +\$3\.00/);
    expect(text).toMatch(/With CloudWatch's free tier, if nothing else in the account uses it: \$0\.30 \(10 alarm metrics, 10 custom metrics, and 3 dashboards of up to 50 metrics each, per account; this app's dashboards show \d+ metrics\)\./);
    expect(text).toContain('4 Metrics Insights alarm(s) not included: $0.10 a month for each metric their queries analyze');
  });
});
