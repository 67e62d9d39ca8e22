/**
 * EventBridge event-pattern matching, offline and with EventBridge's semantics: the same answers as
 * AWS's `TestEventPattern`, the same validation errors, without an AWS account.
 *
 * ```ts
 * import { matchesPattern } from '@babes/stripe-eventbridge/event-pattern';
 * matchesPattern({ 'detail-type': [{ wildcard: 'customer.subscription.*' }] }, event); // { matches: true }
 * ```
 */
export { EventPattern, matchesPattern, validateEventPattern } from './event-pattern';
export type { EventInput, PatternMatch } from './event-pattern';
export { EventPatternLimitError, InvalidEventError, InvalidEventPatternError, INVALID_PATTERN_PREFIX } from './errors';
export { DEFAULT_PATTERN_SIZE_QUOTA, MAX_ALTERNATIVES, MAX_PATTERN_LENGTH } from './limits';
export { MAX_NESTING_DEPTH } from './json-reader';
export { ParsedEvent, parseEvent } from './event-fields';
export { LOCAL_STRIPE_SOURCE } from '../contract/stripe';
export {
  asDelivered,
  deliveredDetail,
  isBareStripeEvent,
  isEventBridgeEvent,
  isStripeEvent,
  isThinEvent,
  payloadStyleOf,
  toEventBridgeEvent,
} from './stripe-envelope';
export type { BareStripeEvent, EnvelopeOptions } from './stripe-envelope';
export { judgeRules, notReceivedBecause, receives } from './synthesized-rules';
export type { RuleVerdict } from './synthesized-rules';
export { readSynthesizedRules, ruleCarries } from '../cloud-assembly/rules';
export type { StripePayloadStyle, SynthesizedRule, SynthesizedTarget } from '../cloud-assembly/rules';
export { EventPatternTester } from './event-pattern-tester';
export type { SynthesizedRuleMatch } from './event-pattern-tester';
