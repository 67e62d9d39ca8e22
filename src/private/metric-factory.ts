/**
 * Every metric the constructs read, built in one place (as cdk-monitoring-constructs' metric factories
 * do) and used by the public `metric*()` methods of the integration, its routes and the reconciliation,
 * and by the alarms and dashboard.
 *
 * Namespaces, names and dimensions follow AWS's documentation:
 * - AWS/Events FailedInvocations, InvocationsFailedToBeSentToDlq, ThrottledRules, TriggeredRules with
 *   dimensions EventBusName and RuleName for a rule on a custom or partner bus (RuleName alone on the
 *   default bus); Events with dimension EventSourceName counts partner events ingested
 *   (docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html).
 * - The wrapper's EMF metrics (src/contract/metrics.ts): dimension `integration` for every handler of an
 *   integration at once, and `integration` + `service` (= handler name) when per-handler metrics are on.
 */
import { Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as events from 'aws-cdk-lib/aws-events';
import { StripeEventBridgeError } from '../contract/errors';
import { METRIC_DIMENSION_HANDLER, METRIC_DIMENSION_INTEGRATION } from '../contract/metrics';

/** The period of every metric unless the caller sets one. */
export const DEFAULT_METRIC_PERIOD = Duration.minutes(5);

export class StripeMetricFactory {
  constructor(
    /** The CloudWatch namespace of the library's own metrics (the wrapper's, the reconciliation's). */
    public readonly namespace: string,
    /** The bus of the rules whose metrics are read (`rule()`). */
    private readonly eventBus?: events.IEventBus,
    /** The value of the wrapper metrics' `integration` dimension (`wrapper()`, `integration()`). */
    private readonly integrationName?: string,
  ) {}

  /** One of the wrapper's EMF metrics for one handler (emitted when per-handler metrics are on). */
  public wrapper(metricName: string, handlerName: string, statistic: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.namespace,
      metricName,
      dimensionsMap: { [METRIC_DIMENSION_INTEGRATION]: this.required(this.integrationName), [METRIC_DIMENSION_HANDLER]: handlerName },
      statistic,
      period: DEFAULT_METRIC_PERIOD,
      ...options,
    });
  }

  /** One of the wrapper's EMF metrics for every handler of the integration together. */
  public integration(metricName: string, statistic: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.namespace,
      metricName,
      dimensionsMap: { [METRIC_DIMENSION_INTEGRATION]: this.required(this.integrationName) },
      statistic,
      period: DEFAULT_METRIC_PERIOD,
      ...options,
    });
  }

  /** A metric that a function of the library other than the wrapper emits by its `service` dimension alone (the reconciliation's). */
  public service(metricName: string, serviceName: string, statistic: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.namespace,
      metricName,
      dimensionsMap: { [METRIC_DIMENSION_HANDLER]: serviceName },
      statistic,
      period: DEFAULT_METRIC_PERIOD,
      ...options,
    });
  }

  /** An AWS/Events metric of one rule, on `eventBus` (by default the factory's bus). */
  public rule(metricName: string, rule: events.IRule, options?: cloudwatch.MetricOptions, eventBus?: events.IEventBus): cloudwatch.Metric {
    const busName = this.required(eventBus ?? this.eventBus).eventBusName;
    const onDefaultBus = !Token.isUnresolved(busName) && busName === 'default';
    return new cloudwatch.Metric({
      namespace: 'AWS/Events',
      metricName,
      dimensionsMap: onDefaultBus ? { RuleName: rule.ruleName } : { EventBusName: busName, RuleName: rule.ruleName },
      statistic: 'Sum',
      period: DEFAULT_METRIC_PERIOD,
      ...options,
    });
  }

  /** Partner events ingested from one partner event source (AWS/Events Events by EventSourceName). */
  public partnerEvents(eventSourceName: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/Events',
      metricName: 'Events',
      dimensionsMap: { EventSourceName: eventSourceName },
      statistic: 'Sum',
      period: DEFAULT_METRIC_PERIOD,
      ...options,
    });
  }

  /**
   * One AWS/Events metric summed over every rule on `buses` (the integration's rules, whichever bus they are on),
   * as a Metrics Insights query (see METRICS INSIGHTS below).
   */
  public rules(metricName: string, buses: readonly events.IEventBus[], options?: cloudwatch.MetricOptions): cloudwatch.MathExpression {
    return insights(`SELECT SUM(${metricName}) FROM ${rulesOn(buses).from}`, `${metricName}, every rule`, options);
  }

  /** The rules on `buses` with the most of one AWS/Events metric, one line each (a Metrics Insights top 10). */
  public topRules(metricName: string, buses: readonly events.IEventBus[], options?: cloudwatch.MetricOptions): cloudwatch.MathExpression {
    const { from, groupBy } = rulesOn(buses);
    return insights(`SELECT SUM(${metricName}) FROM ${from} GROUP BY ${groupBy} ORDER BY SUM() DESC LIMIT ${TOP}`, '', options);
  }

  /**
   * One AWS/Lambda metric summed over every function of the account and Region: a function's metrics carry only
   * its generated name, which no query can select on (see METRICS INSIGHTS below).
   */
  public functions(metricName: string, options?: cloudwatch.MetricOptions): cloudwatch.MathExpression {
    return insights(`SELECT SUM(${metricName}) FROM SCHEMA("AWS/Lambda", FunctionName)`, `${metricName}, every function`, options);
  }

  /** The functions of the account and Region with the most of one AWS/Lambda metric, one line each (top 10). */
  public topFunctions(metricName: string, options?: cloudwatch.MetricOptions): cloudwatch.MathExpression {
    return insights(`SELECT SUM(${metricName}) FROM SCHEMA("AWS/Lambda", FunctionName) GROUP BY FunctionName ORDER BY SUM() DESC LIMIT ${TOP}`, '', options);
  }

  /**
   * The handlers of the integration with the most of one wrapper metric, one line each (top 10): exact, as the
   * wrapper names the integration in a dimension; the per-handler metrics exist only with `handlerMetrics`.
   */
  public topHandlers(metricName: string, options?: cloudwatch.MetricOptions): cloudwatch.MathExpression {
    const [integration, handler] = [METRIC_DIMENSION_INTEGRATION, METRIC_DIMENSION_HANDLER].map(quotedName);
    const from = `SCHEMA(${quotedName(this.namespace)}, ${integration}, ${handler}) WHERE ${integration} = ${quoted(this.required(this.integrationName))}`;
    return insights(`SELECT SUM(${metricName}) FROM ${from} GROUP BY ${handler} ORDER BY SUM() DESC LIMIT ${TOP}`, '', options);
  }

  private required<T>(value: T | undefined): T {
    if (value === undefined) throw new StripeEventBridgeError('StripeMetricFactory: created without the bus or the integration name this metric needs.');
    return value;
  }

  /**
   * The sum of metrics as one metric. An alarm may read at most 10 metrics
   * (docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-limits.html): callers keep to that.
   */
  public sum(metrics: readonly cloudwatch.IMetric[], label: string, options?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return new cloudwatch.MathExpression({
      expression: metrics.map((_, i) => `m${i}`).join(' + '),
      usingMetrics: Object.fromEntries(metrics.map((m, i) => [`m${i}`, m])),
      period: options?.period ?? DEFAULT_METRIC_PERIOD,
      label: options?.label ?? label,
    });
  }
}

/*
 * METRICS INSIGHTS: the queries that cover every rule and function of an integration, whatever its size, for the
 * alarms on its failure paths (and the dashboard's top 10s). Why queries, and why they select what they select:
 *
 * - An alarm on metric math reads at most 10 metrics, and SEARCH is refused in alarms
 *   (docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-limits.html): per-rule metrics would take one
 *   alarm per 10 rules (30 per kind at 300 handlers). An alarm on a Metrics Insights query aggregates every metric
 *   the query matches, rules and functions added later included (same page, and cloudwatch-metrics-insights-alarms.html).
 * - A query's WHERE compares a dimension or a resource tag with `=` or `!=`, joined by AND: no OR, no LIKE, no
 *   prefix (cloudwatch-metrics-insights-querylanguage.html); and CloudWatch takes one query per request ("Maximum
 *   number of queries (1) exceeded", GetMetricData), so an alarm reads one. Naming rules or functions to a pattern
 *   would not help (no LIKE), and a new name replaces the resource. A tag filter (`tag.key = 'value'`) needs the
 *   account's "resource tags for telemetry" turned on outside the stack: without it the query matches nothing and
 *   the alarm never fires, a gap that looks covered.
 * - So a query selects on a dimension value the integration's resources share. A rule's metrics carry EventBusName
 *   and RuleName (RuleName alone on the default bus; docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html):
 *   `WHERE EventBusName = '<bus>'` is exactly the rules on the integration's bus, however many, with no rule name
 *   to keep stable. Rules on two buses (one WHERE cannot name both): every rule on every custom and partner bus of
 *   the account and Region, rather than an alarm per bus. A function's metrics carry only its generated
 *   FunctionName: the function queries cover every function of the account and Region, and say so.
 * - Limits and cost: 200 Metrics Insights alarms per account and Region, the last 3 hours evaluated, 10,000 metrics
 *   per query (alarm-limits.html, cloudwatch-metrics-insights-limits.html); billed per metric the query analyzes
 *   (cloudwatch_billing.html), and EventBridge sends FailedInvocations only when it is not zero, so a rule that
 *   does not fail adds none. CloudFormation needs the query's Period (AWS::CloudWatch::Alarm MetricDataQuery), which
 *   aws-cdk-lib renders for a MathExpression without usingMetrics; its MathExpression knows SELECT (no warning).
 */

/** How many lines a top-N widget shows. */
const TOP = 10;

/** A Metrics Insights query as a metric; label '' leaves each line CloudWatch's label (a top 10's group values). */
function insights(expression: string, label: string, options?: cloudwatch.MetricOptions): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression,
    usingMetrics: {},
    period: options?.period ?? DEFAULT_METRIC_PERIOD,
    label: options?.label ?? label,
    color: options?.color,
  });
}

/** A label value in single quotes, its quotes escaped (a token is left to resolve: bus names have no quotes). */
function quoted(v: string): string {
  return `'${Token.isUnresolved(v) ? v : v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A namespace, metric or label name in double quotes, its quotes escaped. */
function quotedName(v: string): string {
  return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The FROM (and WHERE) that matches every rule on the buses, and the labels that name one rule. */
function rulesOn(buses: readonly events.IEventBus[]): { from: string; groupBy: string } {
  const names = [...new Set(buses.map((b) => b.eventBusName))];
  const isDefault = (n: string) => !Token.isUnresolved(n) && n === 'default';
  if (names.length === 1 && isDefault(names[0])) return { from: 'SCHEMA("AWS/Events", RuleName)', groupBy: 'RuleName' };
  if (names.length === 1) return { from: `SCHEMA("AWS/Events", EventBusName, RuleName) WHERE EventBusName = ${quoted(names[0])}`, groupBy: 'RuleName' };
  // The default bus among others: its rules' metrics lack EventBusName, so every metric of that name in the namespace.
  if (names.some(isDefault)) return { from: '"AWS/Events"', groupBy: 'EventBusName, RuleName' };
  return { from: 'SCHEMA("AWS/Events", EventBusName, RuleName)', groupBy: 'EventBusName, RuleName' };
}

/**
 * The partner event source name, when the bus is one that accepts a partner source. A name of 256
 * characters (EventBridge's longest) cannot be a metric dimension, which aws-cdk-lib limits to 255: the
 * rules' matched events stand in for it.
 */
export function partnerEventSourceOf(eventBus: events.IEventBus): string | undefined {
  const name = eventBus.eventSourceName ?? eventBus.eventBusName;
  if (Token.isUnresolved(name)) return eventBus.eventSourceName;
  return name.startsWith('aws.partner/') && name.length <= 255 ? name : undefined;
}
