/**
 * Stripe partner event source names, checked as EventBridge checks them, so that every name Stripe can
 * give is accepted and a name that is clearly something else fails at synth with the fix.
 *
 * EventBridge's API reference (docs.aws.amazon.com/eventbridge/latest/APIReference/API_CreateEventBus.html):
 * `EventSourceName` is 1 to 256 characters matching `aws\.partner(/[\.\-_A-Za-z0-9]+){2,}`, and the bus
 * `Name` (for a partner bus, the source name itself) matches `[/\.\-_A-Za-z0-9]+`. Stripe documents its
 * names as `aws.partner/stripe.com/{UNIQUE_ID}` (docs.stripe.com/event-destinations/eventbridge) and
 * today's unique part is the event destination id (`ed_…`, `ed_test_…`); a setup checklist may show
 * another form (`…/acct_…/ed_…`). So the check is EventBridge's, under Stripe's prefix, with any number of
 * path segments; a unique part that does not end in a destination id is only a warning.
 */
import { STRIPE_PARTNER_SOURCE_PREFIX } from '../../contract/stripe';

/** EventBridge's limit on a partner event source name (and on a bus name). */
export const MAX_PARTNER_SOURCE_NAME_LENGTH = 256;

/** One path segment of a partner event source name: EventBridge's `[\.\-_A-Za-z0-9]+`. */
const SEGMENT = /^[.\-_A-Za-z0-9]+$/;

/** A Stripe event destination id: `ed_` and alphanumerics (test-mode ids are `ed_test_…`). */
const DESTINATION_ID = /^ed_[A-Za-z0-9_]+$/;

const EXAMPLE = 'aws.partner/stripe.com/ed_61Rb9kSjxBvD2Cc8E16RaKa7L4SQ0bVIVs1A8q06eRfY';

/** The ARN resource types whose name part is a partner event source (or partner bus) name. */
const ARN_NAME = /^arn:[^:]*:events:[^:]*:[^:]*:(event-source|event-bus)\/(.*)$/;

/** The part of an EventBridge event-source or event-bus ARN after `event-source/` or `event-bus/`, if `name` is one. */
export function nameInArn(name: string): { readonly resource: string; readonly name: string } | undefined {
  const match = ARN_NAME.exec(name);
  return match ? { resource: match[1], name: match[2] } : undefined;
}

/**
 * Why `name` is not a Stripe partner event source name that EventBridge accepts, as a sentence; or
 * undefined when it is one.
 */
export function partnerSourceNameProblem(name: string): string | undefined {
  if (name !== name.trim()) return `It has white space at its start or end: '${name.trim()}'?`;
  const arn = nameInArn(name);
  if (arn) return `It is an ARN; pass only the name, the part after '${arn.resource}/': '${arn.name}'.`;
  if (name.startsWith('arn:')) return 'It is an ARN, and not one of an EventBridge partner event source.';
  if (!name.startsWith('aws.partner/')) {
    const stripe = name.indexOf('stripe.com/');
    if (stripe >= 0) return `It lacks the 'aws.partner/' that starts every partner event source name: did you mean 'aws.partner/${name.slice(stripe)}'?`;
    return `It is not a partner event source name (those start with '${STRIPE_PARTNER_SOURCE_PREFIX}'). For an event bus that already exists, use StripeEventBus.fromEventBusName('${name}').`;
  }
  if (!name.startsWith(STRIPE_PARTNER_SOURCE_PREFIX)) {
    if (name === 'aws.partner/stripe.com') return `It has no unique part after '${STRIPE_PARTNER_SOURCE_PREFIX}'.`;
    const partner = name.split('/')[1] || '(none)';
    return `It is a partner event source of '${partner}', not of Stripe ('${STRIPE_PARTNER_SOURCE_PREFIX}…').`;
  }
  const unique = name.slice(STRIPE_PARTNER_SOURCE_PREFIX.length);
  if (unique === '') return `It has no unique part after '${STRIPE_PARTNER_SOURCE_PREFIX}'.`;
  if (name.length > MAX_PARTNER_SOURCE_NAME_LENGTH) {
    return `It is ${name.length} characters long; EventBridge allows at most ${MAX_PARTNER_SOURCE_NAME_LENGTH}.`;
  }
  for (const segment of unique.split('/')) {
    if (segment === '') return "It has an empty path segment ('//', or a '/' at the end).";
    if (!SEGMENT.test(segment)) {
      const bad = [...segment].find((c) => !SEGMENT.test(c))!;
      return `It contains ${JSON.stringify(bad)} (at position ${name.indexOf(bad) + 1}); EventBridge allows only letters, digits, '.', '-', '_' and '/' in a partner event source name.`;
    }
  }
  return undefined;
}

/** The full synth-time message for a name that is not a Stripe partner event source name. */
export function partnerSourceNameError(name: string, problem: string): string {
  return (
    `eventBus: '${name}' is not a Stripe partner event source name. ${problem} Expected '${STRIPE_PARTNER_SOURCE_PREFIX}<unique id>' ` +
    `(for example ${EXAMPLE}), as shown on the Stripe event destination and under "Partner event sources" in the EventBridge console.`
  );
}

/** Whether the unique part of a valid Stripe partner event source name ends in a destination id (`…/ed_…`). */
export function endsInDestinationId(name: string): boolean {
  const segments = name.slice(STRIPE_PARTNER_SOURCE_PREFIX.length).split('/');
  return DESTINATION_ID.test(segments[segments.length - 1]);
}

/** The warning for a valid name whose unique part does not end in a destination id. */
export function notADestinationIdWarning(name: string): string {
  return (
    `The partner event source name '${name}' does not end in a Stripe event destination id ('ed_…'), the form Stripe documents ` +
    `(${STRIPE_PARTNER_SOURCE_PREFIX}{UNIQUE_ID}, e.g. ${EXAMPLE}). If you copied it from the Stripe destination or from ` +
    '"Partner event sources" in the EventBridge console, it is right: acknowledge this warning. Otherwise check it: the deployment ' +
    'fails when no partner event source has this name.'
  );
}
