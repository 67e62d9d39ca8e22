import { RemovalPolicy, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import { STRIPE_PARTNER_SOURCE_PREFIX } from './contract/stripe';
import { StripeEventPayload } from './event-payload';
import {
  endsInDestinationId,
  nameInArn,
  notADestinationIdWarning,
  partnerSourceNameError,
  partnerSourceNameProblem,
} from './private/bus/partner-source-name';
import { invalid, warn } from './private/errors';
import type { EventTypeKey } from './private/event-type-keys';
import { StripeEventDestination } from './stripe-event-destination';

/**
 * Options for a Stripe partner bus.
 */
export interface StripePartnerEventBusOptions {
  /**
   * The payload style of the events on the bus: the `event_payload` of the Stripe event destination that sends
   * them. A destination, and so its partner event source and bus, carries one style; an integration that takes
   * both has two buses (`eventBus` and `thinEventBus`).
   *
   * @default StripeEventPayload.SNAPSHOT
   */
  readonly payload?: StripeEventPayload;
}

/**
 * Options for a bus that already exists.
 */
export interface StripeEventBusOptions extends StripePartnerEventBusOptions {
  /**
   * The `source` prefix of the Stripe events on this bus. Rules match it by prefix and the wrapper rejects
   * events whose source does not start with it.
   *
   * Change it only for a bus that carries Stripe-shaped events from somewhere else, for example a custom
   * bus used in integration tests (`PutEvents` cannot write to a partner bus, and rejects `aws.` sources).
   *
   * @default 'aws.partner/stripe.com/'
   */
  readonly sourcePrefix?: string;
}

/**
 * The event bus that Stripe events arrive on: the partner bus that accepts a Stripe event destination's
 * partner event source, or a bus that already exists.
 */
export abstract class StripeEventBus {
  /**
   * Accept the Stripe partner event source in this stack: creates an event bus whose name is the source
   * name, which associates the source with it (do it within 7 days of creating the Stripe destination,
   * or AWS deletes the source and Stripe disables the destination).
   *
   * The bus is retained when the stack is deleted: deleting it would send the source back to pending.
   *
   * Any name EventBridge accepts under `aws.partner/stripe.com/` is accepted (one or more path segments
   * of letters, digits, `.`, `-` and `_`, 256 characters at most); a name whose last segment is not a
   * destination id (`ed_…`) gets a warning you can acknowledge.
   *
   * @param eventSourceName the partner event source name, `aws.partner/stripe.com/<unique id>` (for example
   * `aws.partner/stripe.com/ed_…`), as shown on the Stripe destination and in the EventBridge console under
   * "Partner event sources".
   * @param options the payload style of the destination that sends to it (thin or snapshot).
   */
  public static fromPartnerEventSource(eventSourceName: string, options: StripePartnerEventBusOptions = {}): StripeEventBus {
    validatePartnerEventSourceName(eventSourceName);
    return new PartnerSourceBus(eventSourceName, payloadOf(options));
  }

  /**
   * Accept the partner event source of a StripeEventDestination created in this app, so that one
   * deployment creates the Stripe destination and the bus that accepts its source. The bus is created
   * after the destination (which waits for the source to exist), is named after its partner source, and
   * is retained when the stack is deleted. Unless the destination sets `enabledEvents`, the integration's
   * handler keys become the destination's enabled events. The bus carries the destination's payload style
   * (`eventPayload`).
   *
   * @param destination the `StripeEventDestination` whose partner event source the bus accepts.
   */
  public static fromDestination(destination: StripeEventDestination): StripeEventBus {
    return new DestinationBus(destination);
  }

  /**
   * Use an existing event bus by name, e.g. a partner bus associated outside this stack. Unless
   * `sourcePrefix` is set, a bus that is not a Stripe partner bus (the default bus, a custom bus) gets a
   * warning: Stripe delivers its events only to its partner bus.
   *
   * @param eventBusName the bus's name; for a partner bus, the partner event source name `aws.partner/stripe.com/ed_…`.
   */
  public static fromEventBusName(eventBusName: string, options: StripeEventBusOptions = {}): StripeEventBus {
    if (!Token.isUnresolved(eventBusName)) {
      if (eventBusName.trim() === '') {
        invalid(undefined, 'eventBus: StripeEventBus.fromEventBusName() needs the name of an existing event bus, got an empty string.');
      }
      const arn = nameInArn(eventBusName);
      if (eventBusName.startsWith('arn:')) {
        invalid(undefined, `eventBus: '${eventBusName}' is an ARN; StripeEventBus.fromEventBusName() takes the bus's name${arn ? `, the part after '${arn.resource}/': '${arn.name}'` : ''}.`);
      }
      // A Stripe partner bus is named after its partner source: the same check as fromPartnerEventSource.
      const problem = eventBusName.startsWith(STRIPE_PARTNER_SOURCE_PREFIX) ? partnerSourceNameProblem(eventBusName) : undefined;
      if (problem !== undefined) invalid(undefined, partnerSourceNameError(eventBusName, problem));
    }
    return new ExistingBus((scope, id) => events.EventBus.fromEventBusName(scope, id, eventBusName), options.sourcePrefix, payloadOf(options));
  }

  /**
   * Use an event bus object you already have (created or imported elsewhere in your app). Unless
   * `sourcePrefix` is set, a bus that is not a Stripe partner bus gets a warning.
   *
   * @param eventBus the bus the integration puts its rules on.
   */
  public static fromEventBus(eventBus: events.IEventBus, options: StripeEventBusOptions = {}): StripeEventBus {
    return new ExistingBus(() => eventBus, options.sourcePrefix, payloadOf(options));
  }

  /** The `source` prefix of Stripe events on this bus. */
  public abstract readonly sourcePrefix: string;

  /** The payload style of the Stripe events on this bus. */
  public abstract readonly payload: StripeEventPayload;

  /**
   * Creates or imports the bus under `scope`, as the construct `id` (`EventBus`, or `ThinEventBus` for an
   * integration's second bus).
   * @internal
   */
  public abstract _bind(scope: Construct, id: string): events.IEventBus;

  /**
   * Tells the bus which event types (the `handlers` keys, parsed) an integration receives from it.
   * @internal
   */
  public _useEventTypes(_keys: readonly EventTypeKey[]): void {
    // Only a destination-backed bus has a use for them.
  }
}

/** The payload option, checked: a JavaScript caller may pass anything. */
function payloadOf(options: StripePartnerEventBusOptions): StripeEventPayload {
  const payload = options.payload ?? StripeEventPayload.SNAPSHOT;
  if (!Object.values(StripeEventPayload).includes(payload)) {
    invalid(undefined, `eventBus: payload '${String(payload)}' is not a StripeEventPayload; use StripeEventPayload.SNAPSHOT or StripeEventPayload.THIN.`);
  }
  return payload;
}

function validatePartnerEventSourceName(name: string): void {
  if (Token.isUnresolved(name)) return;
  const problem = partnerSourceNameProblem(name);
  if (problem !== undefined) invalid(undefined, partnerSourceNameError(name, problem));
}

/** Warns (acknowledgeably) when a Stripe partner source name does not end in a destination id. */
function warnUnlessDestinationId(scope: Construct, name: string): void {
  if (Token.isUnresolved(name) || endsInDestinationId(name)) return;
  warn(scope, '@babes/stripe-eventbridge:partnerSourceName', notADestinationIdWarning(name));
}

/**
 * Warns (acknowledgeably) when the bus can never receive a Stripe partner event: Stripe delivers only to
 * the partner bus named after its partner event source, so rules matching Stripe's source on any other
 * bus (the default bus, a custom bus, another partner's bus) see only what a rule forwards to it.
 */
function warnUnlessStripePartnerBus(scope: Construct, bus: events.IEventBus): void {
  const name = bus.eventSourceName ?? bus.eventBusName;
  let described: string;
  if (!Token.isUnresolved(name)) {
    if (name.startsWith(STRIPE_PARTNER_SOURCE_PREFIX)) return;
    described = `'${name}'`;
  } else if (bus instanceof events.EventBus && bus.eventSourceName === undefined) {
    described = `${bus.node.path} (a custom bus created in this app)`;
  } else {
    return; // An imported bus whose name is only known at deployment.
  }
  warn(
    scope,
    '@babes/stripe-eventbridge:notStripePartnerBus',
    `The event bus ${described} is not a Stripe partner event bus: Stripe delivers its events only to the partner bus named after ` +
      `its partner event source ('${STRIPE_PARTNER_SOURCE_PREFIX}…'), so the rules on this bus receive Stripe events only if you ` +
      `forward them here yourself. Use StripeEventBus.fromPartnerEventSource('${STRIPE_PARTNER_SOURCE_PREFIX}…') (or ` +
      'fromEventBusName with that name); for a bus that carries Stripe-shaped events from elsewhere, set sourcePrefix; if a rule ' +
      'forwards Stripe events to this bus, acknowledge this warning.',
  );
}

class PartnerSourceBus extends StripeEventBus {
  public readonly sourcePrefix = STRIPE_PARTNER_SOURCE_PREFIX;

  constructor(private readonly eventSourceName: string, public readonly payload: StripeEventPayload) {
    super();
  }

  public _bind(scope: Construct, id: string): events.IEventBus {
    warnUnlessDestinationId(scope, this.eventSourceName);
    const bus = new events.EventBus(scope, id, { eventSourceName: this.eventSourceName });
    bus.applyRemovalPolicy(RemovalPolicy.RETAIN);
    return bus;
  }
}

class ExistingBus extends StripeEventBus {
  public readonly sourcePrefix: string;

  constructor(
    private readonly factory: (scope: Construct, id: string) => events.IEventBus,
    sourcePrefix: string | undefined,
    public readonly payload: StripeEventPayload,
  ) {
    super();
    if (sourcePrefix !== undefined && !Token.isUnresolved(sourcePrefix) && sourcePrefix.trim() === '') {
      invalid(undefined, "eventBus: sourcePrefix must not be empty; omit it to use 'aws.partner/stripe.com/'.");
    }
    this.sourcePrefix = sourcePrefix ?? STRIPE_PARTNER_SOURCE_PREFIX;
  }

  public _bind(scope: Construct, id: string): events.IEventBus {
    const bus = this.factory(scope, id);
    // Only with Stripe's own prefix: a custom prefix says the events come from somewhere else.
    if (this.sourcePrefix === STRIPE_PARTNER_SOURCE_PREFIX) {
      warnUnlessStripePartnerBus(scope, bus);
      const name = bus.eventSourceName ?? bus.eventBusName;
      if (!Token.isUnresolved(name) && name.startsWith(STRIPE_PARTNER_SOURCE_PREFIX)) warnUnlessDestinationId(scope, name);
    }
    return bus;
  }
}

class DestinationBus extends StripeEventBus {
  public readonly sourcePrefix = STRIPE_PARTNER_SOURCE_PREFIX;
  public readonly payload: StripeEventPayload;

  constructor(private readonly destination: StripeEventDestination) {
    super();
    this.payload = destination.eventPayload;
  }

  public _bind(scope: Construct, id: string): events.IEventBus {
    const bus = new events.EventBus(scope, id, { eventSourceName: this.destination.eventSourceName });
    bus.applyRemovalPolicy(RemovalPolicy.RETAIN);
    // After the destination: its creation completes only once the partner source exists.
    bus.node.addDependency(this.destination.node.defaultChild ?? this.destination);
    return bus;
  }

  public _useEventTypes(keys: readonly EventTypeKey[]): void {
    this.destination._addHandlerEventTypes(keys);
  }
}
