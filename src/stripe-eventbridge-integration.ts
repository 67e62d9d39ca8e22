import { Annotations, CfnResource, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  DEFAULT_METRICS_NAMESPACE,
  METRIC_DIMENSION_HANDLER,
  METRIC_DUPLICATE,
  METRIC_EVENT_AGE,
  METRIC_FAILED,
  METRIC_INVALID,
  METRIC_PROCESSED,
  METRIC_PROCESSING_TIME,
} from './contract/metrics';
import { STRIPE_SOURCE_PREFIX } from './contract/stripe';
import {
  DEFAULT_IDEMPOTENCY_TTL_SECONDS,
  ENV_HANDLER_NAME,
  ENV_IDEMPOTENCY_KEY_PREFIX,
  ENV_IDEMPOTENCY_TABLE,
  ENV_IDEMPOTENCY_TTL_SECONDS,
  ENV_SOURCE_PREFIX,
  ENV_USER_HANDLER,
  WRAPPER_HANDLER,
} from './contract/wrapper';
import { StripeAlarmOptions, StripeArchiveOptions, StripeDashboardOptions } from './monitoring-options';
import { EventTypeKey, parseEventTypeKey } from './private/event-type-keys';
import { nameFromEventType } from './private/handler-source';
import { createAlarms, createDashboard, createQueries, MonitoredHandler } from './private/monitoring';
import {
  buildHandlerPattern,
  MAX_PATTERN_LENGTH,
  MAX_RULES_PER_BUS,
  MAX_WILDCARD_RULES_PER_BUS,
  validateDetailFilter,
} from './private/rule-pattern';
import { supportsWrapper, wrapperLayer } from './private/wrapper-layer';
import { StripeEventBus } from './stripe-event-bus';
import { StripeEventHandler, StripeFunctionOptions } from './stripe-event-handler';

/** Which Stripe mode's events the rules let through. */
export enum StripeLivemode {
  /** Live-mode and test-mode (sandbox) events alike. */
  ALL = 'ALL',
  /** Only live-mode events (`detail.livemode: true`). */
  LIVE_ONLY = 'LIVE_ONLY',
  /** Only test-mode and sandbox events (`detail.livemode: false`). */
  TEST_ONLY = 'TEST_ONLY',
}

/**
 * Idempotency settings.
 */
export interface StripeIdempotencyOptions {
  /**
   * An existing table in the Powertools idempotency schema: partition key `id` (string), TTL attribute
   * `expiration`.
   *
   * @default - a table is created: on-demand, point-in-time recovery, retained on stack deletion
   */
  readonly table?: dynamodb.ITable;

  /**
   * How long a processed event's record (and stored result) is kept. Duplicates arriving later run the
   * handler again, so this must outlive every retry window: Stripe's (up to 3 days), EventBridge's (up to
   * 24 hours) and Lambda's (up to 6 hours), and any archive replay you may run.
   *
   * @default Duration.days(7)
   */
  readonly recordLifetime?: Duration;

  /**
   * What happens to the created table when it leaves the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Properties of a StripeEventBridgeIntegration.
 */
export interface StripeEventBridgeIntegrationProps {
  /**
   * The bus Stripe events arrive on, e.g.
   * `StripeEventBus.fromPartnerEventSource('aws.partner/stripe.com/ed_…')`.
   */
  readonly eventBus: StripeEventBus;

  /**
   * Your business logic, by Stripe event type. Keys are exact types (`checkout.session.completed`),
   * a trailing wildcard (`customer.subscription.*`) or `*` for every event. The same handler under
   * several keys gets one function and one rule.
   */
  readonly handlers: { [eventType: string]: StripeEventHandler };

  /**
   * Accept event types that the `stripe` package this library was built with does not know (types Stripe
   * added since). Keys must still be well-formed.
   *
   * @default false
   */
  readonly allowUnknownEventTypes?: boolean;

  /**
   * Which Stripe mode's events to deliver.
   *
   * @default StripeLivemode.ALL
   */
  readonly livemode?: StripeLivemode;

  /**
   * An extra EventBridge content filter on `detail` (the Stripe event) for every rule, e.g.
   * `{ account: [{ exists: false }] }` to skip Connect events.
   *
   * @default - no filter
   */
  readonly detailFilter?: { [key: string]: any };

  /**
   * Idempotency settings.
   *
   * @default - a new table and 7-day records
   */
  readonly idempotency?: StripeIdempotencyOptions;

  /**
   * Where events end when they cannot be processed: EventBridge puts events it could not deliver here,
   * and Lambda puts events whose handler failed after its retries here, with the error.
   *
   * @default - a queue is created: SQS-managed encryption, TLS only, 14-day retention
   */
  readonly deadLetterQueue?: sqs.IQueue;

  /**
   * How many times EventBridge retries delivering an event to a function.
   *
   * @default 185 (EventBridge's maximum)
   */
  readonly retryAttempts?: number;

  /**
   * How long EventBridge keeps retrying an undelivered event.
   *
   * @default Duration.hours(24) (EventBridge's maximum)
   */
  readonly maxEventAge?: Duration;

  /**
   * How many times Lambda retries a failed invocation (0 to 2) before the event goes to the dead-letter queue.
   *
   * @default 2
   */
  readonly lambdaRetryAttempts?: number;

  /**
   * How long Lambda keeps an event for retries.
   *
   * @default Duration.hours(6) (Lambda's maximum)
   */
  readonly lambdaMaxEventAge?: Duration;

  /**
   * Retention of the handlers' log groups.
   *
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * CloudWatch namespace of the wrapper's metrics.
   *
   * @default 'StripeEventBridge'
   */
  readonly metricsNamespace?: string;

  /**
   * Alarms for every way a Stripe event can fail or go silent, all notifying one SNS topic.
   *
   * @default - every alarm, with a created topic and no subscriptions
   */
  readonly alarms?: StripeAlarmOptions;

  /**
   * The CloudWatch dashboard.
   *
   * @default - a dashboard is created
   */
  readonly dashboard?: StripeDashboardOptions;

  /**
   * The EventBridge archive of Stripe events on the bus, for replays after a bug fix.
   *
   * @default - an archive with 30 days of retention
   */
  readonly archive?: StripeArchiveOptions;
}

/** Rules this app puts on each bus, to check EventBridge's per-bus quotas across integrations. */
const rulesPerBus = new WeakMap<Construct, Map<string, { rules: number; wildcardRules: number }>>();

/**
 * Carries Stripe events from an EventBridge bus to your handlers exactly once: one rule per handler,
 * wrapped Lambda functions (validation, idempotency on the Stripe event id, structured logs, metrics),
 * an idempotency table, and a dead-letter queue that receives every event that could not be processed.
 */
export class StripeEventBridgeIntegration extends Construct {
  /** The bus Stripe events arrive on. */
  public readonly eventBus: events.IEventBus;

  /** The idempotency table (Powertools schema). */
  public readonly idempotencyTable: dynamodb.ITable;

  /** The dead-letter queue for events EventBridge could not deliver and events whose handler failed. */
  public readonly deadLetterQueue: sqs.IQueue;

  /** The handler functions, by handler name. */
  public readonly functions: { [handlerName: string]: lambda.IFunction } = {};

  /** The rules, by handler name. */
  public readonly rules: { [handlerName: string]: events.IRule } = {};

  /** The event types each handler is registered for (the `handlers` keys), by handler name. */
  public readonly handlerEventTypes: { [handlerName: string]: string[] } = {};

  /** Every key of `handlers`, in the order given. */
  public readonly eventTypes: string[];

  /** Every alarm the integration created. */
  public readonly alarms: cloudwatch.IAlarm[];

  /** The topic alarms notify, when alarms are enabled. */
  public readonly alarmTopic?: sns.ITopic;

  /** The dashboard, when enabled. */
  public readonly dashboard?: cloudwatch.Dashboard;

  /** The archive of Stripe events on the bus, when enabled. */
  public readonly archive?: events.Archive;

  /** Saved Logs Insights queries over the handlers' log groups. */
  public readonly queries: logs.QueryDefinition[];

  private readonly sourcePrefix: string;
  private readonly ttlSeconds: number;
  private readonly detailFilter?: Record<string, unknown>;
  private readonly props: StripeEventBridgeIntegrationProps;
  private readonly metricsNamespace: string;
  private readonly monitored: MonitoredHandler[] = [];

  constructor(scope: Construct, id: string, props: StripeEventBridgeIntegrationProps) {
    super(scope, id);
    this.props = props;
    this.validateNumbers(props);

    const groups = this.groupHandlers(props);
    this.eventTypes = Object.keys(props.handlers);
    this.sourcePrefix = props.eventBus.sourcePrefix;
    this.detailFilter = this.buildDetailFilter(props);

    const lifetime = props.idempotency?.recordLifetime;
    this.ttlSeconds = lifetime ? lifetime.toSeconds() : DEFAULT_IDEMPOTENCY_TTL_SECONDS;

    this.eventBus = props.eventBus._bind(this);
    props.eventBus._useEventTypes(this.eventTypes);
    this.idempotencyTable = props.idempotency?.table ?? this.createTable(props.idempotency?.removalPolicy);
    this.deadLetterQueue = props.deadLetterQueue ?? this.createDeadLetterQueue();

    this.metricsNamespace = props.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE;
    this.archive = this.createArchive(props.archive);

    const counts = this.busCounter();
    for (const [handler, { name, keys }] of groups) {
      const handlerScope = new Construct(this, name);
      const fn = this.bindFunction(handlerScope, handler, name, keys);
      this.functions[name] = fn;
      this.handlerEventTypes[name] = keys.map((k) => k.key);
      this.rules[name] = this.createRule(handlerScope, name, keys, fn, counts);
      this.monitored.push({
        name,
        eventTypes: this.handlerEventTypes[name],
        fn,
        timeout: fn instanceof lambda.Function ? fn.timeout : undefined,
        logGroup: this.logGroupOf(handlerScope, fn),
      });
    }

    const monitoring = new Construct(this, 'Monitoring');
    const { alarms, topic } = createAlarms(monitoring, this, this.monitored, props.alarms ?? {});
    this.alarms = alarms;
    this.alarmTopic = topic;
    if (props.dashboard?.enabled !== false) {
      this.dashboard = createDashboard(monitoring, this, this.monitored, alarms, props.dashboard?.dashboardName);
    }
    this.queries = createQueries(monitoring, this.monitored, `${Stack.of(this).stackName}/${this.node.id}`);
  }

  /**
   * Stripe events the wrapper processed (ran the handler for), per period.
   *
   * @param handlerName the handler, as named in `functions` (its `name`, or the name derived from its first event type)
   * @param props metric options (period, statistic, label, …)
   */
  public metricEventsProcessed(handlerName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.wrapperMetric(METRIC_PROCESSED, handlerName, 'Sum', props);
  }

  /**
   * Duplicate deliveries the wrapper answered from the idempotency record, per period.
   *
   * @param handlerName the handler, as named in `functions` (its `name`, or the name derived from its first event type)
   * @param props metric options (period, statistic, label, …)
   */
  public metricEventsDuplicate(handlerName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.wrapperMetric(METRIC_DUPLICATE, handlerName, 'Sum', props);
  }

  /**
   * Deliveries whose handler threw (or whose idempotency store failed), per period.
   *
   * @param handlerName the handler, as named in `functions` (its `name`, or the name derived from its first event type)
   * @param props metric options (period, statistic, label, …)
   */
  public metricEventsFailed(handlerName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.wrapperMetric(METRIC_FAILED, handlerName, 'Sum', props);
  }

  /**
   * Deliveries rejected because they are not valid Stripe snapshot events, per period.
   *
   * @param handlerName the handler, as named in `functions` (its `name`, or the name derived from its first event type)
   * @param props metric options (period, statistic, label, …)
   */
  public metricEventsInvalid(handlerName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.wrapperMetric(METRIC_INVALID, handlerName, 'Sum', props);
  }

  /**
   * Time the handler took for processed events, in milliseconds (p99 by default).
   *
   * @param handlerName the handler, as named in `functions` (its `name`, or the name derived from its first event type)
   * @param props metric options (period, statistic, label, …)
   */
  public metricProcessingTime(handlerName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.wrapperMetric(METRIC_PROCESSING_TIME, handlerName, 'p99', props);
  }

  /**
   * Delay from the Stripe event's creation to the handler, in milliseconds (p99 by default).
   *
   * @param handlerName the handler, as named in `functions` (its `name`, or the name derived from its first event type)
   * @param props metric options (period, statistic, label, …)
   */
  public metricEventAge(handlerName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.wrapperMetric(METRIC_EVENT_AGE, handlerName, 'p99', props);
  }

  /**
   * Events the handler's rule matched (AWS/Events TriggeredRules).
   *
   * @param handlerName the handler, as named in `functions` (its `name`, or the name derived from its first event type)
   * @param props metric options (period, statistic, label, …)
   */
  public metricRuleMatchedEvents(handlerName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.ruleMetric('TriggeredRules', handlerName, props);
  }

  /**
   * Invocations of the handler that EventBridge gave up on (AWS/Events FailedInvocations).
   *
   * @param handlerName the handler, as named in `functions` (its `name`, or the name derived from its first event type)
   * @param props metric options (period, statistic, label, …)
   */
  public metricRuleFailedInvocations(handlerName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.ruleMetric('FailedInvocations', handlerName, props);
  }

  /**
   * Undeliverable events EventBridge could not put in the dead-letter queue (AWS/Events InvocationsFailedToBeSentToDlq).
   *
   * @param handlerName the handler, as named in `functions` (its `name`, or the name derived from its first event type)
   * @param props metric options (period, statistic, label, …)
   */
  public metricRuleInvocationsFailedToBeSentToDlq(handlerName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.ruleMetric('InvocationsFailedToBeSentToDlq', handlerName, props);
  }

  /**
   * Throttled runs of the handler's rule (AWS/Events ThrottledRules).
   *
   * @param handlerName the handler, as named in `functions` (its `name`, or the name derived from its first event type)
   * @param props metric options (period, statistic, label, …)
   */
  public metricRuleThrottled(handlerName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.ruleMetric('ThrottledRules', handlerName, props);
  }

  /**
   * Stripe events arriving: the partner source's ingested events (AWS/Events Events by EventSourceName)
   * when the bus is a partner bus, otherwise the events matched by the integration's rules.
   *
   * @param props metric options (period, statistic, label, …)
   */
  public metricEventsReceived(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    const source = this.partnerEventSourceName();
    if (source !== undefined) {
      return new cloudwatch.Metric({
        namespace: 'AWS/Events',
        metricName: 'Events',
        dimensionsMap: { EventSourceName: source },
        statistic: 'Sum',
        period: Duration.minutes(5),
        ...props,
      });
    }
    const names = Object.keys(this.rules);
    return new cloudwatch.MathExpression({
      expression: names.map((_, i) => `m${i}`).join(' + '),
      usingMetrics: Object.fromEntries(names.map((n, i) => [`m${i}`, this.metricRuleMatchedEvents(n, props)])),
      period: props?.period ?? Duration.minutes(5),
      label: props?.label ?? 'Stripe events matched',
    });
  }

  /**
   * Messages waiting in the dead-letter queue (maximum).
   *
   * @param props metric options (period, statistic, label, …)
   */
  public metricDeadLetterQueueMessages(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: Duration.minutes(5), ...props });
  }

  /**
   * Age of the oldest dead-letter message, in seconds (maximum).
   *
   * @param props metric options (period, statistic, label, …)
   */
  public metricDeadLetterQueueOldestMessageAge(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.deadLetterQueue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum', period: Duration.minutes(5), ...props });
  }

  private requireHandler(handlerName: string): void {
    if (!(handlerName in this.functions)) {
      throw new Error(`'${handlerName}' is not a handler of this integration; handlers: ${Object.keys(this.functions).join(', ')}.`);
    }
  }

  private wrapperMetric(metricName: string, handlerName: string, statistic: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    this.requireHandler(handlerName);
    return new cloudwatch.Metric({
      namespace: this.metricsNamespace,
      metricName,
      dimensionsMap: { [METRIC_DIMENSION_HANDLER]: handlerName },
      statistic,
      period: Duration.minutes(5),
      ...props,
    });
  }

  /** Rules on a custom or partner bus report with EventBusName and RuleName; on the default bus with RuleName only. */
  private ruleMetric(metricName: string, handlerName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    this.requireHandler(handlerName);
    const rule = this.rules[handlerName];
    const busName = this.eventBus.eventBusName;
    const onDefaultBus = !Token.isUnresolved(busName) && busName === 'default';
    return new cloudwatch.Metric({
      namespace: 'AWS/Events',
      metricName,
      dimensionsMap: onDefaultBus ? { RuleName: rule.ruleName } : { EventBusName: busName, RuleName: rule.ruleName },
      statistic: 'Sum',
      period: Duration.minutes(5),
      ...props,
    });
  }

  /**
   * Where a function logs: its explicit log group, else Lambda's default `/aws/lambda/<name>`. Not
   * `Function.logGroup`, which would add a log-retention custom resource to a function without one.
   */
  private logGroupOf(scope: Construct, fn: lambda.IFunction): logs.ILogGroup | undefined {
    if (!(fn instanceof lambda.Function)) return undefined;
    const config = (fn.node.defaultChild as lambda.CfnFunction).loggingConfig as lambda.CfnFunction.LoggingConfigProperty | undefined;
    return logs.LogGroup.fromLogGroupName(scope, 'LogGroupRef', config?.logGroup ?? `/aws/lambda/${fn.functionName}`);
  }

  /** The partner event source name, when the bus is one that accepts a partner source. */
  private partnerEventSourceName(): string | undefined {
    if (this.eventBus.eventSourceName !== undefined) return this.eventBus.eventSourceName;
    const name = this.eventBus.eventBusName;
    return !Token.isUnresolved(name) && name.startsWith('aws.partner/') ? name : undefined;
  }

  private createArchive(options: StripeArchiveOptions | undefined): events.Archive | undefined {
    if (options?.enabled === false) return undefined;
    const archive = new events.Archive(this, 'Archive', {
      sourceEventBus: this.eventBus,
      // Only Stripe's events: the same source prefix as the rules.
      eventPattern: { source: [{ prefix: this.sourcePrefix }] as unknown as string[] },
      retention: options?.retention ?? Duration.days(30),
      description: 'Stripe events, for replay after a bug fix (Stripe cannot resend events to EventBridge)',
    });
    // aws-cdk-lib renders `KmsKeyIdentifier: ""` without a key, which some regions reject
    // (github.com/aws/aws-cdk/issues/37847): leave the property out so the AWS-owned key is used.
    (archive.node.defaultChild as events.CfnArchive).addPropertyDeletionOverride('KmsKeyIdentifier');
    return archive;
  }

  private validateNumbers(props: StripeEventBridgeIntegrationProps): void {
    const { retryAttempts, lambdaRetryAttempts, maxEventAge, lambdaMaxEventAge } = props;
    const outside = (n: number | undefined, max: number) => n !== undefined && !Token.isUnresolved(n) && (n < 0 || n > max || !Number.isInteger(n));
    if (outside(retryAttempts, 185)) {
      throw new Error(`retryAttempts: ${retryAttempts} is outside EventBridge's range of 0 to 185 retries.`);
    }
    if (outside(lambdaRetryAttempts, 2)) {
      throw new Error(`lambdaRetryAttempts: ${lambdaRetryAttempts} is outside Lambda's range of 0 to 2 retries.`);
    }
    if (maxEventAge && !maxEventAge.isUnresolved() && (maxEventAge.toSeconds() < 60 || maxEventAge.toSeconds() > 86400)) {
      throw new Error(`maxEventAge: ${maxEventAge.toHumanString()} is outside EventBridge's range of 1 minute to 24 hours.`);
    }
    if (lambdaMaxEventAge && !lambdaMaxEventAge.isUnresolved() && (lambdaMaxEventAge.toSeconds() < 60 || lambdaMaxEventAge.toSeconds() > 21600)) {
      throw new Error(`lambdaMaxEventAge: ${lambdaMaxEventAge.toHumanString()} is outside Lambda's range of 1 minute to 6 hours.`);
    }
    const alarms = props.alarms ?? {};
    const silence = alarms.noEventsPeriod;
    if (silence && !silence.isUnresolved() && (silence.toSeconds() < 300 || silence.toSeconds() > 86400 || silence.toSeconds() % 60 !== 0)) {
      throw new Error(`alarms.noEventsPeriod: ${silence.toHumanString()} must be whole minutes from 5 minutes to 24 hours (one CloudWatch alarm period).`);
    }
    const percent = alarms.durationThresholdPercent;
    if (percent !== undefined && !Token.isUnresolved(percent) && (percent <= 0 || percent > 100)) {
      throw new Error(`alarms.durationThresholdPercent: ${percent} must be above 0 and at most 100.`);
    }
    if (outside(alarms.evaluationPeriods, Number.MAX_SAFE_INTEGER) || alarms.evaluationPeriods === 0) {
      throw new Error(`alarms.evaluationPeriods: ${alarms.evaluationPeriods} must be a whole number of at least 1.`);
    }
    const lifetime = props.idempotency?.recordLifetime;
    if (lifetime && !lifetime.isUnresolved() && lifetime.toSeconds() < 3600) {
      throw new Error(
        `idempotency.recordLifetime: ${lifetime.toHumanString()} is shorter than one hour; records must outlive the retry windows before them ` +
          '(Stripe up to 3 days, EventBridge up to 24 hours, Lambda up to 6 hours). The default is 7 days.',
      );
    }
  }

  /** Groups the `handlers` keys by handler object: one function and one rule per object. */
  private groupHandlers(props: StripeEventBridgeIntegrationProps): Map<StripeEventHandler, { name: string; keys: EventTypeKey[] }> {
    const entries = Object.entries(props.handlers ?? {});
    if (entries.length === 0) {
      throw new Error("handlers: no handlers given; map at least one Stripe event type to a StripeEventHandler, e.g. { 'checkout.session.completed': handler }.");
    }
    const groups = new Map<StripeEventHandler, { name: string; keys: EventTypeKey[] }>();
    for (const [key, handler] of entries) {
      if (!(handler instanceof StripeEventHandler)) {
        throw new Error(`handlers: '${key}' maps to ${typeof handler}; expected StripeEventHandler.fromCode(...) or StripeEventHandler.fromFunction(...).`);
      }
      const parsed = parseEventTypeKey(key, props.allowUnknownEventTypes ?? false);
      const group = groups.get(handler);
      if (group) group.keys.push(parsed);
      else groups.set(handler, { name: '', keys: [parsed] });
    }
    const names = new Map<string, string>();
    for (const [handler, group] of groups) {
      group.name = handler._name ?? nameFromEventType([...group.keys.map((k) => k.key)].sort()[0]);
      const clash = names.get(group.name);
      if (clash !== undefined) {
        throw new Error(
          `handlers: two different handlers are named '${group.name}' (for '${clash}' and '${group.keys[0].key}'). ` +
            'Give them distinct names, or use the same StripeEventHandler object for both keys to share one function.',
        );
      }
      names.set(group.name, group.keys[0].key);
    }
    return groups;
  }

  private buildDetailFilter(props: StripeEventBridgeIntegrationProps): Record<string, unknown> | undefined {
    const filter: Record<string, unknown> = { ...(props.detailFilter ?? {}) };
    if (props.detailFilter) validateDetailFilter(filter);
    const livemode = props.livemode ?? StripeLivemode.ALL;
    if (livemode !== StripeLivemode.ALL) {
      if ('livemode' in filter) {
        throw new Error('detailFilter: has a livemode condition and livemode is also set; use only the livemode property.');
      }
      filter.livemode = [livemode === StripeLivemode.LIVE_ONLY];
    }
    return Object.keys(filter).length > 0 ? filter : undefined;
  }

  private createTable(removalPolicy: RemovalPolicy | undefined): dynamodb.ITable {
    // The Powertools idempotency schema: partition key `id`, TTL on `expiration` (epoch seconds).
    return new dynamodb.Table(this, 'IdempotencyTable', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: 'expiration',
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }

  private createDeadLetterQueue(): sqs.IQueue {
    const queue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    // cdk-nag's AwsSolutions-SQS3 asks every queue to have a DLQ unless it is one; it cannot see that this
    // queue is the target of DeadLetterConfig and on-failure destinations. Acknowledged in cdk-nag's metadata format.
    (queue.node.defaultChild as CfnResource).addMetadata('cdk_nag', {
      rules_to_suppress: [
        { id: 'AwsSolutions-SQS3', reason: 'This queue is the dead-letter queue of the integration\'s rule targets and of its functions\' on-failure destinations.' },
      ],
    });
    return queue;
  }

  private wrapperEnvironment(name: string): Record<string, string> {
    const env: Record<string, string> = {
      [ENV_HANDLER_NAME]: name,
      [ENV_IDEMPOTENCY_TABLE]: this.idempotencyTable.tableName,
      [ENV_IDEMPOTENCY_KEY_PREFIX]: `${this.node.id}.${name}`,
      [ENV_IDEMPOTENCY_TTL_SECONDS]: String(this.ttlSeconds),
      POWERTOOLS_SERVICE_NAME: name,
      POWERTOOLS_METRICS_NAMESPACE: this.props.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE,
    };
    if (this.sourcePrefix !== STRIPE_SOURCE_PREFIX) env[ENV_SOURCE_PREFIX] = this.sourcePrefix;
    return env;
  }

  private bindFunction(scope: Construct, handler: StripeEventHandler, name: string, keys: EventTypeKey[]): lambda.IFunction {
    const source = handler._source;
    const fn = source.kind === 'code' ? this.createFunction(scope, name, keys, source.options) : source.fn;
    if (source.kind === 'function') {
      this.wrapExistingFunction(fn, name);
    }
    // A function imported without its role cannot be granted anything: say what it needs instead.
    const canGrant = fn.role !== undefined;
    if (canGrant) {
      this.grantIdempotency(fn);
    } else {
      Annotations.of(this).addWarningV2(
        '@babes/stripe-eventbridge:handlerRoleUnknown',
        `Handler '${name}' (${fn.node.path}) was imported without its execution role, so nothing could be granted to it. ` +
          'Its role needs dynamodb:GetItem, PutItem, UpdateItem and DeleteItem on the idempotency table and sqs:SendMessage on the dead-letter queue; ' +
          'or import it with lambda.Function.fromFunctionAttributes({ role }).',
      );
    }
    this.configureAsyncFailures(fn, name, canGrant);
    return fn;
  }

  private createFunction(scope: Construct, name: string, keys: EventTypeKey[], options: StripeFunctionOptions): lambda.IFunction {
    const userEnv = options.environment ?? {};
    const reserved = Object.keys(userEnv).filter((k) => k.startsWith('STRIPE_EB_') || k === 'POWERTOOLS_SERVICE_NAME');
    if (reserved.length > 0) {
      throw new Error(`handlers.${name}.environment: ${reserved.join(', ')} ${reserved.length === 1 ? 'is' : 'are'} set by the integration; remove ${reserved.length === 1 ? 'it' : 'them'}.`);
    }
    const logGroup = new logs.LogGroup(scope, 'LogGroup', {
      retention: this.props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // An explicit role with write access to this log group only, instead of AWSLambdaBasicExecutionRole's logs:* on every group.
    const role = new iam.Role(scope, 'ServiceRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Stripe event handler ${name}`,
    });
    logGroup.grantWrite(role);
    return new lambda.Function(scope, 'Function', {
      code: options.code,
      handler: WRAPPER_HANDLER,
      runtime: options.runtime ?? lambda.Runtime.NODEJS_24_X,
      architecture: options.architecture ?? lambda.Architecture.ARM_64,
      memorySize: options.memorySize ?? 512,
      timeout: options.timeout ?? Duration.seconds(30),
      role,
      logGroup,
      layers: [wrapperLayer(this), ...(options.layers ?? [])],
      reservedConcurrentExecutions: options.reservedConcurrentExecutions,
      description: options.description ?? `Handles Stripe ${keys.map((k) => k.key).join(', ')} events`.slice(0, 256),
      environment: { ...userEnv, [ENV_USER_HANDLER]: options.handler, ...this.wrapperEnvironment(name) },
    });
  }

  /** Wraps a received `lambda.Function` in place, or warns why it cannot. */
  private wrapExistingFunction(fn: lambda.IFunction, name: string): void {
    const notWrapped = (why: string) =>
      Annotations.of(this).addWarningV2(
        '@babes/stripe-eventbridge:handlerNotWrapped',
        `Handler '${name}' (${fn.node.path}) ${why}, so it is not wrapped: events are routed to it and it may use the idempotency table, ` +
          'but validation, idempotency on detail.id, logging and metrics are up to your code. Wrap it with the ' +
          `layer and handler '${WRAPPER_HANDLER}' yourself, or use StripeEventHandler.fromCode().`,
      );
    if (!(fn instanceof lambda.Function)) {
      notWrapped('is not a lambda.Function defined in this app');
      return;
    }
    const cfn = fn.node.defaultChild as lambda.CfnFunction;
    if (cfn.packageType === 'Image' || cfn.handler === undefined) {
      notWrapped('is a container image function');
      return;
    }
    if (fn.runtime.family !== lambda.RuntimeFamily.NODEJS) {
      notWrapped(`runs ${fn.runtime.name}, and the wrapper runs on Node.js`);
      return;
    }
    if (!supportsWrapper(fn.runtime)) {
      throw new Error(`handlers.${name}: ${fn.node.path} runs ${fn.runtime.name}; the wrapper needs nodejs22.x or later. Upgrade the function's runtime.`);
    }
    if (cfn.handler === WRAPPER_HANDLER) {
      throw new Error(`handlers.${name}: ${fn.node.path} is already wrapped by another StripeEventBridgeIntegration; give each integration its own function.`);
    }
    fn.addLayers(wrapperLayer(fn));
    fn.addEnvironment(ENV_USER_HANDLER, cfn.handler);
    for (const [key, value] of Object.entries(this.wrapperEnvironment(name))) {
      fn.addEnvironment(key, value);
    }
    cfn.handler = WRAPPER_HANDLER;
  }

  /** Only what Powertools idempotency does: GetItem, PutItem, UpdateItem, DeleteItem on this table. */
  private grantIdempotency(fn: lambda.IFunction): void {
    this.idempotencyTable.grant(fn, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem');
    this.idempotencyTable.encryptionKey?.grantEncryptDecrypt(fn);
  }

  /**
   * EventBridge invokes Lambda asynchronously, so the rule's DLQ only sees events it could not hand over;
   * a handler that fails or times out needs the function's own on-failure destination.
   */
  private configureAsyncFailures(fn: lambda.IFunction, name: string, canGrant: boolean): void {
    if (fn instanceof lambda.Function && fn.node.tryFindChild('EventInvokeConfig')) {
      throw new Error(
        `handlers.${name}: ${fn.node.path} already has an asynchronous invocation configuration; remove it: ` +
          'the integration sets Lambda retries and the on-failure dead-letter queue.',
      );
    }
    const dlqArn = this.deadLetterQueue.queueArn;
    fn.configureAsyncInvoke({
      // SqsDestination also grants the function's role sqs:SendMessage; without a role, only point at the queue.
      onFailure: canGrant ? new destinations.SqsDestination(this.deadLetterQueue) : { bind: () => ({ destination: dlqArn }) },
      retryAttempts: this.props.lambdaRetryAttempts ?? 2,
      maxEventAge: this.props.lambdaMaxEventAge ?? Duration.hours(6),
    });
  }

  private createRule(
    scope: Construct,
    name: string,
    keys: EventTypeKey[],
    fn: lambda.IFunction,
    counts: { rules: number; wildcardRules: number },
  ): events.IRule {
    const { pattern, hasWildcard, length } = buildHandlerPattern(this.sourcePrefix, keys, this.detailFilter);
    if (length > MAX_PATTERN_LENGTH) {
      throw new Error(
        `handlers: the rule for handler '${name}' has an event pattern of ${length} characters, above EventBridge's limit of ${MAX_PATTERN_LENGTH}. ` +
          'Use a wildcard key (e.g. \'invoice.*\') instead of many exact types, split the handler, or shorten detailFilter.',
      );
    }
    counts.rules += 1;
    if (hasWildcard) counts.wildcardRules += 1;
    if (counts.rules > MAX_RULES_PER_BUS) {
      throw new Error(
        `handlers: this app puts ${counts.rules} rules on one event bus; EventBridge allows ${MAX_RULES_PER_BUS} per bus by default. ` +
          'Share handlers between event types (one handler object under several keys is one rule), or raise the quota and split the bus.',
      );
    }
    if (counts.wildcardRules > MAX_WILDCARD_RULES_PER_BUS) {
      throw new Error(
        `handlers: this app puts ${counts.wildcardRules} rules with wildcard patterns on one event bus; EventBridge allows at most ${MAX_WILDCARD_RULES_PER_BUS} (not adjustable). ` +
          "Use exact event types for some handlers, or one handler under several wildcard keys (e.g. 'invoice.*' and 'invoiceitem.*').",
      );
    }
    const rule = new events.Rule(scope, 'Rule', {
      eventBus: this.eventBus,
      description: `Stripe ${keys.map((k) => k.key).join(', ')} events to handler ${name}`.slice(0, 512),
      eventPattern: {
        source: pattern.source as string[],
        detailType: pattern['detail-type'] as string[] | undefined,
        detail: pattern.detail as Record<string, unknown> | undefined,
      },
    });
    rule.addTarget(
      new targets.LambdaFunction(fn, {
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: this.props.retryAttempts ?? 185,
        maxEventAge: this.props.maxEventAge ?? Duration.hours(24),
      }),
    );
    return rule;
  }

  private busCounter(): { rules: number; wildcardRules: number } {
    const root = this.node.root;
    let perBus = rulesPerBus.get(root);
    if (!perBus) {
      perBus = new Map();
      rulesPerBus.set(root, perBus);
    }
    // A bus known by a literal name (imported) is the same bus wherever it is imported; a created bus is
    // identified by its stack and logical reference.
    const resolvedName = Stack.of(this.eventBus).resolve(this.eventBus.eventBusName);
    const key = typeof resolvedName === 'string' ? resolvedName : `${Stack.of(this.eventBus).node.path}:${JSON.stringify(resolvedName)}`;
    let counts = perBus.get(key);
    if (!counts) {
      counts = { rules: 0, wildcardRules: 0 };
      perBus.set(key, counts);
    }
    return counts;
  }
}
