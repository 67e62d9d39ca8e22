/**
 * The event pattern of one handler's rule, and EventBridge's limits on rules
 * (docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html): 300 rules per bus (the default of an
 * adjustable quota), at most 30 rules per bus whose patterns contain a wildcard (not adjustable), and
 * event patterns of at most 2,048 characters.
 */
import type { IConstruct } from 'constructs';
import { invalid } from './errors';
import { EventTypeKey } from './event-type-keys';

export const MAX_RULES_PER_BUS = 300;
export const MAX_WILDCARD_RULES_PER_BUS = 30;
export const MAX_PATTERN_LENGTH = 2048;

export interface HandlerPattern {
  /** The pattern as EventBridge receives it (keys already in wire form: `detail-type`). */
  readonly pattern: Record<string, unknown>;
  readonly hasWildcard: boolean;
  readonly length: number;
}

/**
 * `source` by prefix (the partner source is `aws.partner/stripe.com/ed_…`, so an exact match on
 * `aws.partner/stripe.com` would never fire; the prefix keeps its trailing slash, so that
 * `aws.partner/stripe.community` does not match either), `detail-type` exact or wildcard, optional
 * `detail` filter.
 */
export function buildHandlerPattern(sourcePrefix: string, keys: readonly EventTypeKey[], detail?: Record<string, unknown>): HandlerPattern {
  const pattern: Record<string, unknown> = { source: [{ prefix: sourcePrefix }] };
  const wildcards = keys.filter((k): k is Extract<EventTypeKey, { kind: 'wildcard' }> => k.kind === 'wildcard');
  if (!keys.some((k) => k.kind === 'all')) {
    const exact = keys
      .filter((k): k is Extract<EventTypeKey, { kind: 'exact' }> => k.kind === 'exact')
      // An exact type already covered by a wildcard of the same handler adds nothing.
      .filter((k) => !wildcards.some((w) => k.type.startsWith(`${w.prefix}.`)))
      .map((k) => k.type)
      .sort();
    pattern['detail-type'] = [...exact, ...wildcards.map((w) => ({ wildcard: `${w.prefix}.*` })).sort((a, b) => a.wildcard.localeCompare(b.wildcard))];
  }
  if (detail && Object.keys(detail).length > 0) {
    pattern.detail = detail;
  }
  const hasWildcard = JSON.stringify(pattern).includes('"wildcard"');
  return { pattern, hasWildcard, length: JSON.stringify(pattern).length };
}

/**
 * Checks a `detail` content filter has EventBridge's shape: every leaf is a non-empty array of match
 * values (`{ livemode: [true] }`, `{ data: { object: { payment_status: ['paid'] } } }`).
 * @throws StripeValidationError naming the path that is wrong
 */
export function validateDetailFilter(filter: Record<string, unknown>, path: string, scope?: IConstruct): void {
  for (const [key, value] of Object.entries(filter)) {
    const where = `${path}.${key}`;
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2) {
        invalid(scope, `${where} must be an array of at least two alternative filters.`);
      }
      value.forEach((alt, i) => validateDetailFilter(alt as Record<string, unknown>, `${where}[${i}]`, scope));
    } else if (Array.isArray(value)) {
      if (value.length === 0) {
        invalid(scope, `${where} is an empty array, which matches nothing; list the values to match, e.g. [true].`);
      }
    } else if (typeof value === 'object' && value !== null) {
      validateDetailFilter(value as Record<string, unknown>, where, scope);
    } else {
      invalid(scope, `${where} is ${JSON.stringify(value)}; EventBridge patterns list match values in arrays, e.g. ${key}: [${JSON.stringify(value)}].`);
    }
  }
}
