import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { RECORD_ATTRIBUTE } from './contract/idempotency';
import {
  BACKFILL_MARKER_PREFIX,
  DEFAULT_BACKFILL_LIMIT,
  DEFAULT_RECONCILE_GRACE_SECONDS,
  DEFAULT_RECONCILE_WINDOW_SECONDS,
  ENV_RECONCILE_CONFIG,
  ENV_RECONCILE_SECRET_ID,
  METRIC_EVENTS_BACKFILLED,
  METRIC_EVENTS_MISSED,
  ReconcileRouteConfig,
  STRIPE_EVENTS_RETENTION_SECONDS,
} from './contract/reconcile';
import { StripeEventPayload } from './event-payload';
import { packageAsset } from './package/package-assets';
import { ROUTE_DEFAULTS } from './private/defaults';
import { invalid, warn } from './private/errors';
import { createLoggedFunction } from './private/logged-function';
import { DEFAULT_METRIC_PERIOD, StripeMetricFactory } from './private/metric-factory';
import { StripeEventRoute } from './stripe-event-route';

/** The pre-bundled reconciliation function (`npx projen bundle`), shipped in the package's `assets/`. */
const RECONCILE_ASSET_DIR = packageAsset('lambda', 'reconcile', 'handler');

/** Lambda's limit on a function's environment: 4 KB for all variables together. */
const MAX_ENVIRONMENT_BYTES = 4096;
/** The longest a Lambda function name can be, for sizing the environment before deployment. */
const MAX_FUNCTION_NAME = 64;

/**
 * A scheduled reconciliation: Stripe's event log against the handlers' idempotency records.
 */
export interface StripeReconciliationOptions {
  /**
   * The Secrets Manager secret whose plain-text value is a Stripe restricted key (`rk_live_…` or
   * `rk_test_…`) with Read access to Events and nothing else. Read by the reconciliation function on each
   * run; never in the template, an environment variable or a log.
   */
  readonly apiKeySecret: secretsmanager.ISecret;

  /**
   * When the check runs.
   *
   * @default events.Schedule.rate(Duration.hours(1))
   */
  readonly schedule?: events.Schedule;

  /**
   * How far back each run looks. At most 30 days (what Stripe's Events API keeps); keep it within the
   * idempotency record lifetime, since an older event's record may have expired (such events are
   * reported as expired, never as missing).
   *
   * @default Duration.days(3)
   */
  readonly window?: Duration;

  /**
   * Events younger than this are left for the next run: they may still be on their way (retries).
   *
   * @default Duration.minutes(15)
   */
  readonly gracePeriod?: Duration;

  /**
   * Send each missing event to its handler's function, as the partner bus would have delivered it
   * (asynchronous invoke: retries and the dead-letter queue apply; idempotency makes a repeat harmless).
   *
   * @default false - report only
   */
  readonly backfill?: boolean;

  /**
   * At most this many events sent per run when `backfill` is on.
   *
   * @default 100
   */
  readonly backfillLimit?: number;
}

/**
 * Properties of a StripeEventReconciliation.
 */
export interface StripeEventReconciliationProps extends StripeReconciliationOptions {
  /** The routes to check: their functions, rules and idempotency key prefixes. */
  readonly routes: StripeEventRoute[];

  /** The idempotency table the routes' functions write. */
  readonly idempotencyTable: dynamodb.ITable;

  /**
   * The partner event source the routes' bus of snapshot events accepts: the `source` of backfilled snapshot events.
   *
   * @default - the rules' source prefix
   */
  readonly eventSourceName?: string;

  /**
   * The partner event source the routes' bus of thin events accepts: the `source` of backfilled thin events.
   *
   * @default - the rules' source prefix
   */
  readonly thinEventSourceName?: string;

  /**
   * CloudWatch namespace of the EventsMissed and EventsBackfilled metrics.
   *
   * @default 'StripeEventBridge'
   */
  readonly metricsNamespace?: string;

  /**
   * Create the alarms (events missed; the check failing).
   *
   * @default true
   */
  readonly alarms?: boolean;

  /**
   * The topic the alarms notify.
   *
   * @default - none
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * Retention of the reconciliation function's log group.
   *
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Proves that nothing was missed, on a schedule: a function lists the Stripe events of the routes' types
 * over a window from Stripe's Events API, routes each as the rules would, and looks up each one's
 * idempotency record. It publishes how many never reached their handler (EventsMissed, with an alarm), logs
 * their ids, and with `backfill` sends them to their functions. The same check as
 * `npx stripe-eventbridge reconcile`.
 */
export class StripeEventReconciliation extends Construct {
  /** The function that runs the check. */
  public readonly function: lambda.IFunction;

  /** The rule that runs it on its schedule. */
  public readonly rule: events.IRule;

  /** The alarms: events missed, and the check failing. */
  public readonly alarms: cloudwatch.IAlarm[] = [];

  /** The `service` dimension of the reconciliation's metrics. */
  public readonly serviceName: string;

  private readonly metrics: StripeMetricFactory;

  constructor(scope: Construct, id: string, props: StripeEventReconciliationProps) {
    super(scope, id);
    if (!props.apiKeySecret) {
      invalid(this, 'apiKeySecret: required; pass the Secrets Manager secret that holds a Stripe restricted key with Read access to Events.');
    }
    if (props.routes.length === 0) invalid(this, 'routes: nothing to check; pass at least one StripeEventRoute.');
    const windowSeconds = seconds(this, 'window', props.window, DEFAULT_RECONCILE_WINDOW_SECONDS);
    const graceSeconds = seconds(this, 'gracePeriod', props.gracePeriod, DEFAULT_RECONCILE_GRACE_SECONDS);
    if (windowSeconds > STRIPE_EVENTS_RETENTION_SECONDS || windowSeconds < 3600) {
      invalid(this, `window: ${props.window!.toHumanString()} is outside 1 hour to 30 days (Stripe's Events API keeps 30 days of events). The default is 3 days.`);
    }
    if (graceSeconds >= windowSeconds) {
      invalid(this, `gracePeriod: ${Duration.seconds(graceSeconds).toHumanString()} leaves nothing of the window (${Duration.seconds(windowSeconds).toHumanString()}); shorten it (default 15 minutes).`);
    }
    const backfillLimit = props.backfillLimit ?? DEFAULT_BACKFILL_LIMIT;
    if (!Token.isUnresolved(backfillLimit) && (!Number.isInteger(backfillLimit) || backfillLimit < 1)) {
      invalid(this, `backfillLimit: ${backfillLimit} is not a whole number of at least 1.`);
    }
    if (props.backfillLimit !== undefined && !props.backfill) {
      warn(this, '@babes/stripe-eventbridge:backfillLimitWithoutBackfill', 'backfillLimit is set but backfill is off, so nothing is sent; set backfill: true.');
    }
    this.metrics = new StripeMetricFactory(props.metricsNamespace ?? ROUTE_DEFAULTS.metricsNamespace);
    this.serviceName = `${scope.node.id}.${id}`;

    // Each rule's pattern under the payload style of its bus: snapshot events are listed from GET /v1/events, thin ones
    // from GET /v2/core/events. `thinPatterns` only when there are some, so a snapshot-only route's config is as before.
    const routes = props.routes.map((route) => {
      const byPayload = { [StripeEventPayload.SNAPSHOT]: [] as unknown[], [StripeEventPayload.THIN]: [] as unknown[] };
      route.rules.forEach((r, i) => {
        const rule = r.node.defaultChild as events.CfnRule | undefined;
        if (!(rule instanceof events.CfnRule)) invalid(this, `routes: the rule of handler ${route.handlerName} is not an events.Rule of this app.`);
        for (const payload of route._rulePayloads[i] ?? [StripeEventPayload.SNAPSHOT]) byPayload[payload].push(rule.eventPattern);
      });
      const thin = byPayload[StripeEventPayload.THIN];
      const patterns = byPayload[StripeEventPayload.SNAPSHOT];
      return { function: route.function.functionName, patterns, ...(thin.length > 0 ? { thinPatterns: thin } : {}) };
    });
    const config = {
      routes,
      eventSourceName: props.eventSourceName,
      thinEventSourceName: props.thinEventSourceName,
      windowSeconds,
      graceSeconds,
      backfill: props.backfill ?? false,
      backfillLimit,
    };
    const stack = Stack.of(this);
    const { function: fn, role } = createLoggedFunction(this, {
      ids: { role: 'ServiceRole', logGroup: 'LogGroup', function: 'Function' },
      roleDescription: 'Stripe event reconciliation: reads Stripe events and the idempotency records, invokes the handlers to backfill',
      logRetention: props.logRetention ?? ROUTE_DEFAULTS.logRetention,
      code: lambda.Code.fromAsset(RECONCILE_ASSET_DIR),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      // A run takes seconds; a large account's window (thousands of pages of events) may take minutes.
      timeout: Duration.minutes(15),
      description: 'Checks Stripe\'s event log against the Stripe handlers\' idempotency records (and backfills what is missing)',
      environment: {
        [ENV_RECONCILE_CONFIG]: stack.toJsonString(config),
        [ENV_RECONCILE_SECRET_ID]: props.apiKeySecret.secretFullArn ?? props.apiKeySecret.secretName,
        POWERTOOLS_SERVICE_NAME: this.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: this.metrics.namespace,
      },
    });
    this.function = fn;
    // The next scheduled run is the retry: no back-to-back runs against Stripe's rate limits.
    fn.configureAsyncInvoke({ retryAttempts: 0 });
    this.grant(role, props, props.backfill ?? false);
    this.rule = new events.Rule(this, 'Schedule', {
      schedule: props.schedule ?? events.Schedule.rate(Duration.hours(1)),
      description: `Runs the Stripe event reconciliation of ${scope.node.path}`.slice(0, 512),
      targets: [new targets.LambdaFunction(fn, { retryAttempts: 2, maxEventAge: Duration.hours(1) })],
    });
    this.node.addValidation({ validate: () => this.checkEnvironmentSize(stack, config) });
    if (props.alarms !== false) this.createAlarms(props.alarmTopic);
  }

  /**
   * Stripe events the last run found missing: never processed by their handler (maximum per period).
   *
   * @param props metric options (period, statistic, label, …)
   */
  public metricEventsMissed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.service(METRIC_EVENTS_MISSED, this.serviceName, 'Maximum', props);
  }

  /**
   * Missing events the runs sent to their handlers (sum per period).
   *
   * @param props metric options (period, statistic, label, …)
   */
  public metricEventsBackfilled(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.service(METRIC_EVENTS_BACKFILLED, this.serviceName, 'Sum', props);
  }

  /** Only what the check reads and, with backfill, invokes. */
  private grant(role: iam.IRole, props: StripeEventReconciliationProps, backfill: boolean): void {
    // A secret imported by name has a partial ARN; Secrets Manager appends a 6-character suffix.
    const secret = props.apiKeySecret;
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretFullArn ?? `${secret.secretArn}-??????`] }));
    secret.encryptionKey?.grantDecrypt(new kms.ViaServicePrincipal(`secretsmanager.${Stack.of(this).region}.amazonaws.com`, role));
    // Only the records of these routes: partition keys `<key prefix>#…` (DynamoDB's fine-grained access
    // control, dynamodb:LeadingKeys, docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html).
    const table = props.idempotencyTable.tableArn;
    const prefixes = [...new Set(props.routes.map((r) => r.idempotencyKeyPrefix))];
    // An event's record is also read under the route's previous prefixes (idempotency.previousKeyScopes); markers are
    // kept under today's.
    const previous = [...new Set(props.routes.flatMap((r) => r.previousIdempotencyKeyPrefixes))].filter((p) => !prefixes.includes(p));
    const markers = prefixes.map((p) => `${BACKFILL_MARKER_PREFIX}${p}#*`);
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem'],
      resources: [table],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...[...prefixes, ...previous].map((p) => `${p}#*`), ...(backfill ? markers : [])] } },
    }));
    props.idempotencyTable.encryptionKey?.grantDecrypt(role);
    const functionArns = props.routes.map((r) => r.function.functionArn);
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['lambda:GetFunctionConfiguration'], resources: functionArns }));
    if (!backfill) return;
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: functionArns }));
    // A backfill remembers what it sent in markers beside the records (src/contract/reconcile.ts): it may write
    // those keys only, never a record.
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['dynamodb:UpdateItem'],
      resources: [table],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': markers } },
    }));
    // Before sending, it looks for the missing events' records under every key prefix (one Scan): the key and
    // the status only, never a stored result (dynamodb:Select and dynamodb:Attributes, as in
    // docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_dynamodb_attributes.html). A Scan has no
    // leading key, so dynamodb:LeadingKeys cannot narrow it to the routes' records.
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['dynamodb:Scan'],
      resources: [table],
      conditions: {
        'StringEquals': { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
        'ForAllValues:StringEquals': { 'dynamodb:Attributes': [RECORD_ATTRIBUTE.KEY, RECORD_ATTRIBUTE.STATUS] },
      },
    }));
  }

  private createAlarms(topic: sns.ITopic | undefined): void {
    const add = (id: string, metric: cloudwatch.IMetric, description: string, treatMissingData: cloudwatch.TreatMissingData) => {
      const alarm = new cloudwatch.Alarm(this, id, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData,
        alarmDescription: description.slice(0, 1024),
      });
      if (topic) {
        alarm.addAlarmAction(new actions.SnsAction(topic));
        alarm.addOkAction(new actions.SnsAction(topic));
      }
      this.alarms.push(alarm);
    };
    // Between runs there is no data: the alarm keeps the state of the last run until the next one.
    add(
      'EventsMissedAlarm',
      this.metricEventsMissed(),
      'Stripe events never reached their handlers: Stripe\'s event log holds events of the integration\'s types without an idempotency record ' +
        '(a disabled event destination, a lapsed partner event source, a rule changed by hand, or events waiting in the dead-letter queue). ' +
        'The reconciliation function\'s log lists their ids. Fix the cause, then send them with `npx stripe-eventbridge reconcile --stack <stack> --backfill` ' +
        '(or turn on backfill).',
      cloudwatch.TreatMissingData.IGNORE,
    );
    add(
      'ErrorsAlarm',
      this.function.metricErrors({ period: DEFAULT_METRIC_PERIOD, statistic: 'Sum' }),
      'The Stripe event reconciliation failed, so nothing checks for missed events: its log says why (a revoked or wrong Stripe key, a permission, Stripe unavailable).',
      cloudwatch.TreatMissingData.NOT_BREACHING,
    );
  }

  /** The function's configuration must fit Lambda's 4 KB environment, function names at their longest. */
  private checkEnvironmentSize(stack: Stack, config: { routes: ReconcileRouteConfig[] }): string[] {
    const resolved = stack.resolve({ ...config, routes: config.routes.map((r) => ({ ...r, function: 'x'.repeat(MAX_FUNCTION_NAME) })) });
    const bytes = Buffer.byteLength(JSON.stringify(resolved)) + 600;
    return bytes <= MAX_ENVIRONMENT_BYTES
      ? []
      : [
        `StripeEventReconciliation '${this.node.path}': the configuration of ${config.routes.length} routes takes about ${bytes} bytes, above Lambda's 4 KB ` +
            'for a function\'s environment. Reconcile fewer routes per StripeEventReconciliation (pass a subset of the routes to each).',
      ];
  }
}

function seconds(scope: Construct, prop: string, value: Duration | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (value.isUnresolved()) invalid(scope, `${prop}: must be a literal duration, e.g. Duration.days(3).`);
  return value.toSeconds();
}
