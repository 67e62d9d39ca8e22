import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  METRIC_DUPLICATE,
  METRIC_EVENT_AGE,
  METRIC_FAILED,
  METRIC_IN_PROGRESS,
  METRIC_INVALID,
  METRIC_PROCESSED,
  METRIC_PROCESSING_TIME,
} from './contract/metrics';
import { STRIPE_PARTNER_SOURCE_PREFIX } from './contract/stripe';
import {
  ENV_HANDLER_METRICS,
  ENV_HANDLER_NAME,
  ENV_IDEMPOTENCY_KEY_PREFIX,
  ENV_IDEMPOTENCY_TABLE,
  ENV_IDEMPOTENCY_TTL_SECONDS,
  ENV_METRICS_INTEGRATION,
  ENV_POWERTOOLS_METRICS_NAMESPACE,
  ENV_POWERTOOLS_SERVICE_NAME,
  ENV_SOURCE_PREFIX,
} from './contract/wrapper';
import { StripeEventPayload } from './event-payload';
import { invalid, warn } from './private/errors';
import { EventTypeKey, handlerNameFor, parseEventTypeKey } from './private/event-type-keys';
import { StripeMetricFactory } from './private/metric-factory';
import { planRules } from './private/route/buses';
import { checkKeySpace, defaultKeyScope, idempotencyTableActions, keyPrefix, previousKeyPrefixesEnvironment } from './private/route/key-scope';
import { resolveRouteOptions } from './private/route/options';
import { routeRecordLifetime } from './private/route/record-lifetime';
import { thinEventEnvironment, warnThinWithoutStripeKey } from './private/route/thin-events';
import { configureAsyncFailures, createRule, reservedConcurrency } from './private/route/wiring';
import { validateDetailFilter } from './private/rule-pattern';
import { StripeRouteOptions } from './route-options';
import { StripeEventHandler } from './stripe-event-handler';

/**
 * Properties of a StripeEventRoute.
 */
export interface StripeEventRouteProps extends StripeRouteOptions {
  /** The business logic that receives the events. */
  readonly handler: StripeEventHandler;

  /**
   * The Stripe event types the route receives: exact types (`checkout.session.completed`, or thin
   * `v2.core.account.updated`), trailing wildcards (`customer.subscription.*`) or `*`.
   */
  readonly eventTypes: string[];

  /** The bus the route's rule is on (for a route on two buses, the snapshot bus). */
  readonly eventBus: events.IEventBus;

  /**
   * The payload style of the events on `eventBus`: that of the Stripe event destination whose partner
   * source it accepts.
   *
   * @default StripeEventPayload.SNAPSHOT
   */
  readonly eventBusPayload?: StripeEventPayload;

  /**
   * The bus of thin events, beside a snapshot `eventBus`, for a route that receives thin types (`v1.*`, `v2.*`):
   * the route gets a second rule there, targeting the same function.
   *
   * @default - none: thin types need `eventBusPayload: StripeEventPayload.THIN`
   */
  readonly thinEventBus?: events.IEventBus;

  /**
   * The `source` prefix of the Stripe events on the bus.
   *
   * @default 'aws.partner/stripe.com/'
   */
  readonly sourcePrefix?: string;

  /** The idempotency table (Powertools schema: partition key `id`, TTL attribute `expiration`). */
  readonly idempotencyTable: dynamodb.ITable;

  /**
   * The prefix of this route's idempotency keys. Keep it stable: a new prefix starts a new key space. Two
   * routes of the app with the same table and prefix fail `cdk synth`.
   *
   * @default - `<stack name>/<path of this route's scope in its stack>.<handler name>`
   */
  readonly idempotencyKeyPrefix?: string;

  /**
   * The prefixes this route's idempotency keys had before (an earlier key scope), most recent first, at most 10.
   * A fresh event also looks up its record under each (one more DynamoDB read): processed there, it is a duplicate;
   * in progress there, it is retried later. Remove a prefix once the record lifetime has passed since the change.
   *
   * @default - none
   */
  readonly previousIdempotencyKeyPrefixes?: string[];

  /**
   * How long a processed event's idempotency record is kept. It must cover every way the same Stripe event
   * can come back (a shorter value fails `cdk synth`); a route knows its retries and its dead-letter queue,
   * not the archive on the bus.
   *
   * @default - the longest of Stripe's retries and a redrive from the dead-letter queue (each after
   * EventBridge's and Lambda's retries) plus a day, assuming that no archive replays to the route (a warning
   * says so); a StripeEventBridgeIntegration passes its own, which covers its archive
   */
  readonly recordLifetime?: Duration;

  /** Where undeliverable events and events whose handler failed after its retries go. */
  readonly deadLetterQueue: sqs.IQueue;

  /**
   * The value of the wrapper metrics' `integration` dimension, which every metric carries so that one alarm
   * covers every handler of an integration.
   *
   * @default - `<stack name>/<id of this route's scope>`
   */
  readonly integrationName?: string;

  /**
   * Add a statement to the dead-letter queue's policy that lets this route's rule send undeliverable events
   * to it. Set to false when the queue's policy already allows the rules on the bus: an SQS queue policy
   * holds at most 20 statements, so an integration with many rules allows them all with one statement.
   *
   * @default true
   */
  readonly allowRuleToSendToDeadLetterQueue?: boolean;
}

/** The parsed keys of the routes an integration composes, by their props (see `_compose`). */
const composedKeys = new WeakMap<StripeEventRouteProps, readonly EventTypeKey[]>();

/** A standalone route's own input, checked at its edge: its event types and its detail filter. */
function parseEdge(route: Construct, props: StripeEventRouteProps, allowUnknownEventTypes: boolean): EventTypeKey[] {
  if (props.eventTypes.length === 0) {
    invalid(route, 'eventTypes: a route needs at least one Stripe event type.');
  }
  if (props.detailFilter) validateDetailFilter(props.detailFilter, 'detailFilter', route);
  return props.eventTypes.map((key) => parseEventTypeKey(key, allowUnknownEventTypes, 'eventTypes', route));
}

/**
 * One handler's path for Stripe events: the rule that matches its event types on the bus, its function
 * (built from code, or yours, wrapped with validation, idempotency on the Stripe event id, structured
 * logs and metrics), its grants, and Lambda's retries and on-failure destination. A
 * StripeEventBridgeIntegration creates one route per handler object.
 */
export class StripeEventRoute extends Construct {
  /**
   * A route of a StripeEventBridgeIntegration, which has parsed and checked the event-type keys (naming its
   * `handlers` prop in errors) and the detail filter already: `keys` are those of `props.eventTypes`.
   * @internal
   */
  public static _compose(scope: Construct, id: string, props: StripeEventRouteProps, keys: readonly EventTypeKey[]): StripeEventRoute {
    composedKeys.set(props, keys);
    return new StripeEventRoute(scope, id, props);
  }

  /** The handler's name: construct id, metrics dimension, part of the idempotency key prefix. */
  public readonly handlerName: string;

  /** The event types the route receives, as given. */
  public readonly eventTypes: string[];

  /** The function that receives the route's events. */
  public readonly function: lambda.IFunction;

  /**
   * The rule that sends the route's events to the function: the first of `rules`, on `eventBus` (for a route on
   * two buses, its snapshot rule).
   */
  public readonly rule: events.IRule;

  /**
   * Every rule that sends the route's events to the function, one per bus its event types arrive on: the rule on
   * `eventBus` first, then the rule on `thinEventBus`.
   */
  public readonly rules: events.IRule[];

  /** The payload styles of the events the route's rules deliver (snapshot before thin). */
  public readonly eventPayloads: StripeEventPayload[];

  /** The secret holding the Stripe API key of the function's `context.stripe`, when it has one. */
  public readonly stripeApiKeySecret?: secretsmanager.ISecret;

  /** The function's log group, when known (a function built from code, or a `lambda.Function` of this app). */
  public readonly logGroup?: logs.ILogGroup;

  /** The function's timeout, when known. */
  public readonly timeout?: Duration;

  /** The prefix of this route's idempotency keys. */
  public readonly idempotencyKeyPrefix: string;

  /**
   * The prefixes its records had before (earlier key scopes), most recent first: the wrapper and the
   * reconciliation read an event's record under them too.
   */
  public readonly previousIdempotencyKeyPrefixes: string[];

  /** How long each processed event's idempotency record is kept. */
  public readonly recordLifetime: Duration;

  /** The value of the wrapper metrics' `integration` dimension. */
  public readonly integrationName: string;

  /** Whether the wrapper also emits its metrics per handler. */
  public readonly handlerMetrics: boolean;

  /**
   * The function's concurrency limit (its reserved concurrency), when it has one: events beyond it are
   * throttled and retried by Lambda for up to `lambdaMaxEventAge`, then go to the dead-letter queue.
   */
  public readonly concurrencyLimit?: number;

  /** How long Lambda keeps an event for retries (throttled events included). */
  public readonly lambdaMaxEventAge: Duration;

  /** The bus the route's rule (`rule`) is on. */
  public readonly eventBus: events.IEventBus;

  /** Every bus the route's rules are on, in the order of `rules` (one bus, or the snapshot and the thin bus). */
  public readonly eventBuses: events.IEventBus[];

  /**
   * The payload styles of the events each rule of `rules` delivers, in the order of `rules` (the reconciliation lists
   * a rule's events from Stripe's log of that style).
   *
   * @internal
   */
  public readonly _rulePayloads: StripeEventPayload[][];

  private readonly metrics: StripeMetricFactory;
  private readonly busOfRule = new Map<events.IRule, events.IEventBus>();

  constructor(scope: Construct, id: string, props: StripeEventRouteProps) {
    super(scope, id);
    const options = resolveRouteOptions(this, props);
    const keys = composedKeys.get(props) ?? parseEdge(this, props, options.allowUnknownEventTypes);
    const plans = planRules(this, keys, {
      eventBus: props.eventBus,
      eventBusPayload: props.eventBusPayload ?? StripeEventPayload.SNAPSHOT,
      thinEventBus: props.thinEventBus,
    }, composedKeys.has(props) ? 'handlers' : 'eventTypes');
    this.eventPayloads = [StripeEventPayload.SNAPSHOT, StripeEventPayload.THIN].filter((p) => plans.some((plan) => plan.payloads.includes(p)));
    this._rulePayloads = plans.map((plan) => [...plan.payloads]);
    this.eventTypes = [...props.eventTypes];
    this.handlerName = handlerNameFor(props.handler._name, props.eventTypes);
    this.idempotencyKeyPrefix = props.idempotencyKeyPrefix ?? keyPrefix(defaultKeyScope(scope), this.handlerName);
    this.previousIdempotencyKeyPrefixes = [...(props.previousIdempotencyKeyPrefixes ?? [])];
    checkKeySpace(this, props.idempotencyTable, this.idempotencyKeyPrefix);
    this.recordLifetime = routeRecordLifetime(this, props.recordLifetime, { ...options, deadLetterQueue: props.deadLetterQueue });
    const sourcePrefix = props.sourcePrefix ?? STRIPE_PARTNER_SOURCE_PREFIX;
    const namespace = options.metricsNamespace;
    this.integrationName = props.integrationName ?? `${Stack.of(scope).stackName}/${scope.node.id}`;
    this.handlerMetrics = options.handlerMetrics;
    this.lambdaMaxEventAge = options.lambdaMaxEventAge;
    this.eventBuses = plans.map((plan) => plan.eventBus);
    this.eventBus = this.eventBuses[0];
    this.metrics = new StripeMetricFactory(namespace, this.eventBus, this.integrationName);

    const wrapperEnvironment: Record<string, string> = {
      [ENV_HANDLER_NAME]: this.handlerName,
      [ENV_IDEMPOTENCY_TABLE]: props.idempotencyTable.tableName,
      [ENV_IDEMPOTENCY_KEY_PREFIX]: this.idempotencyKeyPrefix,
      [ENV_IDEMPOTENCY_TTL_SECONDS]: this.recordLifetime.toSeconds().toString(),
      [ENV_POWERTOOLS_SERVICE_NAME]: this.handlerName,
      [ENV_POWERTOOLS_METRICS_NAMESPACE]: namespace,
      [ENV_METRICS_INTEGRATION]: this.integrationName,
      ...previousKeyPrefixesEnvironment(this, props.previousIdempotencyKeyPrefixes, this.idempotencyKeyPrefix),
    };
    if (this.handlerMetrics) wrapperEnvironment[ENV_HANDLER_METRICS] = 'true';
    if (sourcePrefix !== STRIPE_PARTNER_SOURCE_PREFIX) wrapperEnvironment[ENV_SOURCE_PREFIX] = sourcePrefix;
    this.stripeApiKeySecret = props.handler._stripeApiKeySecret ?? options.stripeApiKeySecret;
    Object.assign(wrapperEnvironment, thinEventEnvironment(this.eventPayloads, this.stripeApiKeySecret));

    const binding = props.handler._bind(this, {
      name: this.handlerName,
      eventTypes: this.eventTypes,
      wrapperEnvironment,
      logRetention: options.logRetention,
    });
    this.function = binding.function;
    this.logGroup = binding.logGroup;
    this.timeout = this.function instanceof lambda.Function ? this.function.timeout : undefined;
    this.concurrencyLimit = reservedConcurrency(this.function);

    // A function imported without its role cannot be granted anything: say what it needs instead.
    const canGrant = this.function.role !== undefined;
    if (canGrant) {
      // Only what the wrapper does on this table: Powertools idempotency's GetItem, PutItem, UpdateItem, DeleteItem.
      props.idempotencyTable.grant(this.function, ...idempotencyTableActions(props.previousIdempotencyKeyPrefixes));
      props.idempotencyTable.encryptionKey?.grantEncryptDecrypt(this.function);
      // GetSecretValue and DescribeSecret on this secret only, and decrypting with its key through Secrets Manager.
      this.stripeApiKeySecret?.grantRead(this.function);
    } else {
      warn(
        this,
        '@babes/stripe-eventbridge:handlerRoleUnknown',
        `Handler '${this.handlerName}' (${this.function.node.path}) was imported without its execution role, so nothing could be granted to it. ` +
          'Its role needs dynamodb:GetItem, PutItem, UpdateItem and DeleteItem on the idempotency table and sqs:SendMessage on the dead-letter queue' +
          `${this.stripeApiKeySecret ? ', and secretsmanager:GetSecretValue on the Stripe key secret' : ''}; ` +
          'or import it with lambda.Function.fromFunctionAttributes({ role }).',
      );
    }
    if (this.eventPayloads.includes(StripeEventPayload.THIN) && !this.stripeApiKeySecret) warnThinWithoutStripeKey(this, this.handlerName);
    configureAsyncFailures(this, this.handlerName, this.function, { ...options, deadLetterQueue: props.deadLetterQueue }, canGrant);
    // The first rule keeps the id `Rule` it always had; a second one, on the thin bus, is `ThinRule`.
    this.rules = plans.map((plan, i) => {
      const rule = createRule(this, i === 0 ? 'Rule' : 'ThinRule', this.handlerName, this.function, plan.keys, {
        ...options,
        eventBus: plan.eventBus,
        deadLetterQueue: props.deadLetterQueue,
        sourcePrefix,
        allowRuleToSendToDeadLetterQueue: props.allowRuleToSendToDeadLetterQueue ?? true,
      });
      this.busOfRule.set(rule, plan.eventBus);
      return rule;
    });
    this.rule = this.rules[0];
  }

  /**
   * An AWS/Events metric of each of the route's rules, in the order of `rules` (each with its own bus's
   * `EventBusName` dimension): the way to watch every rule of a route on two buses.
   *
   * @param metricName `TriggeredRules`, `FailedInvocations`, `InvocationsFailedToBeSentToDlq` or `ThrottledRules`
   * @param props metric options (period, statistic, label, …)
   */
  public metricEachRule(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric[] {
    return this.rules.map((rule) => this.metrics.rule(metricName, rule, props, this.busOfRule.get(rule)));
  }

  /**
   * Stripe events the wrapper processed (ran the handler for), per period.
   *
   * The wrapper emits it per handler only with `handlerMetrics: true`; the integration's
   * `metricEvents*()` methods read the integration-wide metric, which is always emitted.
   *
   * @param props metric options (period, statistic, label, …)
   */
  public metricEventsProcessed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.wrapper(METRIC_PROCESSED, this.handlerName, 'Sum', props);
  }

  /**
   * Duplicate deliveries the wrapper answered from the idempotency record, per period.
   *
   * The wrapper emits it per handler only with `handlerMetrics: true`; the integration's
   * `metricEvents*()` methods read the integration-wide metric, which is always emitted.
   *
   * @param props metric options (period, statistic, label, …)
   */
  public metricEventsDuplicate(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.wrapper(METRIC_DUPLICATE, this.handlerName, 'Sum', props);
  }

  /**
   * Deliveries that found the same Stripe event in progress in another invocation (Lambda retries them), per period.
   *
   * The wrapper emits it per handler only with `handlerMetrics: true`; the integration's
   * `metricEvents*()` methods read the integration-wide metric, which is always emitted.
   *
   * @param props metric options (period, statistic, label, …)
   */
  public metricEventsInProgress(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.wrapper(METRIC_IN_PROGRESS, this.handlerName, 'Sum', props);
  }

  /**
   * Deliveries whose handler threw (or whose idempotency store failed), per period.
   *
   * The wrapper emits it per handler only with `handlerMetrics: true`; the integration's
   * `metricEvents*()` methods read the integration-wide metric, which is always emitted.
   *
   * @param props metric options (period, statistic, label, …)
   */
  public metricEventsFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.wrapper(METRIC_FAILED, this.handlerName, 'Sum', props);
  }

  /**
   * Deliveries rejected because they are not valid Stripe snapshot events, per period.
   *
   * The wrapper emits it per handler only with `handlerMetrics: true`; the integration's
   * `metricEvents*()` methods read the integration-wide metric, which is always emitted.
   *
   * @param props metric options (period, statistic, label, …)
   */
  public metricEventsInvalid(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.wrapper(METRIC_INVALID, this.handlerName, 'Sum', props);
  }

  /**
   * Time the handler took for processed events, in milliseconds (p99 by default).
   *
   * The wrapper emits it per handler only with `handlerMetrics: true`; the integration's
   * `metricEvents*()` methods read the integration-wide metric, which is always emitted.
   *
   * @param props metric options (period, statistic, label, …)
   */
  public metricProcessingTime(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.wrapper(METRIC_PROCESSING_TIME, this.handlerName, 'p99', props);
  }

  /**
   * Delay from the Stripe event's creation to the handler, in milliseconds (p99 by default).
   *
   * The wrapper emits it per handler only with `handlerMetrics: true`; the integration's
   * `metricEvents*()` methods read the integration-wide metric, which is always emitted.
   *
   * @param props metric options (period, statistic, label, …)
   */
  public metricEventAge(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.wrapper(METRIC_EVENT_AGE, this.handlerName, 'p99', props);
  }

  /**
   * Events the route's rule matched (AWS/Events TriggeredRules).
   *
   * @param props metric options (period, statistic, label, …)
   */
  public metricRuleMatchedEvents(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.rule('TriggeredRules', this.rule, props, this.busOfRule.get(this.rule));
  }

  /**
   * Invocations of the function that EventBridge gave up on (AWS/Events FailedInvocations).
   *
   * @param props metric options (period, statistic, label, …)
   */
  public metricRuleFailedInvocations(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.rule('FailedInvocations', this.rule, props, this.busOfRule.get(this.rule));
  }

  /**
   * Undeliverable events EventBridge could not put in the dead-letter queue (AWS/Events InvocationsFailedToBeSentToDlq).
   *
   * @param props metric options (period, statistic, label, …)
   */
  public metricRuleInvocationsFailedToBeSentToDlq(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.rule('InvocationsFailedToBeSentToDlq', this.rule, props, this.busOfRule.get(this.rule));
  }

  /**
   * Throttled runs of the route's rule (AWS/Events ThrottledRules).
   *
   * @param props metric options (period, statistic, label, …)
   */
  public metricRuleThrottled(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.rule('ThrottledRules', this.rule, props, this.busOfRule.get(this.rule));
  }
}
