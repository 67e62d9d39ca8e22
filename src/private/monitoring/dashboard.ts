/** The integration's CloudWatch dashboard: the alarm guide, the alarms' state, and graphs per handler. */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { alarmGuide } from './alarm-guide';
import { IDEMPOTENCY_OPERATIONS } from './alarms';
import { MonitoringSources } from './sources';

export function createDashboard(
  scope: Construct,
  sources: MonitoringSources,
  alarms: readonly cloudwatch.IAlarm[],
  dashboardName: string | undefined,
): cloudwatch.Dashboard {
  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', { dashboardName, defaultInterval: Duration.days(1) });
  const guide = Object.values(alarmGuide(sources))
    .map((g) => `| ${g.title} | ${g.meaning} | ${g.action} |`)
    .join('\n');
  dashboard.addWidgets(
    new cloudwatch.TextWidget({
      width: 24,
      height: 8,
      markdown: `# Stripe events → EventBridge → Lambda\n\n| alarm | means | what to do |\n|---|---|---|\n${guide}`,
    }),
  );
  if (alarms.length > 0) {
    dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...alarms], width: 24, height: Math.min(12, 2 + Math.ceil(alarms.length / 4)) }));
  }
  const p = { period: Duration.minutes(5) };
  const table = sources.idempotencyTable;
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({ title: 'Stripe events received', left: [sources.metricEventsReceived(p)], width: 6 }),
    new cloudwatch.GraphWidget({
      title: 'Dead-letter queue',
      left: [sources.metricDeadLetterQueueMessages({ ...p, label: 'messages' })],
      right: [sources.metricDeadLetterQueueOldestMessageAge({ ...p, label: 'oldest message age (s)' })],
      width: 6,
    }),
    // Separate widgets: both expressions name their per-operation metrics alike.
    new cloudwatch.GraphWidget({
      title: 'Idempotency table throttled requests',
      left: [table.metricThrottledRequestsForOperations({ operations: IDEMPOTENCY_OPERATIONS, ...p, label: 'throttled' })],
      width: 6,
    }),
    new cloudwatch.GraphWidget({
      title: 'Idempotency table system errors',
      left: [table.metricSystemErrorsForOperations({ operations: IDEMPOTENCY_OPERATIONS, ...p, label: 'system errors' })],
      width: 6,
    }),
  );
  for (const h of sources.routes) {
    dashboard.addWidgets(new cloudwatch.TextWidget({ width: 24, height: 1, markdown: `### ${h.handlerName}: ${h.eventTypes.join(', ')}` }));
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: `${h.handlerName}: events`,
        left: [
          h.metricRuleMatchedEvents({ ...p, label: 'matched' }),
          h.metricEventsProcessed({ ...p, label: 'processed' }),
          h.metricEventsDuplicate({ ...p, label: 'duplicate' }),
          h.metricEventsInvalid({ ...p, label: 'invalid' }),
        ],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: `${h.handlerName}: errors`,
        left: [
          h.function.metricErrors({ ...p, statistic: 'Sum', label: 'Lambda errors' }),
          h.metricEventsFailed({ ...p, label: 'handler failed' }),
          h.metricRuleFailedInvocations({ ...p, label: 'rule failed invocations' }),
        ],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: `${h.handlerName}: duration and event age`,
        left: [h.function.metricDuration({ ...p, statistic: 'p50', label: 'duration p50' }), h.function.metricDuration({ ...p, statistic: 'p99', label: 'duration p99' })],
        right: [
          h.metricEventAge({ ...p, statistic: 'p50', label: 'Stripe-to-handler p50' }),
          h.metricEventAge({ ...p, statistic: 'p99', label: 'Stripe-to-handler p99' }),
        ],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: `${h.handlerName}: throttles`,
        left: [
          h.function.metricThrottles({ ...p, statistic: 'Sum', label: 'Lambda throttles' }),
          h.metricRuleThrottled({ ...p, label: 'rule throttled' }),
        ],
        width: 6,
      }),
    );
  }
  return dashboard;
}
