/**
 * The custom resource's lifecycle: the onEvent and isComplete handlers of the CDK provider framework,
 * with their clients injected so tests run them against a local Stripe stand-in and mocked AWS clients.
 */
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type Stripe from 'stripe';
import { DestinationPropertiesError, EventSourceError } from './errors';
import { describeEventSource } from './event-source';
import { DesiredDestination, fingerprint, needsReplacement, parseProperties } from './properties';
import { readStripeKey } from './secret';
import { EventDestination, partnerEventSourceOf, StripeDestinations } from './stripe-destinations';
import {
  ATTR_DESTINATION_ID,
  ATTR_EVENT_SOURCE_ARN,
  ATTR_EVENT_SOURCE_NAME,
  PROP_RETAIN_ON_DELETE,
  PROP_SECRET_ID,
  WAIT_FIELD_DEADLINE,
  WAIT_FIELD_NAME,
} from '../../contract/destination';

/** The parts of the provider framework's request that this provider reads. */
export interface DestinationRequest {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly StackId: string;
  readonly LogicalResourceId: string;
  readonly RequestId: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: Record<string, unknown>;
  readonly OldResourceProperties?: Record<string, unknown>;
}

export interface DestinationResponse {
  readonly PhysicalResourceId: string;
  readonly Data?: Record<string, string>;
  /** Passed on to isComplete by the provider framework; not a resource attribute. */
  readonly [WAIT_FIELD_NAME]?: boolean;
  readonly [WAIT_FIELD_DEADLINE]?: number;
}

export type CompletionRequest = DestinationRequest & DestinationResponse;

export interface CompletionResponse {
  readonly IsComplete: boolean;
}

/** One structured log line; never given the key. */
export type Log = (entry: Record<string, unknown>) => void;

export interface OnEventDeps {
  readonly secrets: SecretsManagerClient;
  readonly stripeFor: (key: string) => Stripe;
  readonly log: Log;
  readonly now: () => number;
}

export interface IsCompleteDeps {
  readonly eventBridge: EventBridgeClient;
  readonly log: Log;
  readonly now: () => number;
}

/** Stripe event destination ids start with `ed_`; anything else was never created. */
function isDestinationId(id: string | undefined): id is string {
  return typeof id === 'string' && id.startsWith('ed_');
}

export async function onEvent(event: DestinationRequest, deps: OnEventDeps): Promise<DestinationResponse> {
  const context = { requestType: event.RequestType, logicalId: event.LogicalResourceId, physicalId: event.PhysicalResourceId };
  if (event.RequestType === 'Delete') return onDelete(event, deps, context);

  const desired = parseProperties(event.ResourceProperties);
  const api = await connect(desired.secretId, deps);

  if (event.RequestType === 'Update' && isDestinationId(event.PhysicalResourceId)) {
    const before = event.OldResourceProperties ? parseProperties(event.OldResourceProperties) : desired;
    if (!needsReplacement(before, desired)) {
      const updated = await api.update(event.PhysicalResourceId, desired);
      deps.log({ ...context, message: 'updated the event destination in place', destinationId: updated.id, enabledEvents: desired.enabledEvents.length });
      // In place: the partner source exists already, so no wait (and a rollback never waits either).
      return respond(updated, desired, false, deps);
    }
    deps.log({ ...context, message: 'a property Stripe cannot update changed: replacing the event destination' });
  }

  const tags = { stackId: event.StackId, logicalId: event.LogicalResourceId, fingerprint: fingerprint(desired) };
  const existing = await api.findTagged(tags);
  let destination: EventDestination;
  if (existing) {
    destination = await api.reconcile(existing, desired);
    deps.log({ ...context, message: 'found the event destination an earlier attempt created; using it', destinationId: destination.id });
  } else {
    destination = await api.create(desired, tags);
    deps.log({ ...context, message: 'created the event destination', destinationId: destination.id, enabledEvents: desired.enabledEvents.length });
  }
  return respond(destination, desired, true, deps);
}

async function onDelete(event: DestinationRequest, deps: OnEventDeps, context: Record<string, unknown>): Promise<DestinationResponse> {
  const physicalId = event.PhysicalResourceId ?? event.RequestId;
  if (!isDestinationId(physicalId)) {
    deps.log({ ...context, message: 'nothing to delete: no event destination was created' });
    return { PhysicalResourceId: physicalId };
  }
  // Only what deleting needs, so that a delete never fails on properties it does not use.
  const secretId = event.ResourceProperties?.[PROP_SECRET_ID];
  if (typeof secretId !== 'string' || secretId === '') {
    throw new DestinationPropertiesError(`resource property ${PROP_SECRET_ID} is missing; cannot reach Stripe to delete ${physicalId}.`);
  }
  const retain = String(event.ResourceProperties[PROP_RETAIN_ON_DELETE] ?? 'false') === 'true';
  const api = await connect(secretId, deps);
  const outcome = await api.remove(physicalId, retain);
  deps.log({ ...context, message: `event destination ${outcome}`, destinationId: physicalId });
  return { PhysicalResourceId: physicalId };
}

async function connect(secretId: string, deps: OnEventDeps): Promise<StripeDestinations> {
  const key = await readStripeKey(deps.secrets, secretId);
  return new StripeDestinations(deps.stripeFor(key), key);
}

function respond(destination: EventDestination, desired: DesiredDestination, wait: boolean, deps: OnEventDeps): DestinationResponse {
  const source = partnerEventSourceOf(destination, desired);
  return {
    PhysicalResourceId: destination.id,
    // Small on purpose: CloudFormation caps a custom resource response at 4 KB.
    Data: {
      [ATTR_DESTINATION_ID]: destination.id,
      [ATTR_EVENT_SOURCE_NAME]: source.name,
      [ATTR_EVENT_SOURCE_ARN]: source.arn,
    },
    [WAIT_FIELD_NAME]: wait,
    [WAIT_FIELD_DEADLINE]: wait ? deps.now() + desired.sourceTimeoutSeconds * 1000 : undefined,
  };
}

/**
 * Done once the partner event source exists in this account and region (pending or already active);
 * fails with a clear error when it is deleted or does not appear before the deadline.
 */
export async function isComplete(event: CompletionRequest, deps: IsCompleteDeps): Promise<CompletionResponse> {
  if (event.RequestType === 'Delete' || event[WAIT_FIELD_NAME] !== true) return { IsComplete: true };
  const name = event.Data?.[ATTR_EVENT_SOURCE_NAME];
  const destinationId = event.PhysicalResourceId;
  if (!name) throw new EventSourceError(`the onEvent handler returned no ${ATTR_EVENT_SOURCE_NAME} for ${destinationId}.`);

  const state = await describeEventSource(deps.eventBridge, name);
  deps.log({ message: 'partner event source state', eventSourceName: name, state, destinationId });
  if (state === 'PENDING' || state === 'ACTIVE') return { IsComplete: true };
  if (state === 'DELETED') {
    throw new EventSourceError(
      `the partner event source ${name} of Stripe event destination ${destinationId} is DELETED in this account: AWS removes a source that ` +
        'no event bus accepted within 7 days, and Stripe then disables the destination. Change the construct id of the ' +
        'StripeEventDestination to create a new destination and source.',
    );
  }
  const deadline = event[WAIT_FIELD_DEADLINE];
  if (typeof deadline === 'number' && deps.now() >= deadline) {
    throw new EventSourceError(
      `Stripe created event destination ${destinationId}, but its partner event source ${name} did not appear in this AWS account ` +
        'and region before the deadline (eventSourceTimeout). Check the destination in the Stripe Dashboard (Workbench → Event destinations): ' +
        'its AWS account id and region must be this stack\'s. The deployment rolls back and deletes the destination.',
    );
  }
  return { IsComplete: false };
}
