/**
 * The contract between StripeEventDestination (synth time) and its custom resource provider (deploy
 * time): resource property names, attribute names, the metadata the provider tags destinations with,
 * and the defaults both sides agree on. No imports, so both the jsii library and the Lambda bundle use it.
 */

/** The custom resource type in the template. */
export const RESOURCE_TYPE = 'Custom::StripeEventDestination';

/**
 * Resource properties, as CloudFormation passes them to the provider (every scalar is a string).
 * The Stripe key is never one of them: only the ARN (or name) of the secret that holds it.
 */
/** The secret's full ARN, or its name when imported by name (a partial ARN can be ambiguous as a SecretId). */
export const PROP_SECRET_ID = 'ApiKeySecretId';
export const PROP_NAME = 'DestinationName';
export const PROP_DESCRIPTION = 'Description';
export const PROP_ENABLED_EVENTS = 'EnabledEvents';
/** Only on a snapshot destination. */
export const PROP_SNAPSHOT_API_VERSION = 'SnapshotApiVersion';
/**
 * Stripe's `event_payload`: `thin`, or `snapshot` (what an absent property means, as in the templates of releases
 * before thin events, so that their destinations keep their fingerprint).
 */
export const PROP_EVENT_PAYLOAD = 'EventPayload';
export const PROP_AWS_ACCOUNT_ID = 'AwsAccountId';
export const PROP_AWS_REGION = 'AwsRegion';
export const PROP_AWS_PARTITION = 'AwsPartition';
export const PROP_RETAIN_ON_DELETE = 'RetainOnDelete';
export const PROP_SOURCE_TIMEOUT_SECONDS = 'EventSourceTimeoutSeconds';

/** Attributes (`Fn::GetAtt`) of the custom resource. */
export const ATTR_DESTINATION_ID = 'DestinationId';
export const ATTR_EVENT_SOURCE_NAME = 'EventSourceName';
export const ATTR_EVENT_SOURCE_ARN = 'EventSourceArn';

/**
 * Metadata keys the provider writes on every destination it creates, so that a retried Create (or a
 * rollback to the previous configuration) finds the destination instead of creating a duplicate.
 * Stripe's list endpoint has no metadata filter (docs.stripe.com/api/v2/core/event-destinations/list:
 * only `include`, `limit`, `page`), so the provider lists and filters.
 */
export const META_STACK_ID = 'cfn_stack_id';
export const META_LOGICAL_ID = 'cfn_logical_id';
/** A hash of the properties Stripe cannot update: a replacement gets a new one. */
export const META_FINGERPRINT = 'cfn_fingerprint';
/** Set on a destination that was disabled and left behind on delete (RetainOnDelete): never adopted again. */
export const META_RETAINED = 'cfn_retained';

/** Custom fields that onEvent passes to isComplete (never resource attributes). */
export const WAIT_FIELD_NAME = 'WaitForEventSource';
export const WAIT_FIELD_DEADLINE = 'WaitDeadline';

/** Handler names inside the bundled provider asset (`index.js`). */
export const ON_EVENT_HANDLER = 'index.onEvent';
export const IS_COMPLETE_HANDLER = 'index.isComplete';

/** Default time to wait for the partner event source to appear in the AWS account. */
export const DEFAULT_SOURCE_TIMEOUT_SECONDS = 5 * 60;
/** The provider framework's total timeout is at most one hour; leave it room after our own deadline. */
export const MAX_SOURCE_TIMEOUT_SECONDS = 50 * 60;
export const MIN_SOURCE_TIMEOUT_SECONDS = 60;
