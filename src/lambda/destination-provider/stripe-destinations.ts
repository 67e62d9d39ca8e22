import Stripe from 'stripe';
import { stripeError } from './errors';
import { DesiredDestination } from './properties';
import { META_FINGERPRINT, META_LOGICAL_ID, META_RETAINED, META_STACK_ID } from '../../contract/destination';
import { STRIPE_PARTNER_SOURCE_PREFIX } from '../../contract/stripe';

export type EventDestination = Stripe.V2.Core.EventDestination;

/** Where the provider sends Stripe API requests: Stripe itself, or a local stand-in in tests. */
export interface StripeEndpoint {
  readonly host: string;
  readonly port: number;
  readonly protocol: 'http' | 'https';
}

/** Identifies the destinations one custom resource owns (Stripe metadata). */
export interface DestinationTags {
  readonly stackId: string;
  readonly logicalId: string;
  readonly fingerprint: string;
}

/**
 * A Stripe client pinned to the API version of the bundled `stripe` package. Each request times out
 * after 20 s and is retried twice on network errors, 409 and 5xx with the same idempotency key (the SDK
 * adds one to every v2 POST and DELETE), so no call can hang a deployment.
 */
export function createStripeClient(key: string, endpoint?: StripeEndpoint): Stripe {
  return new Stripe(key, {
    maxNetworkRetries: 2,
    timeout: 20_000,
    telemetry: false,
    appInfo: { name: '@babes/stripe-eventbridge StripeEventDestination' },
    ...(endpoint ? { host: endpoint.host, port: endpoint.port, protocol: endpoint.protocol } : {}),
  });
}

/** The partner event source Stripe created for a destination, from `amazon_eventbridge.aws_event_source_arn`. */
export interface PartnerEventSource {
  readonly name: string;
  readonly arn: string;
}

export function partnerEventSourceOf(destination: EventDestination, desired: DesiredDestination): PartnerEventSource {
  const arn = destination.amazon_eventbridge?.aws_event_source_arn;
  const marker = ':event-source/';
  if (arn && arn.includes(marker)) {
    return { arn, name: arn.slice(arn.indexOf(marker) + marker.length) };
  }
  // Stripe names the source after the destination id (docs.stripe.com/event-destinations/eventbridge).
  const name = `${STRIPE_PARTNER_SOURCE_PREFIX}${destination.id}`;
  return { name, arn: `arn:${desired.awsPartition}:events:${desired.awsRegion}::event-source/${name}` };
}

/** The Stripe calls the provider makes, each failing with Stripe's message and request id and never with the key. */
export class StripeDestinations {
  constructor(
    private readonly stripe: Stripe,
    private readonly key: string,
  ) {}

  /**
   * The live destination that this resource created earlier with the same unchangeable settings, if any.
   * Stripe's list has no metadata filter, so every page is read and filtered here.
   */
  public async findTagged(tags: DestinationTags): Promise<EventDestination | undefined> {
    const found: EventDestination[] = [];
    try {
      for await (const d of this.stripe.v2.core.eventDestinations.list()) {
        const m = d.metadata ?? {};
        if (
          d.type === 'amazon_eventbridge' &&
          m[META_STACK_ID] === tags.stackId &&
          m[META_LOGICAL_ID] === tags.logicalId &&
          m[META_FINGERPRINT] === tags.fingerprint &&
          m[META_RETAINED] === undefined
        ) {
          found.push(d);
        }
      }
    } catch (err) {
      throw stripeError(err, 'listing event destinations to find one created by an earlier attempt', this.key);
    }
    // Oldest first: if a race ever left two, keep using the first one.
    found.sort((a, b) => a.created.localeCompare(b.created));
    return found[0];
  }

  public async create(desired: DesiredDestination, tags: DestinationTags): Promise<EventDestination> {
    try {
      return await this.stripe.v2.core.eventDestinations.create({
        type: 'amazon_eventbridge',
        amazon_eventbridge: { aws_account_id: desired.awsAccountId, aws_region: desired.awsRegion },
        event_payload: desired.eventPayload,
        // Only with event_payload snapshot: "If using the snapshot event payload, the API version events are rendered as."
        ...(desired.snapshotApiVersion !== undefined ? { snapshot_api_version: desired.snapshotApiVersion } : {}),
        name: desired.name,
        description: desired.description,
        enabled_events: desired.enabledEvents,
        metadata: {
          [META_STACK_ID]: tags.stackId,
          [META_LOGICAL_ID]: tags.logicalId,
          [META_FINGERPRINT]: tags.fingerprint,
        },
      });
    } catch (err) {
      throw stripeError(err, `creating the event destination '${desired.name}'`, this.key);
    }
  }

  /** Brings name, description and enabled events in line; no request when they already are. */
  public async reconcile(destination: EventDestination, desired: DesiredDestination): Promise<EventDestination> {
    const sameEvents = [...destination.enabled_events].sort().join(',') === desired.enabledEvents.join(',');
    if (sameEvents && destination.name === desired.name && destination.description === desired.description) {
      return destination;
    }
    return this.update(destination.id, desired);
  }

  public async update(id: string, desired: DesiredDestination): Promise<EventDestination> {
    try {
      return await this.stripe.v2.core.eventDestinations.update(id, {
        name: desired.name,
        description: desired.description,
        enabled_events: desired.enabledEvents,
      });
    } catch (err) {
      if (isNotFound(err)) {
        throw stripeError(
          err,
          `updating the event destination ${id}, which no longer exists in this Stripe account (deleted outside CloudFormation, or the secret now holds another account's key). ` +
            'Restore the key, or change the construct id of the StripeEventDestination to create a new destination',
          this.key,
        );
      }
      throw stripeError(err, `updating the event destination ${id}`, this.key);
    }
  }

  /**
   * Deletes the destination, or with `retain` disables it and marks it as left behind, so that it is
   * never adopted again. A destination that is already gone counts as removed.
   */
  public async remove(id: string, retain: boolean): Promise<'deleted' | 'disabled' | 'absent'> {
    try {
      if (!retain) {
        await this.stripe.v2.core.eventDestinations.del(id);
        return 'deleted';
      }
      const d = await this.stripe.v2.core.eventDestinations.retrieve(id);
      if (d.status !== 'disabled') await this.stripe.v2.core.eventDestinations.disable(id);
      await this.stripe.v2.core.eventDestinations.update(id, { metadata: { [META_RETAINED]: 'true' } });
      return 'disabled';
    } catch (err) {
      if (isNotFound(err)) return 'absent';
      throw stripeError(err, `${retain ? 'disabling' : 'deleting'} the event destination ${id}`, this.key);
    }
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { statusCode?: unknown; code?: unknown };
  return e?.statusCode === 404 || e?.code === 'not_found';
}
