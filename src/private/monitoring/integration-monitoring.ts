/**
 * The integration's monitoring (alarms, dashboard, saved queries) wired to its metric methods: monitoring/
 * reads a MonitoringSources, and this module builds one from the integration.
 */
import { Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { warnUnlessAlarmsHaveDestination } from './alarm-destination';
import type { RetrySettings } from './alarm-guide';
import { createAlarms } from './alarms';
import { createDashboard } from './dashboard';
import { createQueries } from './queries';
import type { MonitoredRoute, MonitoringSources } from './sources';
import type { StripeAlarmOptions, StripeDashboardOptions } from '../../monitoring-options';
import type { StripeMetricFactory } from '../metric-factory';

type MetricOf = (props?: cloudwatch.MetricOptions) => cloudwatch.IMetric;

/** The integration's own metric methods that monitoring reads. */
export interface IntegrationMetrics extends Construct {
  metricEventsReceived: MetricOf;
  metricEventsProcessed: MetricOf;
  metricEventsFailed: MetricOf;
  metricEventsInvalid: MetricOf;
  metricEventAge: MetricOf;
  metricDeadLetterQueueMessages: MetricOf;
  metricDeadLetterQueueOldestMessageAge: MetricOf;
  metricRulesFailedInvocations: MetricOf;
  metricRulesInvocationsFailedToBeSentToDlq: MetricOf;
  metricRulesThrottled: MetricOf;
  metricDestinationDeliveryFailures: MetricOf;
}

export interface IntegrationMonitoring {
  readonly alarms: cloudwatch.Alarm[];
  readonly topic?: sns.ITopic;
  readonly dashboard?: cloudwatch.Dashboard;
  readonly queries: logs.QueryDefinition[];
}

export function createMonitoring(
  integration: IntegrationMetrics,
  routes: readonly MonitoredRoute[],
  idempotencyTable: dynamodb.ITable,
  alarmOptions: StripeAlarmOptions,
  dashboardOptions: StripeDashboardOptions,
  retry: RetrySettings,
  metrics: StripeMetricFactory,
): IntegrationMonitoring {
  const monitoring = new Construct(integration, 'Monitoring');
  const queryPrefix = `${Stack.of(integration).stackName}/${integration.node.id}`;
  const m = (f: MetricOf): MetricOf => (p) => f.call(integration, p);
  const sources: MonitoringSources = {
    name: integration.node.path,
    routes,
    idempotencyTable,
    queryPrefix,
    // Beside the route: in its nested stack when it has one, so that per-handler alarms spread with the routes.
    handlerAlarmScope: (route, integrationScope) => {
      const construct = route as unknown as Construct;
      if (Stack.of(construct) === Stack.of(integration)) return integrationScope;
      return (construct.node.tryFindChild('Alarms') as Construct | undefined) ?? new Construct(construct, 'Alarms');
    },
    metricEventsReceived: m(integration.metricEventsReceived),
    metricEventsProcessed: m(integration.metricEventsProcessed),
    metricEventsFailed: m(integration.metricEventsFailed),
    metricEventsInvalid: m(integration.metricEventsInvalid),
    metricEventAge: m(integration.metricEventAge),
    metricDeadLetterQueueMessages: m(integration.metricDeadLetterQueueMessages),
    metricDeadLetterQueueOldestMessageAge: m(integration.metricDeadLetterQueueOldestMessageAge),
    metricRulesFailedInvocations: m(integration.metricRulesFailedInvocations),
    metricRulesInvocationsFailedToBeSentToDlq: m(integration.metricRulesInvocationsFailedToBeSentToDlq),
    metricRulesThrottled: m(integration.metricRulesThrottled),
    metricDestinationDeliveryFailures: m(integration.metricDestinationDeliveryFailures),
    topRules: (name, p) => metrics.topRules(name, routes.flatMap((r) => r.eventBuses), p),
    topFunctions: (name, p) => metrics.topFunctions(name, p),
    topHandlers: (name, p) => metrics.topHandlers(name, p),
    ...retry,
  };
  const { alarms, topic } = createAlarms(monitoring, sources, alarmOptions);
  if (topic && alarms.length > 0) warnUnlessAlarmsHaveDestination(integration, monitoring, topic, alarmOptions.topic !== undefined);
  const dashboard = dashboardOptions.enabled !== false ? createDashboard(monitoring, sources, alarms, dashboardOptions.dashboardName) : undefined;
  const queries = createQueries(monitoring, sources, queryPrefix);
  return { alarms, topic, dashboard, queries };
}
