/**
 * The fixed monthly cost of a synthesized app: what its templates bill every month whether or not a single
 * Stripe event arrives. us-east-1 list prices, free tiers left out, each with its source:
 *
 * - CloudWatch (aws.amazon.com/cloudwatch/pricing): standard-resolution alarms $0.10 per alarm metric (a
 *   metric-math alarm is billed for every metric it reads; a Metrics Insights alarm for every metric its query
 *   analyzes, docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_billing.html), high-resolution
 *   $0.30, composite $0.50 per alarm; dashboards $3.00 each; custom metrics $0.30 per metric-month, prorated by
 *   the hour and metered only in hours they receive data. Its free tier, per account and month: 10 alarm metrics
 *   (standard resolution), 10 custom metrics, 3 dashboards of up to 50 metrics each: reported apart, as the
 *   account's other apps may use it up.
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

/** CloudWatch's always-free tier, per account and month (aws.amazon.com/cloudwatch/pricing). */
export const FREE_TIER = {
  alarmMetrics: 10,
  customMetrics: 10,
  dashboards: 3,
  metricsPerDashboard: 50,
} as const;

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
  /** What the free tier leaves to pay, if nothing else in the account uses it. */
  readonly monthlyWithFreeTier: number;
}

export interface FixedCost {
  readonly templates: number;
  readonly resources: number;
  readonly maxResourcesPerTemplate: number;
  readonly alarms: number;
  readonly lines: CostLine[];
  /** Summed, rounded to cents. */
  readonly totalMonthly: number;
  /** The same with CloudWatch's free tier, as if nothing else in the account used it. */
  readonly totalMonthlyWithFreeTier: number;
  /** The metrics each dashboard shows (a metric or a Metrics Insights query each): up to 50, the free tier covers it. */
  readonly dashboardMetrics: number[];
  /** Not fixed: the wrapper's custom metrics, were each received in every hour of the month. */
  readonly wrapperMetrics: number;
  readonly wrapperMetricsMonthlyAtMost: number;
  /** Alarms on Metrics Insights queries: billed per metric analyzed, which the template does not tell. */
  readonly metricsInsightsAlarms: number;
}

const cents = (n: number) => Math.round(n * 100) / 100;

/** A template string value: a string, or a Fn::Join of strings and references (each read as `REFERENCE`). */
function templateString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const join = (value as any)?.['Fn::Join'];
  if (!Array.isArray(join) || typeof join[0] !== 'string' || !Array.isArray(join[1])) return undefined;
  return join[1].map((part: unknown) => (typeof part === 'string' ? part : 'REFERENCE')).join(join[0]);
}

/** The number of alarm metrics an alarm is billed for, and whether it is high resolution. */
function alarmMetrics(alarm: TemplateResource): { metrics: number; highResolution: boolean; insights: boolean } {
  const p = alarm.Properties ?? {};
  if (!Array.isArray(p.Metrics)) return { metrics: 1, highResolution: typeof p.Period === 'number' && p.Period < 60, insights: false };
  const stats = p.Metrics.filter((m: any) => m.MetricStat);
  const insights = p.Metrics.some((m: any) => /\bSELECT\b/i.test(templateString(m.Expression) ?? ''));
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

  const dashboardMetrics = ofType('AWS::CloudWatch::Dashboard').map((d) => metricsOnDashboard(d.Properties?.DashboardBody));
  const freeDashboards = Math.min(FREE_TIER.dashboards, dashboardMetrics.filter((n) => n <= FREE_TIER.metricsPerDashboard).length);
  const line = (item: string, count: number, unit: string, price: number, free = 0): CostLine =>
    ({ item, count, unit, monthly: count * price, monthlyWithFreeTier: Math.max(0, count - free) * price });
  const composite = ofType('AWS::CloudWatch::CompositeAlarm').length;
  const secrets = ofType('AWS::SecretsManager::Secret').length;
  const lines: CostLine[] = [
    line('alarms, standard resolution', standard, 'alarm metric', PRICES.alarmMetric, FREE_TIER.alarmMetrics),
    line('alarms, high resolution', highResolution, 'alarm metric', PRICES.highResolutionAlarmMetric),
    line('composite alarms', composite, 'alarm', PRICES.compositeAlarm),
    line('dashboards', dashboardMetrics.length, 'dashboard', PRICES.dashboard, freeDashboards),
    line('KMS keys (first year; +$1 a month per rotation after)', keys.length, 'key', PRICES.kmsKey),
    line('custom metrics emitted without events (metric filters with a default value)', metricFilterMetrics, 'metric', PRICES.customMetric, FREE_TIER.customMetrics),
    line('Secrets Manager secrets', secrets, 'secret', PRICES.secret),
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
    totalMonthlyWithFreeTier: cents(lines.reduce((sum, l) => sum + l.monthlyWithFreeTier, 0)),
    dashboardMetrics,
    wrapperMetrics,
    wrapperMetricsMonthlyAtMost: cents(wrapperMetrics * PRICES.customMetric),
    metricsInsightsAlarms: insights,
  };
}

/**
 * The metrics a dashboard shows, as CloudWatch's free tier counts them per dashboard: each metric a widget
 * graphs (those a math expression reads included) and each Metrics Insights or SEARCH query; a math expression
 * over them adds none. The body is JSON, or a Fn::Join of JSON and references (names resolved at deploy).
 */
export function metricsOnDashboard(body: unknown): number {
  const text = templateString(body);
  if (text === undefined) return 0;
  let count = 0;
  for (const widget of JSON.parse(text).widgets ?? []) {
    for (const entry of widget.properties?.metrics ?? []) {
      if (!Array.isArray(entry)) continue;
      const expression = typeof entry[0] === 'object' ? entry[0]?.expression : undefined;
      if (expression === undefined || /\b(SELECT|SEARCH)\b/i.test(expression)) count += 1;
    }
  }
  return count;
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
    `With CloudWatch's free tier, if nothing else in the account uses it: ${usd(cost.totalMonthlyWithFreeTier)} ` +
      `(${FREE_TIER.alarmMetrics} alarm metrics, ${FREE_TIER.customMetrics} custom metrics, and ${FREE_TIER.dashboards} dashboards of up to ${FREE_TIER.metricsPerDashboard} metrics each, per account` +
      (cost.dashboardMetrics.length > 0 ? `; this app's dashboards show ${cost.dashboardMetrics.join(', ')} metrics` : '') +
      ').',
  ];
  if (cost.metricsInsightsAlarms > 0) {
    lines.push(
      `${cost.metricsInsightsAlarms} Metrics Insights alarm(s) not included: $0.10 a month for each metric their queries analyze, which no template tells ` +
        '(EventBridge sends a rule\'s failure metrics only when they are not zero).',
    );
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
