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

  /** An AWS/Events metric of one rule on the bus. */
  public rule(metricName: string, rule: events.IRule, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    const busName = this.required(this.eventBus).eventBusName;
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
