/**
 * The integration's CloudWatch dashboard: the alarm guide, the alarms' state, the integration's graphs, where
 * events fail (Metrics Insights top 10s), and a graph per handler for up to five. Readable at 300 handlers: no
 * widget grows with them.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { alarmGuide } from './alarm-guide';
import { IDEMPOTENCY_OPERATIONS } from './alarms';
import { MonitoredRoute, MonitoringSources } from './sources';
import { METRIC_FAILED, METRIC_INVALID, METRIC_PROCESSED } from '../../contract/metrics';

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
  addWhereEventsFail(dashboard, sources);
  const n = sources.routes.length;
  dashboard.addWidgets(new cloudwatch.TextWidget({
    width: 24,
    height: 1,
    markdown: n <= MAX_HANDLER_GRAPHS
      ? '### Each handler'
      : `### ${n} handlers: the top 10s above name those that fail; each function's own graphs are in the Lambda console`,
  }));
  if (n <= MAX_HANDLER_GRAPHS) dashboard.addWidgets(...sources.routes.map(handlerGraph));
  return dashboard;
}

/**
 * Up to this many handlers get a graph each; with more, none (the top 10s name the failing ones), so no widget
 * grows with the handlers. Five graphs of 5 metrics keep the default dashboard within the free tier's 50
 * metrics per dashboard (aws.amazon.com/cloudwatch/pricing) whatever the number of handlers.
 */
export const MAX_HANDLER_GRAPHS = 5;

/**
 * Where events fail: Metrics Insights top 10s, one line per rule or function, whatever the number of handlers
 * (one query per widget: CloudWatch runs one Metrics Insights query per request). Rules: those of the
 * integration; functions: every function of the account and Region (see ../metric-factory.ts, METRICS INSIGHTS);
 * handlers: the wrapper's per-handler metrics, when a route has them.
 */
function addWhereEventsFail(dashboard: cloudwatch.Dashboard, sources: MonitoringSources): void {
  const p = { period: Duration.minutes(5) };
  const top = (title: string, metric: cloudwatch.IMetric) => new cloudwatch.GraphWidget({ title, left: [metric], width: 8, height: 6 });
  dashboard.addWidgets(new cloudwatch.TextWidget({
    width: 24,
    height: 2,
    markdown: '### Where events fail: the top 10\n' +
      'Rules: the integration\'s. Functions: every function of the account and Region (a function\'s metrics carry only its generated name, which a query cannot select on).',
  }));
  dashboard.addWidgets(
    top('Rules by failed invocations (the events are in the dead-letter queue)', sources.topRules('FailedInvocations', p)),
    top('Rules by events not sent to the dead-letter queue (lost: replay the archive)', sources.topRules('InvocationsFailedToBeSentToDlq', p)),
    top('Rules by throttled runs', sources.topRules('ThrottledRules', p)),
    top('Functions by errors', sources.topFunctions('Errors', p)),
    top('Functions by throttles', sources.topFunctions('Throttles', p)),
    top('Functions by destination delivery failures (lost: replay the archive)', sources.topFunctions('DestinationDeliveryFailures', p)),
  );
  if (sources.routes.some((r) => r.handlerMetrics)) {
    dashboard.addWidgets(
      top('Handlers by failed Stripe events', sources.topHandlers(METRIC_FAILED, p)),
      top('Handlers by invalid events', sources.topHandlers(METRIC_INVALID, p)),
      top('Handlers by events processed', sources.topHandlers(METRIC_PROCESSED, p)),
    );
  }
}

/** One handler: its rule's matched events and its function's invocations, errors and throttles; p99 duration on the right. */
function handlerGraph(h: MonitoredRoute): cloudwatch.GraphWidget {
  const p = { period: Duration.minutes(5) };
  const types = h.eventTypes.join(', ');
  return new cloudwatch.GraphWidget({
    title: `${h.handlerName}: ${types.length > 80 ? `${types.slice(0, 77)}...` : types}`,
    left: [
      h.metricRuleMatchedEvents({ ...p, label: 'matched' }),
      h.function.metricInvocations({ ...p, statistic: 'Sum', label: 'invocations' }),
      h.function.metricErrors({ ...p, statistic: 'Sum', label: 'Lambda errors' }),
      h.function.metricThrottles({ ...p, statistic: 'Sum', label: 'Lambda throttles' }),
      ...(h.handlerMetrics
        ? [
          h.metricEventsProcessed({ ...p, label: 'processed' }),
          h.metricEventsDuplicate({ ...p, label: 'duplicate' }),
          h.metricEventsFailed({ ...p, label: 'handler failed' }),
          h.metricEventsInvalid({ ...p, label: 'invalid' }),
        ]
        : []),
    ],
    right: [h.function.metricDuration({ ...p, statistic: 'p99', label: 'duration p99 (ms)' })],
    width: 8,
    height: 6,
  });
}
