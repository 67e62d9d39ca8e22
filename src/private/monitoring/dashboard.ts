/** The integration's CloudWatch dashboard: the alarm guide, the alarms' state, and graphs per handler. */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { alarmGuide } from './alarm-guide';
import { IDEMPOTENCY_OPERATIONS } from './alarms';
import { MonitoredRoute, MonitoringSources } from './sources';

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
    new cloudwatch.GraphWidget({
      title: 'Stripe events',
      left: [
        sources.metricEventsReceived({ ...p, label: 'received' }),
        sources.metricEventsProcessed({ ...p, label: 'processed' }),
        sources.metricEventsFailed({ ...p, label: 'failed' }),
        sources.metricEventsInvalid({ ...p, label: 'invalid' }),
      ],
      right: [sources.metricEventAge({ ...p, statistic: 'Maximum', label: 'oldest Stripe-to-handler delay (ms)' })],
      width: 6,
    }),
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
  if (sources.routes.length <= MAX_HANDLER_ROWS) {
    for (const h of sources.routes) addHandlerRow(dashboard, h);
  } else {
    addHandlerGraphs(dashboard, sources.routes);
  }
  return dashboard;
}

/** Up to this many handlers get a row of graphs each; a dashboard holds at most 500 widgets (5 per row). */
export const MAX_HANDLER_ROWS = 25;
/** Lines per graph when handlers share graphs (GetMetricWidgetImage draws at most 100 metrics per graph). */
const LINES_PER_GRAPH = 50;

function addHandlerRow(dashboard: cloudwatch.Dashboard, h: MonitoredRoute): void {
  const p = { period: Duration.minutes(5) };
  dashboard.addWidgets(new cloudwatch.TextWidget({ width: 24, height: 1, markdown: `### ${h.handlerName}: ${h.eventTypes.join(', ')}` }));
  const wrapper = h.handlerMetrics;
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: `${h.handlerName}: events`,
      left: [
        h.metricRuleMatchedEvents({ ...p, label: 'matched' }),
        h.function.metricInvocations({ ...p, statistic: 'Sum', label: 'invocations' }),
        ...(wrapper
          ? [
            h.metricEventsProcessed({ ...p, label: 'processed' }),
            h.metricEventsDuplicate({ ...p, label: 'duplicate' }),
            h.metricEventsInvalid({ ...p, label: 'invalid' }),
          ]
          : []),
      ],
      width: 6,
    }),
    new cloudwatch.GraphWidget({
      title: `${h.handlerName}: errors`,
      left: [
        h.function.metricErrors({ ...p, statistic: 'Sum', label: 'Lambda errors' }),
        ...(wrapper ? [h.metricEventsFailed({ ...p, label: 'handler failed' })] : []),
        h.metricRuleFailedInvocations({ ...p, label: 'rule failed invocations' }),
      ],
      width: 6,
    }),
    new cloudwatch.GraphWidget({
      title: `${h.handlerName}: duration and event age`,
      left: [h.function.metricDuration({ ...p, statistic: 'p50', label: 'duration p50' }), h.function.metricDuration({ ...p, statistic: 'p99', label: 'duration p99' })],
      right: wrapper
        ? [
          h.metricEventAge({ ...p, statistic: 'p50', label: 'Stripe-to-handler p50' }),
          h.metricEventAge({ ...p, statistic: 'p99', label: 'Stripe-to-handler p99' }),
        ]
        : [h.function.metric('AsyncEventAge', { ...p, statistic: 'Maximum', label: 'oldest wait in Lambda\'s queue' })],
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

/** Many handlers: one line per handler in shared graphs of errors, throttles, p99 duration and rule failures. */
function addHandlerGraphs(dashboard: cloudwatch.Dashboard, routes: readonly MonitoredRoute[]): void {
  const p = { period: Duration.minutes(5) };
  const kinds: Array<[string, (h: MonitoredRoute) => cloudwatch.IMetric]> = [
    ['Lambda errors', (h) => h.function.metricErrors({ ...p, statistic: 'Sum', label: h.handlerName })],
    ['Lambda throttles', (h) => h.function.metricThrottles({ ...p, statistic: 'Sum', label: h.handlerName })],
    ['duration p99', (h) => h.function.metricDuration({ ...p, statistic: 'p99', label: h.handlerName })],
    ['rule failed invocations', (h) => h.metricRuleFailedInvocations({ ...p, label: h.handlerName })],
  ];
  dashboard.addWidgets(new cloudwatch.TextWidget({ width: 24, height: 1, markdown: `### ${routes.length} handlers: one line each` }));
  for (let i = 0; i < routes.length; i += LINES_PER_GRAPH) {
    const chunk = routes.slice(i, i + LINES_PER_GRAPH);
    const span = `handlers ${i + 1}-${i + chunk.length}`;
    dashboard.addWidgets(
      ...kinds.map(([title, metric]) => new cloudwatch.GraphWidget({ title: `${title}, ${span}`, left: chunk.map(metric), width: 6, legendPosition: cloudwatch.LegendPosition.HIDDEN })),
    );
  }
}
