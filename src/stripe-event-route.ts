import { Annotations, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  DEFAULT_METRICS_NAMESPACE,
  METRIC_DUPLICATE,
  METRIC_EVENT_AGE,
  METRIC_FAILED,
  METRIC_IN_PROGRESS,
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
} from './contract/wrapper';
import { invalid } from './private/errors';
import { EventTypeKey, handlerNameFor, parseEventTypeKey } from './private/event-type-keys';
import { StripeMetricFactory } from './private/metric-factory';
import { buildHandlerPattern, MAX_PATTERN_LENGTH } from './private/rule-pattern';
import { StripeEventHandler } from './stripe-event-handler';

/**
 * Properties of a StripeEventRoute.
 */
export interface StripeEventRouteProps {
  /** The business logic that receives the events. */
  readonly handler: StripeEventHandler;

  /**
   * The Stripe event types the route receives: exact types (`checkout.session.completed`), trailing
   * wildcards (`customer.subscription.*`) or `*`.
   */
  readonly eventTypes: string[];

  /** The bus the route's rule is on. */
  readonly eventBus: events.IEventBus;

  /**
   * The `source` prefix of the Stripe events on the bus.
   *
   * @default 'aws.partner/stripe.com'
   */
  readonly sourcePrefix?: string;

  /**
   * Accept event types that the `stripe` package this library was built with does not know.
   *
   * @default false
   */
  readonly allowUnknownEventTypes?: boolean;

  /**
   * An EventBridge content filter on `detail` (the Stripe event).
   *
   * @default - no filter
   */
  readonly detailFilter?: { [key: string]: any };

  /** The idempotency table (Powertools schema: partition key `id`, TTL attribute `expiration`). */
  readonly idempotencyTable: dynamodb.ITable;

  /**
   * The prefix of this route's idempotency keys. Keep it stable: a new prefix starts a new key space.
   *
   * @default - `<id of this route's scope>.<handler name>`
   */
  readonly idempotencyKeyPrefix?: string;

  /**
   * How long a processed event's idempotency record is kept.
   *
   * @default Duration.days(7)
   */
  readonly recordLifetime?: Duration;

  /** Where undeliverable events and events whose handler failed after its retries go. */
  readonly deadLetterQueue: sqs.IQueue;

  /**
   * How many times EventBridge retries delivering an event to the function.
   *
   * @default 185
   */
  readonly retryAttempts?: number;

  /**
   * How long EventBridge keeps retrying an undelivered event.
   *
   * @default Duration.hours(24)
   */
  readonly maxEventAge?: Duration;

  /**
   * How many times Lambda retries a failed invocation.
   *
   * @default 2
   */
  readonly lambdaRetryAttempts?: number;

  /**
   * How long Lambda keeps an event for retries.
   *
   * @default Duration.hours(6)
   */
  readonly lambdaMaxEventAge?: Duration;

  /**
   * Retention of the log group of a function built from code.
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
}

/**
 * One handler's path for Stripe events: the rule that matches its event types on the bus, its function
 * (built from code, or yours, wrapped with validation, idempotency on the Stripe event id, structured
 * logs and metrics), its grants, and Lambda's retries and on-failure destination. A
 * StripeEventBridgeIntegration creates one route per handler object.
 */
export class StripeEventRoute extends Construct {
  /** The handler's name: construct id, metrics dimension, part of the idempotency key prefix. */
  public readonly handlerName: string;

  /** The event types the route receives, as given. */
  public readonly eventTypes: string[];

  /** The function that receives the route's events. */
  public readonly function: lambda.IFunction;

  /** The rule that sends the route's events to the function. */
  public readonly rule: events.IRule;

  /** The function's log group, when known (a function built from code, or a `lambda.Function` of this app). */
  public readonly logGroup?: logs.ILogGroup;

  /** The function's timeout, when known. */
  public readonly timeout?: Duration;

  /** The prefix of this route's idempotency keys. */
  public readonly idempotencyKeyPrefix: string;

  private readonly metrics: StripeMetricFactory;

  constructor(scope: Construct, id: string, props: StripeEventRouteProps) {
    super(scope, id);
    if (props.eventTypes.length === 0) {
      invalid(this, 'eventTypes: a route needs at least one Stripe event type.');
    }
    const keys = props.eventTypes.map((key) => parseEventTypeKey(key, props.allowUnknownEventTypes ?? false, 'eventTypes', this));
    this.eventTypes = [...props.eventTypes];
    this.handlerName = handlerNameFor(props.handler._name, props.eventTypes);
    this.idempotencyKeyPrefix = props.idempotencyKeyPrefix ?? `${scope.node.id}.${this.handlerName}`;
    const sourcePrefix = props.sourcePrefix ?? STRIPE_SOURCE_PREFIX;
    const namespace = props.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE;
    this.metrics = new StripeMetricFactory(namespace, props.eventBus);

    const wrapperEnvironment: Record<string, string> = {
      [ENV_HANDLER_NAME]: this.handlerName,
      [ENV_IDEMPOTENCY_TABLE]: props.idempotencyTable.tableName,
      [ENV_IDEMPOTENCY_KEY_PREFIX]: this.idempotencyKeyPrefix,
      [ENV_IDEMPOTENCY_TTL_SECONDS]: String(props.recordLifetime?.toSeconds() ?? DEFAULT_IDEMPOTENCY_TTL_SECONDS),
      POWERTOOLS_SERVICE_NAME: this.handlerName,
      POWERTOOLS_METRICS_NAMESPACE: namespace,
    };
    if (sourcePrefix !== STRIPE_SOURCE_PREFIX) wrapperEnvironment[ENV_SOURCE_PREFIX] = sourcePrefix;

    const binding = props.handler._bind(this, {
      name: this.handlerName,
      eventTypes: this.eventTypes,
      wrapperEnvironment,
      logRetention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
    });
    this.function = binding.function;
    this.logGroup = binding.logGroup;
    this.timeout = this.function instanceof lambda.Function ? this.function.timeout : undefined;

    // A function imported without its role cannot be granted anything: say what it needs instead.
    const canGrant = this.function.role !== undefined;
    if (canGrant) {
      // Only what Powertools idempotency does: GetItem, PutItem, UpdateItem, DeleteItem on this table.
      props.idempotencyTable.grant(this.function, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem');
      props.idempotencyTable.encryptionKey?.grantEncryptDecrypt(this.function);
    } else {
      Annotations.of(this).addWarningV2(
        '@babes/stripe-eventbridge:handlerRoleUnknown',
        `Handler '${this.handlerName}' (${this.function.node.path}) was imported without its execution role, so nothing could be granted to it. ` +
          'Its role needs dynamodb:GetItem, PutItem, UpdateItem and DeleteItem on the idempotency table and sqs:SendMessage on the dead-letter queue; ' +
          'or import it with lambda.Function.fromFunctionAttributes({ role }).',
      );
    }
    this.configureAsyncFailures(props, canGrant);
    this.rule = this.createRule(props, keys, sourcePrefix);
  }

  /**
   * Stripe events the wrapper processed (ran the handler for), per period.
   *
   * @param props metric options (period, statistic, label, …)
   */
  public metricEventsProcessed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.wrapper(METRIC_PROCESSED, this.handlerName, 'Sum', props);
  }

  /**
   * Duplicate deliveries the wrapper answered from the idempotency record, per period.
   *
   * @param props metric options (period, statistic, label, …)
   */
  public metricEventsDuplicate(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.wrapper(METRIC_DUPLICATE, this.handlerName, 'Sum', props);
  }

  /**
   * Deliveries that found the same Stripe event in progress in another invocation (Lambda retries them), per period.
   *
   * @param props metric options (period, statistic, label, …)
   */
  public metricEventsInProgress(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.wrapper(METRIC_IN_PROGRESS, this.handlerName, 'Sum', props);
  }

  /**
   * Deliveries whose handler threw (or whose idempotency store failed), per period.
   *
   * @param props metric options (period, statistic, label, …)
   */
  public metricEventsFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.wrapper(METRIC_FAILED, this.handlerName, 'Sum', props);
  }

  /**
   * Deliveries rejected because they are not valid Stripe snapshot events, per period.
   *
   * @param props metric options (period, statistic, label, …)
   */
  public metricEventsInvalid(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.wrapper(METRIC_INVALID, this.handlerName, 'Sum', props);
  }

  /**
   * Time the handler took for processed events, in milliseconds (p99 by default).
   *
   * @param props metric options (period, statistic, label, …)
   */
  public metricProcessingTime(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.wrapper(METRIC_PROCESSING_TIME, this.handlerName, 'p99', props);
  }

  /**
   * Delay from the Stripe event's creation to the handler, in milliseconds (p99 by default).
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
    return this.metrics.rule('TriggeredRules', this.rule, props);
  }

  /**
   * Invocations of the function that EventBridge gave up on (AWS/Events FailedInvocations).
   *
   * @param props metric options (period, statistic, label, …)
   */
  public metricRuleFailedInvocations(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.rule('FailedInvocations', this.rule, props);
  }

  /**
   * Undeliverable events EventBridge could not put in the dead-letter queue (AWS/Events InvocationsFailedToBeSentToDlq).
   *
   * @param props metric options (period, statistic, label, …)
   */
  public metricRuleInvocationsFailedToBeSentToDlq(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.rule('InvocationsFailedToBeSentToDlq', this.rule, props);
  }

  /**
   * Throttled runs of the route's rule (AWS/Events ThrottledRules).
   *
   * @param props metric options (period, statistic, label, …)
   */
  public metricRuleThrottled(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.rule('ThrottledRules', this.rule, props);
  }

  /**
   * EventBridge invokes Lambda asynchronously, so the rule's DLQ only sees events it could not hand over;
   * a handler that fails or times out needs the function's own on-failure destination.
   */
  private configureAsyncFailures(props: StripeEventRouteProps, canGrant: boolean): void {
    const fn = this.function;
    if (fn instanceof lambda.Function && fn.node.tryFindChild('EventInvokeConfig')) {
      invalid(
        this,
        `handlers.${this.handlerName}: ${fn.node.path} already has an asynchronous invocation configuration; remove it: ` +
          'the integration sets Lambda retries and the on-failure dead-letter queue.',
      );
    }
    const queue = props.deadLetterQueue;
    fn.configureAsyncInvoke({
      // SqsDestination also grants the function's role sqs:SendMessage; without a role, only point at the queue.
      onFailure: canGrant ? new destinations.SqsDestination(queue) : { bind: () => ({ destination: queue.queueArn }) },
      retryAttempts: props.lambdaRetryAttempts ?? 2,
      maxEventAge: props.lambdaMaxEventAge ?? Duration.hours(6),
    });
  }

  private createRule(props: StripeEventRouteProps, keys: EventTypeKey[], sourcePrefix: string): events.IRule {
    const { pattern, length } = buildHandlerPattern(sourcePrefix, keys, props.detailFilter);
    if (length > MAX_PATTERN_LENGTH) {
      invalid(
        this,
        `handlers: the rule for handler '${this.handlerName}' has an event pattern of ${length} characters, above EventBridge's limit of ${MAX_PATTERN_LENGTH}. ` +
          'Use a wildcard key (e.g. \'invoice.*\') instead of many exact types, split the handler, or shorten detailFilter.',
      );
    }
    const rule = new events.Rule(this, 'Rule', {
      eventBus: props.eventBus,
      description: `Stripe ${keys.map((k) => k.key).join(', ')} events to handler ${this.handlerName}`.slice(0, 512),
      eventPattern: {
        source: pattern.source as string[],
        detailType: pattern['detail-type'] as string[] | undefined,
        detail: pattern.detail as Record<string, unknown> | undefined,
      },
    });
    rule.addTarget(
      new targets.LambdaFunction(this.function, {
        deadLetterQueue: props.deadLetterQueue,
        retryAttempts: props.retryAttempts ?? 185,
        maxEventAge: props.maxEventAge ?? Duration.hours(24),
      }),
    );
    return rule;
  }
}
