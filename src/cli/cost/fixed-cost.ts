/**
 * The fixed monthly cost of a synthesized app: what its templates bill every month whether or not a single
 * Stripe event arrives. us-east-1 list prices, free tiers left out, each with its source:
 *
 * - CloudWatch (aws.amazon.com/cloudwatch/pricing): standard-resolution alarms $0.10 per alarm metric (a
 *   metric-math alarm is billed for every metric it reads; a Metrics Insights alarm for every metric its query
 *   analyzes, docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_billing.html), high-resolution
 *   $0.30, composite $0.50 per alarm; dashboards $3.00 each; custom metrics $0.30 per metric-month, prorated by
 *   the hour and metered only in hours they receive data.
 * - KMS (aws.amazon.com/kms/pricing): $1.00 per customer managed key-month; with automatic rotation, each newly
 *   generated backing key another $1.00 a month (the first from the key's second year).
 * - Secrets Manager (aws.amazon.com/secrets-manager/pricing): $0.40 per secret-month.
 * - Free of a monthly charge: EventBridge buses, rules and archives (archives bill per GB of events), Lambda
 *   functions and layers without provisioned concurrency, on-demand DynamoDB tables (storage only), SQS queues,
 *   SNS topics, log groups (ingestion and storage only), saved Logs Insights queries, IAM, nested stacks.
 */
import { readCloudAssembly, TemplateResource } from '../../cloud-assembly/cloud-assembly';
import {
  METRIC_DUPLICATE,
  METRIC_EVENT_AGE,
  METRIC_FAILED,
  METRIC_IN_PROGRESS,
  METRIC_INVALID,
  METRIC_PROCESSED,
  METRIC_PROCESSING_TIME,
} from '../../contract/metrics';
import { ENV_HANDLER_METRICS, ENV_METRICS_INTEGRATION } from '../../contract/wrapper';

export const PRICES = {
  alarmMetric: 0.1,
  highResolutionAlarmMetric: 0.3,
  compositeAlarm: 0.5,
  dashboard: 3.0,
  customMetric: 0.3,
  kmsKey: 1.0,
  secret: 0.4,
} as const;

const WRAPPER_METRICS = [
  METRIC_PROCESSED,
  METRIC_DUPLICATE,
  METRIC_IN_PROGRESS,
  METRIC_FAILED,
  METRIC_INVALID,
  METRIC_PROCESSING_TIME,
  METRIC_EVENT_AGE,
];

export interface CostLine {
  readonly item: string;
  readonly count: number;
  readonly unit: string;
  readonly monthly: number;
}

export interface FixedCost {
  readonly templates: number;
  readonly resources: number;
  readonly maxResourcesPerTemplate: number;
  readonly alarms: number;
  readonly lines: CostLine[];
  /** Summed, rounded to cents. */
  readonly totalMonthly: number;
  /** Not fixed: the wrapper's custom metrics, were each received in every hour of the month. */
  readonly wrapperMetrics: number;
  readonly wrapperMetricsMonthlyAtMost: number;
  /** Alarms on Metrics Insights queries: billed per metric analyzed, which the template does not tell. */
  readonly metricsInsightsAlarms: number;
}

const cents = (n: number) => Math.round(n * 100) / 100;

/** The number of alarm metrics an alarm is billed for, and whether it is high resolution. */
function alarmMetrics(alarm: TemplateResource): { metrics: number; highResolution: boolean; insights: boolean } {
  const p = alarm.Properties ?? {};
  if (!Array.isArray(p.Metrics)) return { metrics: 1, highResolution: typeof p.Period === 'number' && p.Period < 60, insights: false };
  const stats = p.Metrics.filter((m: any) => m.MetricStat);
  const insights = p.Metrics.some((m: any) => typeof m.Expression === 'string' && /\bSELECT\b/i.test(m.Expression));
  const highResolution = stats.some((m: any) => typeof m.MetricStat.Period === 'number' && m.MetricStat.Period < 60);
  return { metrics: stats.length, highResolution, insights };
}

export function fixedMonthlyCost(cdkOut: string): FixedCost {
  const templates = readCloudAssembly(cdkOut);
  const resources = templates.flatMap((t) => Object.values(t.resources));
  const ofType = (type: string) => resources.filter((r) => r.Type === type);

  let standard = 0;
  let highResolution = 0;
  let insights = 0;
  for (const alarm of ofType('AWS::CloudWatch::Alarm')) {
    const a = alarmMetrics(alarm);
    if (a.insights) insights += 1;
    else if (a.highResolution) highResolution += a.metrics;
    else standard += a.metrics;
  }
  const keys = ofType('AWS::KMS::Key');
  const metricFilterMetrics = ofType('AWS::Logs::MetricFilter').filter((f) =>
    (f.Properties?.MetricTransformations ?? []).some((t: any) => t.DefaultValue !== undefined),
  ).length;

  const lines: CostLine[] = [
    { item: 'alarms, standard resolution', count: standard, unit: 'alarm metric', monthly: standard * PRICES.alarmMetric },
    { item: 'alarms, high resolution', count: highResolution, unit: 'alarm metric', monthly: highResolution * PRICES.highResolutionAlarmMetric },
    { item: 'composite alarms', count: ofType('AWS::CloudWatch::CompositeAlarm').length, unit: 'alarm', monthly: ofType('AWS::CloudWatch::CompositeAlarm').length * PRICES.compositeAlarm },
    { item: 'dashboards', count: ofType('AWS::CloudWatch::Dashboard').length, unit: 'dashboard', monthly: ofType('AWS::CloudWatch::Dashboard').length * PRICES.dashboard },
    { item: 'KMS keys (first year; +$1 a month per rotation after)', count: keys.length, unit: 'key', monthly: keys.length * PRICES.kmsKey },
    { item: 'custom metrics emitted without events (metric filters with a default value)', count: metricFilterMetrics, unit: 'metric', monthly: metricFilterMetrics * PRICES.customMetric },
    { item: 'Secrets Manager secrets', count: ofType('AWS::SecretsManager::Secret').length, unit: 'secret', monthly: ofType('AWS::SecretsManager::Secret').length * PRICES.secret },
  ].filter((l) => l.count > 0);

  // The wrapper emits its 7 metrics once per integration, and once more per handler with per-handler metrics.
  const wrapped = ofType('AWS::Lambda::Function').map((f) => f.Properties?.Environment?.Variables ?? {});
  const integrations = new Set(wrapped.map((v) => v[ENV_METRICS_INTEGRATION]).filter((v) => typeof v === 'string'));
  const perHandler = wrapped.filter((v) => v[ENV_HANDLER_METRICS] === 'true').length;
  const wrapperMetrics = (integrations.size + perHandler) * WRAPPER_METRICS.length;

  return {
    templates: templates.length,
    resources: resources.length,
    maxResourcesPerTemplate: Math.max(...templates.map((t) => Object.keys(t.resources).length)),
    alarms: ofType('AWS::CloudWatch::Alarm').length,
    lines,
    totalMonthly: cents(lines.reduce((sum, l) => sum + l.monthly, 0)),
    wrapperMetrics,
    wrapperMetricsMonthlyAtMost: cents(wrapperMetrics * PRICES.customMetric),
    metricsInsightsAlarms: insights,
  };
}

const usd = (n: number) => `$${n.toFixed(2)}`;

/** The report `stripe-eventbridge cost` prints. */
export function formatFixedCost(cost: FixedCost): string {
  const rows = cost.lines.map((l) => `  ${l.item.padEnd(60)} ${String(l.count).padStart(5)} × ${usd(unitPrice(l)).padStart(5)}  ${usd(l.monthly).padStart(8)}`);
  const lines = [
    `${cost.templates} template(s), ${cost.resources} resources (at most ${cost.maxResourcesPerTemplate} in one), ${cost.alarms} alarm(s)`,
    'Fixed monthly cost (us-east-1 list prices, free tiers left out):',
    ...(rows.length > 0 ? rows : ['  nothing billed by the month']),
    `  ${'total'.padEnd(75)} ${usd(cost.totalMonthly).padStart(8)}`,
  ];
  if (cost.metricsInsightsAlarms > 0) {
    lines.push(`${cost.metricsInsightsAlarms} Metrics Insights alarm(s) not included: billed per metric their query analyzes.`);
  }
  lines.push(
    `Not fixed: the wrapper's ${cost.wrapperMetrics} custom metrics, $0.30 a metric-month for each hour they receive data: ` +
      `at most ${usd(cost.wrapperMetricsMonthlyAtMost)} a month, if every one were emitted in every hour.`,
  );
  return lines.join('\n');
}

function unitPrice(line: CostLine): number {
  return line.count === 0 ? 0 : line.monthly / line.count;
}
