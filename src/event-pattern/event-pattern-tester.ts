import { plainError } from './errors';
import { parseEvent } from './event-fields';
import { EventPattern, validateEventPattern } from './event-pattern';
import { asDelivered, isBareStripeEvent, isEventBridgeEvent, payloadStyleOf, toEventBridgeEvent } from './stripe-envelope';
import { judgeRules, receives } from './synthesized-rules';
import { readSynthesizedRules } from '../cloud-assembly/rules';

/**
 * A rule of a synthesized app that an event would reach.
 */
export interface SynthesizedRuleMatch {
  /** The stack the rule is in (its display name, e.g. `Prod/Payments`). */
  readonly stack: string;
  /** The rule's logical id in the stack's template. */
  readonly ruleLogicalId: string;
  /**
   * The rule's construct path.
   * @default - not recorded in the template
   */
  readonly constructPath?: string;
  /** The event bus the rule is on: its name (`default` for the account's default bus), or the reference as written in the template. */
  readonly eventBus: string;
  /** Names of the StripeEventBridgeIntegration handlers the rule invokes. */
  readonly handlerNames: string[];
  /** Logical ids of the rule's targets that are resources of the same template. */
  readonly targetLogicalIds: string[];
}

/**
 * Tests EventBridge event patterns offline, with EventBridge's semantics and error messages: the answer
 * AWS's `TestEventPattern` gives, without an AWS account. For tests in your own project, e.g. that the
 * pattern of your rule matches a sample Stripe event.
 *
 * Patterns and events are JSON text. TypeScript users can also import the richer API from
 * `@babes/stripe-eventbridge/event-pattern` (`matchesPattern`, `EventPattern`).
 *
 * @example
 * const pattern = JSON.stringify({ 'detail-type': [{ wildcard: 'customer.subscription.*' }] });
 * EventPatternTester.matches(pattern, JSON.stringify(event)); // true or false
 */
export class EventPatternTester {
  /**
   * Whether the event matches the pattern.
   *
   * @param pattern the event pattern, as JSON
   * @param event the event, as JSON (as EventBridge delivers it; see `toEventBridgeEvent` for a bare Stripe event)
   * @throws Error with EventBridge's message (`Event pattern is not valid. Reason: …`) if the pattern is invalid, or
   * with the offline matcher's own message for a limit EventBridge has no message for (over 4,096 characters, over
   * 256 `$or` alternatives)
   */
  public static matches(pattern: string, event: string): boolean {
    return EventPattern.compile(pattern).matches(event);
  }

  /**
   * Why the event does not match the pattern.
   *
   * @param pattern the event pattern, as JSON
   * @param event the event, as JSON
   * @returns a description of the first field that does not match, or undefined when the event matches
   * @throws Error with EventBridge's message if the pattern is invalid
   */
  public static explain(pattern: string, event: string): string | undefined {
    return EventPattern.compile(pattern).test(event).reason;
  }

  /**
   * EventBridge's message for an invalid pattern (`Event pattern is not valid. Reason: …`).
   *
   * @param pattern the event pattern, as JSON
   * @returns the message, or undefined if EventBridge accepts the pattern
   */
  public static validate(pattern: string): string | undefined {
    return validateEventPattern(pattern);
  }

  /**
   * Wraps a bare Stripe event in the EventBridge envelope a Stripe event destination delivers it in (`source`
   * `aws.partner/stripe.com/ed_local`, `detail-type` = the event type, `detail` = the event): a snapshot event
   * (`{"id": "evt_…", "object": "event", …}`) whole, a thin event (`{"id": "evt_…", "object": "v2.core.event", …}`)
   * as the notification a thin destination sends (without the `data` and `changes` that Stripe's API adds when the
   * event is fetched). An event that already has its envelope is returned unchanged.
   *
   * @param stripeEvent the Stripe event, as JSON
   * @returns the EventBridge event, as JSON
   */
  public static toEventBridgeEvent(stripeEvent: string): string {
    const value: unknown = JSON.parse(stripeEvent);
    if (isEventBridgeEvent(value)) return stripeEvent;
    if (!isBareStripeEvent(value)) {
      // The method as the caller spells it: jsii's Python runtime sets JSII_AGENT=Python/<version>.
      const method = process.env.JSII_AGENT?.startsWith('Python/') ? 'to_event_bridge_event' : 'toEventBridgeEvent';
      throw plainError(`${method}: not a Stripe event (needs "id", "type" and "object": "event", or "object": "v2.core.event" for a thin event)`);
    }
    return JSON.stringify(toEventBridgeEvent(value));
  }

  /**
   * The rules of a synthesized app (a cloud assembly directory such as `cdk.out`, including nested
   * stages and nested stacks) that a Stripe event would reach: enabled rules whose pattern matches, on a
   * Stripe partner event bus (or on a bus the template does not name) that carries the event's payload style
   * (a snapshot event reaches the rules on a snapshot destination's bus, a thin event those on a thin
   * destination's). A bare Stripe event is wrapped the way Stripe delivers it first.
   *
   * @param cloudAssemblyDir the cloud assembly directory
   * @param event the event, as JSON: a bare Stripe event or an EventBridge event
   * @throws Error if a rule's pattern is invalid
   */
  public static matchingRules(cloudAssemblyDir: string, event: string): SynthesizedRuleMatch[] {
    const verdicts = judgeRules(readSynthesizedRules(cloudAssemblyDir), parseEvent(asDelivered(event)));
    const invalid = verdicts.find((v) => v.invalid);
    if (invalid) throw plainError(`${invalid.rule.stack} ${invalid.rule.logicalId}: ${invalid.reason}`);
    let style: ReturnType<typeof payloadStyleOf>;
    try {
      style = payloadStyleOf(JSON.parse(event));
    } catch {
      style = undefined; // parseEvent above accepted it; JSON.parse may still refuse what the reader takes (e.g. depth)
    }
    return verdicts
      .filter((v) => receives(v, style))
      .map((v) => ({
        stack: v.rule.stack,
        ruleLogicalId: v.rule.logicalId,
        constructPath: v.rule.constructPath,
        eventBus: v.rule.eventBus,
        handlerNames: v.rule.targets.map((t) => t.handlerName).filter((n): n is string => n !== undefined),
        targetLogicalIds: v.rule.targets.map((t) => t.logicalId).filter((n): n is string => n !== undefined),
      }));
  }

  private constructor() {}
}
