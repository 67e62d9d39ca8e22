import { CustomResource, Duration, Lazy, Stack, Token, ArnFormat } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import {
  ATTR_DESTINATION_ID,
  ATTR_EVENT_SOURCE_ARN,
  ATTR_EVENT_SOURCE_NAME,
  DEFAULT_SOURCE_TIMEOUT_SECONDS,
  IS_COMPLETE_HANDLER,
  MAX_SOURCE_TIMEOUT_SECONDS,
  MIN_SOURCE_TIMEOUT_SECONDS,
  ON_EVENT_HANDLER,
  PROP_AWS_ACCOUNT_ID,
  PROP_AWS_PARTITION,
  PROP_AWS_REGION,
  PROP_DESCRIPTION,
  PROP_ENABLED_EVENTS,
  PROP_EVENT_PAYLOAD,
  PROP_NAME,
  PROP_RETAIN_ON_DELETE,
  PROP_SECRET_ID,
  PROP_SNAPSHOT_API_VERSION,
  PROP_SOURCE_TIMEOUT_SECONDS,
  RESOURCE_TYPE,
} from './contract/destination';
import { STRIPE_PARTNER_SOURCE_PREFIX } from './contract/stripe';
import { StripeEventPayload } from './event-payload';
import { packageAsset } from './package/package-assets';
import { ROUTE_DEFAULTS } from './private/defaults';
import { checkPayloadOf, covers, expand } from './private/destination/enabled-events';
import { createDestinationProvider } from './private/destination/provider-framework';
import { invalid, warn } from './private/errors';
import { EventTypeKey, parseEventTypeKey } from './private/event-type-keys';
import { createLoggedFunction } from './private/logged-function';
import { acknowledgeNagFindings } from './private/nag-acknowledgements';
import { STRIPE_API_VERSION, STRIPE_PACKAGE_VERSION } from './private/stripe-event-types.generated';

/** The pre-bundled provider (`npx projen bundle`), shipped in the package's `assets/`. */
const PROVIDER_ASSET_DIR = packageAsset('lambda', 'destination-provider', 'handler');

/** Stripe API versions look like `2024-06-20` or `2026-10-28.endive`. */
const API_VERSION = /^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/;

/** Time the provider framework keeps polling after our own deadline, so that our clear error wins. */
const FRAMEWORK_MARGIN_SECONDS = 5 * 60;
const QUERY_INTERVAL_SECONDS = 10;

/**
 * Properties of a StripeEventDestination.
 */
export interface StripeEventDestinationProps {
  /**
   * The Secrets Manager secret whose plain-text value is the Stripe restricted key (`rk_live_…` or
   * `rk_test_…`) the provider uses to manage the destination. The key needs write access to event
   * destinations and nothing else. It is read at deploy time by the provider function; it never
   * appears in the template, in an environment variable or in a log.
   */
  readonly apiKeySecret: secretsmanager.ISecret;

  /**
   * The payload style of the events Stripe sends: whole snapshot events, or thin events (event notifications)
   * whose handlers fetch what they need. Stripe cannot change it on an existing destination: changing it
   * replaces the destination, which means a new partner event source and bus.
   *
   * @default StripeEventPayload.SNAPSHOT
   */
  readonly eventPayload?: StripeEventPayload;

  /**
   * The Stripe event types to send to the bus: exact types (`checkout.session.completed`, or for a thin
   * destination `v2.core.account.updated`), trailing wildcards (`invoice.*`, `v2.core.account.*`) or, for a
   * snapshot destination, `*`. Stripe's `enabled_events` documents no wildcards for event destinations, so
   * wildcards are expanded here to the event types of the `stripe` package this library was built with; a thin
   * destination lists its types explicitly, so `*` is refused there. Every type must be of the destination's
   * payload style.
   *
   * @default - the handler keys of the StripeEventBridgeIntegration whose bus is
   * `StripeEventBus.fromDestination(this)`, expanded the same way
   */
  readonly enabledEvents?: string[];

  /**
   * Accept types in `enabledEvents` that the bundled `stripe` package does not know (types Stripe added
   * since). Wildcards must still match at least one known type.
   *
   * @default false
   */
  readonly allowUnknownEventTypes?: boolean;

  /**
   * The destination's name in Stripe.
   *
   * @default - the stack name and this construct's path, e.g. `ShopStack/StripeDestination`
   */
  readonly destinationName?: string;

  /**
   * The destination's description in Stripe.
   *
   * @default - names the CloudFormation stack that manages the destination
   */
  readonly description?: string;

  /**
   * The Stripe API version the snapshot events are rendered in. Changing it replaces the destination
   * (Stripe cannot change it on an existing one), which means a new partner event source and bus. Only for a
   * snapshot destination: thin events are not versioned (the handler fetches objects in its client's version).
   *
   * @default - for a snapshot destination, the API version of the `stripe` package this library was built with,
   * which the typed handlers use; none for a thin destination
   */
  readonly snapshotApiVersion?: string;

  /**
   * When the destination leaves the stack (stack deletion, construct removal or replacement), keep it in
   * Stripe, disabled, instead of deleting it.
   *
   * @default false
   */
  readonly retainOnDelete?: boolean;

  /**
   * How long a deployment waits for Stripe's partner event source to appear in the account after creating
   * the destination, before it fails (and rolls back, deleting the destination). Between 1 and 50 minutes.
   *
   * @default Duration.minutes(5)
   */
  readonly eventSourceTimeout?: Duration;

  /**
   * Retention of the provider functions' log groups (kept when the stack is deleted, so that the logs of a
   * failed deployment survive its rollback).
   *
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * A Stripe event destination of type Amazon EventBridge for this stack's account and region, managed by
 * CloudFormation: created, updated in place (name, description, enabled events), replaced when a property
 * Stripe cannot update changes, and deleted (or disabled) with the stack. Creating it waits until Stripe's
 * partner event source exists, so `StripeEventBus.fromDestination()` can accept it in the same deployment.
 */
export class StripeEventDestination extends Construct {
  /** The destination's id in Stripe (`ed_…`). */
  public readonly destinationId: string;

  /** The partner event source name, `aws.partner/stripe.com/ed_…`: the name of the bus that accepts it. */
  public readonly eventSourceName: string;

  /** The partner event source ARN. */
  public readonly eventSourceArn: string;

  /** The payload style of the events Stripe sends to this destination. */
  public readonly eventPayload: StripeEventPayload;

  /** The Stripe API version snapshot events are rendered in; undefined for a thin destination. */
  public readonly snapshotApiVersion?: string;

  /** The function that calls Stripe (create, update, delete). */
  public readonly onEventFunction: lambda.IFunction;

  /** The function that waits for the partner event source. */
  public readonly isCompleteFunction: lambda.IFunction;

  private readonly explicitEvents?: ReadonlySet<string>;
  private readonly handlerEvents = new Set<string>();

  constructor(scope: Construct, id: string, props: StripeEventDestinationProps) {
    super(scope, id);
    const stack = Stack.of(this);

    if (!props.apiKeySecret) {
      invalid(this, 'apiKeySecret: required; pass the Secrets Manager secret that holds the Stripe restricted key, e.g. secretsmanager.Secret.fromSecretNameV2(this, \'StripeKey\', \'stripe/restricted-key\').');
    }
    this.eventPayload = props.eventPayload ?? StripeEventPayload.SNAPSHOT;
    if (!Object.values(StripeEventPayload).includes(this.eventPayload)) {
      invalid(this, `eventPayload: '${String(this.eventPayload)}' is not a StripeEventPayload; use StripeEventPayload.SNAPSHOT or StripeEventPayload.THIN.`);
    }
    const thin = this.eventPayload === StripeEventPayload.THIN;
    if (thin && props.snapshotApiVersion !== undefined) {
      invalid(this,
        `snapshotApiVersion: '${props.snapshotApiVersion}' is set on a thin destination; thin events are not rendered in an API version ` +
          '(Stripe takes snapshot_api_version only with event_payload snapshot). Remove snapshotApiVersion, or use eventPayload: StripeEventPayload.SNAPSHOT.',
      );
    }
    this.snapshotApiVersion = thin ? undefined : props.snapshotApiVersion ?? STRIPE_API_VERSION;
    if (this.snapshotApiVersion !== undefined && !Token.isUnresolved(this.snapshotApiVersion) && !API_VERSION.test(this.snapshotApiVersion)) {
      invalid(this,
        `snapshotApiVersion: '${this.snapshotApiVersion}' is not a Stripe API version; expected e.g. '${STRIPE_API_VERSION}' ` +
          `(the version of stripe@${STRIPE_PACKAGE_VERSION}, the default).`,
      );
    }
    const timeout = props.eventSourceTimeout ?? Duration.seconds(DEFAULT_SOURCE_TIMEOUT_SECONDS);
    if (timeout.isUnresolved()) {
      invalid(this, 'eventSourceTimeout: must be a literal duration, e.g. Duration.minutes(5).');
    }
    const timeoutSeconds = timeout.toSeconds();
    if (timeoutSeconds < MIN_SOURCE_TIMEOUT_SECONDS || timeoutSeconds > MAX_SOURCE_TIMEOUT_SECONDS) {
      invalid(this,
        `eventSourceTimeout: ${timeout.toHumanString()} is outside 1 to 50 minutes (CloudFormation's provider framework waits at most an hour). ` +
          'The default is 5 minutes.',
      );
    }
    const name = props.destinationName ?? `${stack.stackName}/${this.node.path.split('/').slice(1).join('/')}`;
    if (!Token.isUnresolved(name) && name.trim() === '') {
      invalid(this, 'destinationName: must not be empty; omit it to use the stack name and construct path.');
    }
    if (props.enabledEvents !== undefined) {
      if (props.enabledEvents.length === 0) {
        invalid(this,
          'enabledEvents: an empty list enables nothing; list Stripe event types, or omit it to enable the handler keys of the integration that uses this destination.',
        );
      }
      const expanded = new Set<string>();
      for (const key of props.enabledEvents) {
        const parsed = parseEventTypeKey(key, props.allowUnknownEventTypes ?? ROUTE_DEFAULTS.allowUnknownEventTypes, 'enabledEvents', this);
        checkPayloadOf(this, parsed, this.eventPayload, 'enabledEvents');
        for (const type of expand(this, parsed, this.eventPayload, 'enabledEvents')) expanded.add(type);
      }
      this.explicitEvents = expanded;
    }

    const logRetention = props.logRetention ?? ROUTE_DEFAULTS.logRetention;
    const code = lambda.Code.fromAsset(PROVIDER_ASSET_DIR);

    const onEventRole = this.functionRole('OnEvent', 'Stripe event destination provider: calls the Stripe API');
    this.grantReadKey(props.apiKeySecret, onEventRole);
    this.onEventFunction = this.providerFunction('OnEvent', code, ON_EVENT_HANDLER, onEventRole, logRetention, {
      description: 'Creates, updates and deletes a Stripe event destination (Stripe key read from Secrets Manager)',
      timeout: Duration.minutes(5),
    });

    const isCompleteRole = this.functionRole('IsComplete', 'Stripe event destination provider: waits for the partner event source');
    // DescribeEventSource only supports the event-source resource type, arn:${Partition}:events:${Region}::event-source/${EventSourceName}
    // (Service Authorization Reference, Amazon EventBridge). The destination id is not known before Stripe
    // creates it, so the narrowest grant is every Stripe source in this region.
    isCompleteRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['events:DescribeEventSource'],
        resources: [
          stack.formatArn({
            service: 'events',
            account: '',
            resource: 'event-source',
            resourceName: `${STRIPE_PARTNER_SOURCE_PREFIX}*`,
            arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          }),
        ],
      }),
    );
    acknowledgeNagFindings(isCompleteRole.node.findChild('DefaultPolicy'), [{
      id: 'AwsSolutions-IAM5',
      reason: 'DescribeEventSource of the partner event source Stripe creates for this destination, whose id is known only after Stripe creates it: every Stripe source in this region.',
      appliesTo: [{ regex: '/^Resource::arn:<AWS::Partition>:events:.*::event-source\\/aws\\.partner\\/stripe\\.com\\/\\*$/' }],
    }]);
    this.isCompleteFunction = this.providerFunction('IsComplete', code, IS_COMPLETE_HANDLER, isCompleteRole, logRetention, {
      description: "Waits until a Stripe event destination's partner event source exists",
      timeout: Duration.minutes(1),
    });

    const totalSeconds = Math.ceil((timeoutSeconds + FRAMEWORK_MARGIN_SECONDS) / QUERY_INTERVAL_SECONDS) * QUERY_INTERVAL_SECONDS;
    const provider = createDestinationProvider(this, {
      onEventHandler: this.onEventFunction,
      isCompleteHandler: this.isCompleteFunction,
      queryInterval: Duration.seconds(QUERY_INTERVAL_SECONDS),
      totalTimeout: Duration.seconds(totalSeconds),
      logRetention,
    });

    const resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: RESOURCE_TYPE,
      properties: {
        // Only the secret's ARN (or name): the provider reads the key itself at deploy time.
        [PROP_SECRET_ID]: props.apiKeySecret.secretFullArn ?? props.apiKeySecret.secretName,
        [PROP_NAME]: name,
        [PROP_DESCRIPTION]: props.description ?? `Stripe events for AWS CloudFormation stack ${stack.stackName} (managed by @babes/stripe-eventbridge)`,
        [PROP_ENABLED_EVENTS]: Lazy.list({ produce: () => this.renderEnabledEvents() }),
        // A snapshot destination's properties are those of releases before thin events, so that its template does not change.
        ...(thin ? { [PROP_EVENT_PAYLOAD]: 'thin' } : { [PROP_SNAPSHOT_API_VERSION]: this.snapshotApiVersion }),
        [PROP_AWS_ACCOUNT_ID]: stack.account,
        [PROP_AWS_REGION]: stack.region,
        [PROP_AWS_PARTITION]: stack.partition,
        [PROP_RETAIN_ON_DELETE]: String(props.retainOnDelete ?? false),
        [PROP_SOURCE_TIMEOUT_SECONDS]: String(timeoutSeconds),
      },
    });
    this.destinationId = resource.getAttString(ATTR_DESTINATION_ID);
    this.eventSourceName = resource.getAttString(ATTR_EVENT_SOURCE_NAME);
    this.eventSourceArn = resource.getAttString(ATTR_EVENT_SOURCE_ARN);

    this.node.addValidation({
      validate: () =>
        this.renderEnabledEvents().length > 0
          ? []
          : [
            `enabledEvents: StripeEventDestination '${this.node.path}' has no events to enable. Set enabledEvents, or use it as ` +
                'StripeEventBus.fromDestination(destination) in a StripeEventBridgeIntegration, whose handler keys become its enabled events.',
          ],
    });
  }

  /**
   * Registers the handler keys of an integration that receives this destination's events, as the integration
   * parsed them: they become the enabled events unless `enabledEvents` is set, in which case keys it does not
   * cover are reported.
   * @internal
   */
  public _addHandlerEventTypes(keys: readonly EventTypeKey[]): void {
    for (const parsed of keys) {
      const key = parsed.key;
      if (this.explicitEvents) {
        if (!covers(parsed, this.explicitEvents)) {
          warn(
            this,
            '@babes/stripe-eventbridge:handlerEventNotEnabled',
            `Handler key '${key}' matches none of this destination's enabledEvents, so Stripe never sends its events and the handler never runs. ` +
              'Add the type to enabledEvents, or omit enabledEvents to enable exactly the handler keys.',
          );
        }
        continue;
      }
      checkPayloadOf(this, parsed, this.eventPayload, 'handlers');
      for (const type of expand(this, parsed, this.eventPayload, 'handlers')) this.handlerEvents.add(type);
    }
  }

  private renderEnabledEvents(): string[] {
    return [...(this.explicitEvents ?? this.handlerEvents)].sort();
  }

  private functionRole(id: string, description: string): iam.Role {
    return new iam.Role(this, `${id}ServiceRole`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description,
    });
  }

  private providerFunction(
    id: string,
    code: lambda.Code,
    handler: string,
    role: iam.Role,
    logRetention: logs.RetentionDays,
    options: { description: string; timeout: Duration },
  ): lambda.Function {
    return createLoggedFunction(this, {
      ids: { role: `${id}ServiceRole`, logGroup: `${id}LogGroup`, function: `${id}Function` },
      role,
      logRetention,
      code,
      handler,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      ...options,
    }).function;
  }

  /** `secretsmanager:GetSecretValue` on this secret only (plus decrypting with its key, through Secrets Manager). */
  private grantReadKey(secret: secretsmanager.ISecret, role: iam.IRole): void {
    // A secret imported by name has a partial ARN; Secrets Manager appends a 6-character suffix.
    const arn = secret.secretFullArn ?? `${secret.secretArn}-??????`;
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [arn] }));
    secret.encryptionKey?.grantDecrypt(new kms.ViaServicePrincipal(`secretsmanager.${Stack.of(this).region}.amazonaws.com`, role));
  }
}
