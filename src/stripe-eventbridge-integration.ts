import { Duration, NestedStack, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DELIVERY_METRICS, METRIC_EVENT_AGE, METRIC_FAILED, METRIC_INVALID, METRIC_PROCESSED } from './contract/metrics';
import { StripeEventPayload } from './event-payload';
import { StripeIdempotencyOptions } from './idempotency-options';
import { StripeAlarmOptions, StripeArchiveOptions, StripeDashboardOptions } from './monitoring-options';
import { INTEGRATION_DEFAULTS } from './private/defaults';
import { invalid } from './private/errors';
import { payloadOfKey } from './private/event-type-keys';
import { checkBusQuotas } from './private/integration/bus-quotas';
import { busesOf, checkKeysHaveABus, resolveBuses } from './private/integration/buses';
import { allowRulesOnBusToSendTo, MAX_RULE_STATEMENTS, restrictDeadLetterSenders } from './private/integration/dead-letter-policy';
import { buildDetailFilter, groupHandlers, warnAboutDetailFilterOnThinEvents, warnAboutSplitTwins } from './private/integration/handler-groups';
import { addIntegrationOutputs } from './private/integration/outputs';
import { createArchive, createDeadLetterQueue, createIdempotencyTable } from './private/integration/resources';
import { checkTemplateLimits, RouteStacks } from './private/integration/route-stacks';
import { partnerEventSourceOf, StripeMetricFactory } from './private/metric-factory';
import { validateAlarmDimensions, validateAlarmOptions } from './private/monitoring/alarm-options';
import { createMonitoring } from './private/monitoring/integration-monitoring';
import { defaultKeyScope, keyPrefix, validateKeyScope } from './private/route/key-scope';
import { resolveRouteOptions } from './private/route/options';
import { resolveRecordLifetime } from './private/route/record-lifetime';
import { StripeRouteOptions } from './route-options';
import { StripeRoutePlacement } from './route-placement';
import { StripeEventBus } from './stripe-event-bus';
import { StripeEventHandler } from './stripe-event-handler';
import { StripeEventReconciliation, StripeReconciliationOptions } from './stripe-event-reconciliation';
import { StripeEventRoute } from './stripe-event-route';

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
 * Properties of a StripeEventBridgeIntegration.
 */
export interface StripeEventBridgeIntegrationProps extends StripeRouteOptions {
  /**
   * The bus Stripe events arrive on, e.g.
   * `StripeEventBus.fromPartnerEventSource('aws.partner/stripe.com/ed_…')`: a bus of snapshot events (the
   * default), or of thin events (`{ payload: StripeEventPayload.THIN }`) for an integration of thin events only.
   */
  readonly eventBus: StripeEventBus;

  /**
   * A second bus, of thin events, beside a snapshot `eventBus`: the partner bus of a Stripe event destination
   * whose payload is thin, e.g. `StripeEventBus.fromPartnerEventSource('aws.partner/stripe.com/ed_…', { payload:
   * StripeEventPayload.THIN })` or `StripeEventBus.fromDestination(thinDestination)`. Handler keys that are thin
   * types (`v1.*`, `v2.*`) get their rules on it; a handler with keys of both styles gets one function and a
   * rule on each bus. It gets its own archive.
   *
   * @default - none: thin types need a thin bus (here, or as `eventBus`)
   */
  readonly thinEventBus?: StripeEventBus;

  /**
   * Your business logic, by Stripe event type. Keys are exact types (`checkout.session.completed`),
   * a trailing wildcard (`customer.subscription.*`) or `*` for every event. The same handler under
   * several keys gets one route: one function and one rule.
   */
  readonly handlers: { [eventType: string]: StripeEventHandler };

  /**
   * Which Stripe mode's events to deliver.
   *
   * @default StripeLivemode.ALL
   */
  readonly livemode?: StripeLivemode;

  /**
   * Idempotency settings.
   *
   * @default - a new table; records kept as long as an event can come back; keys scoped by stack and construct path
   */
  readonly idempotency?: StripeIdempotencyOptions;

  /**
   * Where events end when they cannot be processed: EventBridge puts events it could not deliver here,
   * and Lambda puts events whose handler failed after its retries here, with the error.
   *
   * @default - a queue is created: SQS-managed encryption, TLS only, 14-day retention, retained when the stack is deleted
   */
  readonly deadLetterQueue?: sqs.IQueue;

  /**
   * What happens to the created dead-letter queue when it leaves the stack (its failed events wait there for a redrive).
   * @default RemovalPolicy.RETAIN
   */
  readonly deadLetterQueueRemovalPolicy?: RemovalPolicy;

  /**
   * Alarms for every way a Stripe event can fail or go silent, all notifying one SNS topic.
   *
   * @default - every alarm, with a created topic and no subscriptions (cdk synth warns until the topic has one)
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
   * @default - an archive with 30 days of retention, retained when the stack is deleted
   */
  readonly archive?: StripeArchiveOptions;

  /**
   * Check Stripe's event log against the idempotency records on a schedule: EventsMissed, an alarm, optional backfill.
   * @default - none (`npx stripe-eventbridge reconcile` runs the same check on demand)
   */
  readonly reconciliation?: StripeReconciliationOptions;

  /**
   * Where the routes (function, role, log group, rule, permission: about 7 resources each) go: this
   * stack while they fit, or nested stacks deployed by the same `cdk deploy`.
   *
   * @default StripeRoutePlacement.AUTO (this stack up to 25 handlers, nested stacks above)
   */
  readonly routePlacement?: StripeRoutePlacement;

}

/**
 * Carries Stripe events from an EventBridge bus to your handlers: one route per handler (a rule and a
 * wrapped Lambda function: validation, idempotency on the Stripe event id, structured logs, metrics), an
 * idempotency table, a dead-letter queue that receives every event that could not be processed, an archive
 * for replays, alarms, a dashboard and saved Logs Insights queries.
 *
 * Within the record lifetime, which covers every way the integration can bring an event back, a handler
 * that succeeded is not run again for the same Stripe event. Writes a handler hands to
 * `context.effects.transactWrite` commit with the event's record, so they happen exactly once; writes a
 * handler makes on its own happen at least once: if the invocation fails after them (a crash, a timeout,
 * the record's completion failing), the retry runs the handler again.
 */
export class StripeEventBridgeIntegration extends Construct {
  /** The bus Stripe events arrive on (`eventBus`). */
  public readonly eventBus: events.IEventBus;

  /** The second bus, of thin events, when `thinEventBus` is set. */
  public readonly thinEventBus?: events.IEventBus;

  /** The idempotency table (Powertools schema). */
  public readonly idempotencyTable: dynamodb.ITable;

  /** How long each processed event's idempotency record is kept (`STRIPE_EB_IDEMPOTENCY_TTL_SECONDS`). */
  public readonly recordLifetime: Duration;

  /** The scope of the handlers' idempotency keys: each prefix is `<keyScope>.<handler name>`. */
  public readonly keyScope: string;

  /** The dead-letter queue for events EventBridge could not deliver and events whose handler failed. */
  public readonly deadLetterQueue: sqs.IQueue;

  /** One route per handler object (its function, rule, log group and metrics), in the order of `handlers`. */
  public readonly routes: StripeEventRoute[];

  /** Every key of `handlers`, in the order given. */
  public readonly eventTypes: string[];

  /** Every alarm the integration created. */
  public readonly alarms: cloudwatch.IAlarm[];

  /** The topic alarms notify, when alarms are enabled. */
  public readonly alarmTopic?: sns.ITopic;

  /** The dashboard, unless turned off (`dashboard: { enabled: false }`). */
  public readonly dashboard?: cloudwatch.Dashboard;

  /** The archive of Stripe events on `eventBus`, when enabled. */
  public readonly archive?: events.Archive;

  /** The archive of Stripe events on `thinEventBus`, when there is one and archives are enabled. */
  public readonly thinArchive?: events.Archive;

  /** Saved Logs Insights queries over the handlers' log groups. */
  public readonly queries: logs.QueryDefinition[];

  /** The scheduled reconciliation, when `reconciliation` is set. */
  public readonly reconciliation?: StripeEventReconciliation;

  /** The nested stacks that hold the routes, when the routes are not in this integration's stack. */
  public readonly nestedStacks: NestedStack[];

  private readonly metrics: StripeMetricFactory;
  private readonly routeByHandler = new Map<StripeEventHandler, StripeEventRoute>();

  constructor(scope: Construct, id: string, props: StripeEventBridgeIntegrationProps) {
    super(scope, id);
    const options = resolveRouteOptions(this, props);
    validateAlarmOptions(this, props.alarms ?? {});
    validateKeyScope(this, props.idempotency?.keyScope, 'idempotency.keyScope');
    (props.idempotency?.previousKeyScopes ?? []).forEach((s, i) => validateKeyScope(this, s, `idempotency.previousKeyScopes[${i}]`));

    // Every key parsed once, here: the routes and the destination receive the parsed keys.
    const isHandler = (value: unknown): value is StripeEventHandler => value instanceof StripeEventHandler;
    const { groups, keys } = groupHandlers(this, props.handlers, options.allowUnknownEventTypes, isHandler);
    this.eventTypes = keys.map((k) => k.key);
    // Each key's bus, checked before anything is created: a thin type needs a thin bus, a snapshot type a snapshot bus.
    const buses = resolveBuses(this, props.eventBus, props.thinEventBus);
    checkKeysHaveABus(this, keys, buses);
    warnAboutSplitTwins(this, groups);
    const livemode = props.livemode === StripeLivemode.LIVE_ONLY ? true : props.livemode === StripeLivemode.TEST_ONLY ? false : undefined;
    const detailFilter = buildDetailFilter(this, options.detailFilter, livemode);
    if (buses.some((b) => b.payload === StripeEventPayload.THIN)) warnAboutDetailFilterOnThinEvents(this, options.detailFilter);

    // One archive and one set of bus checks per bus; `eventBus` keeps the construct ids it always had.
    const bound = buses.map((bus, i) => {
      const eventBus = bus._bind(this, i === 0 ? 'EventBus' : 'ThinEventBus');
      bus._useEventTypes(keys.filter((k) => payloadOfKey(k) === undefined || payloadOfKey(k) === bus.payload));
      return { bus, eventBus, archiveId: i === 0 ? 'Archive' : 'ThinArchive' };
    });
    this.eventBus = bound[0].eventBus;
    this.thinEventBus = bound[1]?.eventBus;
    this.idempotencyTable = props.idempotency?.table ?? createIdempotencyTable(this, props.idempotency?.removalPolicy);
    this.deadLetterQueue = props.deadLetterQueue ?? createDeadLetterQueue(this, props.deadLetterQueueRemovalPolicy);
    const integrationName = `${Stack.of(this).stackName}/${this.node.id}`;
    this.metrics = new StripeMetricFactory(options.metricsNamespace, this.eventBus, integrationName);
    const archiveRetention = props.archive?.enabled === false ? undefined : (props.archive?.retention ?? INTEGRATION_DEFAULTS.archiveRetention);
    const archives = archiveRetention === undefined
      ? []
      : bound.map((b) => createArchive(this, b.archiveId, b.eventBus, b.bus.sourcePrefix, archiveRetention, props.archive?.removalPolicy));
    this.archive = archives[0];
    this.thinArchive = archives[1];
    const handlerMetrics = props.handlerMetrics ?? props.alarms?.handlerAlarms ?? options.handlerMetrics;
    // An SQS queue policy holds at most 20 statements: beyond MAX_RULE_STATEMENTS rules, one statement per bus.
    const ruleCount = groups.reduce((n, g) => n + busesOf(g.keys, buses).length, 0);
    const statementPerRule = ruleCount <= MAX_RULE_STATEMENTS;
    if (!statementPerRule) bound.forEach((b, i) => allowRulesOnBusToSendTo(this.deadLetterQueue, b.eventBus, i === 0 ? undefined : 'Thin'));
    this.recordLifetime = resolveRecordLifetime(this, props.idempotency?.recordLifetime, {
      maxEventAge: options.maxEventAge,
      lambdaMaxEventAge: options.lambdaMaxEventAge,
      deadLetterQueue: this.deadLetterQueue,
      createdQueueRetention: props.deadLetterQueue ? undefined : INTEGRATION_DEFAULTS.deadLetterQueueRetention,
      archiveRetention,
    }, 'idempotency.recordLifetime');
    this.keyScope = props.idempotency?.keyScope ?? defaultKeyScope(this);

    const routeStacks = new RouteStacks(this, props.routePlacement ?? StripeRoutePlacement.AUTO, groups.length);
    this.routes = groups.map(({ name, handler, keys: handlerKeys }) => {
      const route = StripeEventRoute._compose(routeStacks.scopeFor(name), name, {
        ...options,
        handler,
        eventTypes: handlerKeys.map((k) => k.key),
        eventBus: this.eventBus,
        eventBusPayload: props.eventBus.payload,
        thinEventBus: this.thinEventBus,
        sourcePrefix: props.eventBus.sourcePrefix,
        detailFilter,
        idempotencyTable: this.idempotencyTable,
        idempotencyKeyPrefix: keyPrefix(this.keyScope, name),
        previousIdempotencyKeyPrefixes: props.idempotency?.previousKeyScopes?.map((s) => keyPrefix(s, name)),
        recordLifetime: this.recordLifetime,
        deadLetterQueue: this.deadLetterQueue,
        integrationName,
        handlerMetrics,
        allowRuleToSendToDeadLetterQueue: statementPerRule,
      }, handlerKeys);
      this.routeByHandler.set(handler, route);
      return route;
    });
    this.nestedStacks = routeStacks.nestedStacks;
    // The queue it created accepts messages from its rules and its handlers' roles only (private/integration/dead-letter-policy.ts).
    if (!props.deadLetterQueue) {
      restrictDeadLetterSenders(this.deadLetterQueue, bound.map((b) => b.eventBus), this.routes.map((r) => r.function.role));
    }
    checkBusQuotas(this, bound.map((b) => b.eventBus));
    checkTemplateLimits(this, routeStacks, this.routes.length);

    for (const b of bound) validateAlarmDimensions(this, b.eventBus, props.alarms);
    const monitoring = createMonitoring(this, this.routes, this.idempotencyTable, props.alarms ?? {}, props.dashboard ?? {}, {
      lambdaRetryAttempts: options.lambdaRetryAttempts,
      lambdaMaxEventAge: options.lambdaMaxEventAge,
    }, this.metrics);
    this.alarms = monitoring.alarms;
    this.alarmTopic = monitoring.topic;
    this.dashboard = monitoring.dashboard;
    this.queries = monitoring.queries;
    addIntegrationOutputs(this, this);

    // Stripe's event log against the idempotency records, on a schedule: a child like the routes, whose alarms join the integration's.
    if (props.reconciliation) {
      this.reconciliation = new StripeEventReconciliation(this, 'Reconciliation', {
        ...props.reconciliation,
        routes: this.routes,
        idempotencyTable: this.idempotencyTable,
        ...reconciliationSources(bound),
        metricsNamespace: options.metricsNamespace,
        alarms: props.alarms?.enabled !== false,
        alarmTopic: this.alarmTopic,
        logRetention: options.logRetention,
      });
      this.alarms.push(...this.reconciliation.alarms);
    }
  }

  /**
   * The route of a handler given in `handlers`.
   * @param handler the StripeEventHandler object, as given in `handlers`
   */
  public routeFor(handler: StripeEventHandler): StripeEventRoute {
    const route = this.routeByHandler.get(handler);
    if (!route) {
      invalid(this, `routeFor: the handler is not one of this integration's handlers (${this.routes.map((r) => r.handlerName).join(', ')}).`);
    }
    return route;
  }

  /**
   * Stripe events arriving: the partner sources' ingested events (AWS/Events Events by EventSourceName, summed
   * over `eventBus` and `thinEventBus`) when the buses are partner buses, otherwise the events matched by the
   * integration's rules (with more than 10 rules, the wrapper's deliveries of every outcome).
   * @param props metric options (period, statistic, label, …)
   */
  public metricEventsReceived(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    const buses = [this.eventBus, ...(this.thinEventBus ? [this.thinEventBus] : [])];
    const sources = buses.map(partnerEventSourceOf);
    if (sources.every((s): s is string => s !== undefined)) {
      const metrics = sources.map((s) => this.metrics.partnerEvents(s, props));
      return metrics.length === 1 ? metrics[0] : this.metrics.sum(metrics, 'Stripe events received', props);
    }
    // An alarm reads at most 10 metrics: with more rules, count the wrapper's deliveries of every outcome instead.
    const matched = this.routes.flatMap((r) => r.metricEachRule('TriggeredRules', props));
    if (matched.length <= 10) return this.metrics.sum(matched, 'Stripe events matched', props);
    return this.metrics.sum(DELIVERY_METRICS.map((m) => this.metrics.integration(m, 'Sum', props)), 'Stripe events delivered', props);
  }

  /**
   * Stripe events the wrapper processed (ran a handler for), all handlers together, per period.
   * @param props metric options (period, statistic, label, …)
   */
  public metricEventsProcessed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.integration(METRIC_PROCESSED, 'Sum', props);
  }

  /**
   * Deliveries whose handler threw (or whose idempotency store failed), all handlers together, per period.
   * @param props metric options (period, statistic, label, …)
   */
  public metricEventsFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.integration(METRIC_FAILED, 'Sum', props);
  }

  /**
   * Deliveries rejected as not valid Stripe snapshot events, all handlers together, per period.
   * @param props metric options (period, statistic, label, …)
   */
  public metricEventsInvalid(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.integration(METRIC_INVALID, 'Sum', props);
  }

  /**
   * Delay from a Stripe event's creation to its handler, in milliseconds, all handlers together (p99 by default).
   * @param props metric options (period, statistic, label, …)
   */
  public metricEventAge(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.integration(METRIC_EVENT_AGE, 'p99', props);
  }

  /**
   * Messages waiting in the dead-letter queue (maximum).
   * @param props metric options (period, statistic, label, …)
   */
  public metricDeadLetterQueueMessages(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: Duration.minutes(5), ...props });
  }

  /**
   * Age of the oldest dead-letter message, in seconds (maximum).
   * @param props metric options (period, statistic, label, …)
   */
  public metricDeadLetterQueueOldestMessageAge(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.deadLetterQueue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum', period: Duration.minutes(5), ...props });
  }

  /**
   * Invocations EventBridge gave up on (AWS/Events FailedInvocations), summed over every rule of the integration
   * (a Metrics Insights query: rules added later count too), per period.
   * @param props metric options (period, label, color)
   */
  public metricRulesFailedInvocations(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return this.metrics.rules('FailedInvocations', this.ruleBuses(), props);
  }

  /**
   * Undeliverable events EventBridge could not put in the dead-letter queue (AWS/Events
   * InvocationsFailedToBeSentToDlq): lost from this path. Summed over every rule of the integration (a Metrics
   * Insights query), per period.
   * @param props metric options (period, label, color)
   */
  public metricRulesInvocationsFailedToBeSentToDlq(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return this.metrics.rules('InvocationsFailedToBeSentToDlq', this.ruleBuses(), props);
  }

  /**
   * Throttled rule runs (AWS/Events ThrottledRules), summed over every rule of the integration (a Metrics Insights
   * query), per period.
   * @param props metric options (period, label, color)
   */
  public metricRulesThrottled(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return this.metrics.rules('ThrottledRules', this.ruleBuses(), props);
  }

  /**
   * Failed events Lambda could not put in their on-failure destination (AWS/Lambda DestinationDeliveryFailures):
   * lost from this path. Summed over every function of the account and Region, the integration's among them: a
   * function's metrics carry only its generated name, which a Metrics Insights query cannot select on.
   * @param props metric options (period, label, color)
   */
  public metricDestinationDeliveryFailures(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return this.metrics.functions('DestinationDeliveryFailures', props);
  }

  /** The buses of the integration's rules (one or both of its buses). */
  private ruleBuses(): events.IEventBus[] {
    return this.routes.flatMap((r) => r.eventBuses);
  }
}

/** The partner event sources of the integration's snapshot and thin buses: the `source` of backfilled events of each style. */
function reconciliationSources(
  bound: ReadonlyArray<{ bus: StripeEventBus; eventBus: events.IEventBus }>,
): { eventSourceName?: string; thinEventSourceName?: string } {
  const of = (payload: StripeEventPayload) => {
    const b = bound.find((x) => x.bus.payload === payload);
    return b ? partnerEventSourceOf(b.eventBus) : undefined;
  };
  return { eventSourceName: of(StripeEventPayload.SNAPSHOT), thinEventSourceName: of(StripeEventPayload.THIN) };
}
