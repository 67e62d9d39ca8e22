/**
 * Errors the provider fails a deployment with. CloudFormation shows the message as the resource's
 * status reason, so each one says what happened, where, and what to do, and none carries the Stripe key.
 */
import { StripeEventBridgeError } from '../../contract/errors';

/** Stripe secret keys and restricted keys, live or sandbox (`sk_live_…`, `rk_test_…`), also when Stripe masks them. */
const STRIPE_KEY = /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9*]+/g;

/** Removes anything that looks like a Stripe key, and the given key itself, from a text. */
export function redact(text: string, key?: string): string {
  let out = text;
  if (key) out = out.split(key).join('[redacted]');
  return out.replace(STRIPE_KEY, '[redacted key]');
}

/** The resource properties are malformed (the template was not produced by StripeEventDestination). */
export class DestinationPropertiesError extends StripeEventBridgeError {
  public readonly name = 'DestinationPropertiesError';
}

/** The secret does not hold a usable Stripe key. */
export class StripeKeySecretError extends StripeEventBridgeError {
  public readonly name = 'StripeKeySecretError';
}

/** Stripe answered with an error, or could not be reached. */
export class StripeRequestError extends StripeEventBridgeError {
  public readonly name = 'StripeRequestError';
  constructor(
    message: string,
    /** Stripe's request id (`req_…`), when Stripe answered. */
    public readonly requestId: string | undefined,
    /** HTTP status, when Stripe answered. */
    public readonly statusCode: number | undefined,
  ) {
    super(message);
  }
}

/** The partner event source did not show up, or is gone. */
export class EventSourceError extends StripeEventBridgeError {
  public readonly name = 'EventSourceError';
}

/** What failed, in words, by HTTP status of Stripe's answer. */
function hint(statusCode: number | undefined): string {
  switch (statusCode) {
    case 401:
      return ' The key in the secret was rejected: store a valid restricted key (rk_live_… or rk_test_…).';
    case 403:
      return ' The key lacks a permission: give the restricted key Write access to the webhook resources (event destinations) in Developers → API keys → Edit.';
    case 429:
      return ' Stripe is rate limiting this account: deploy again in a minute.';
    default:
      return '';
  }
}

/**
 * Wraps anything the Stripe SDK threw into a StripeRequestError whose message has Stripe's own message,
 * its request id and what to do, with the key removed.
 * @param action what the provider was doing, e.g. "creating the event destination"
 */
export function stripeError(err: unknown, action: string, key: string): StripeRequestError {
  const e = (err ?? {}) as { message?: unknown; requestId?: unknown; statusCode?: unknown; code?: unknown; type?: unknown };
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : String(err);
  const requestId = typeof e.requestId === 'string' ? e.requestId : undefined;
  const statusCode = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const parts = [`Stripe error while ${action}: ${message}`];
  const details = [
    statusCode !== undefined ? `HTTP ${statusCode}` : undefined,
    code ? `code ${code}` : undefined,
    requestId ? `request id ${requestId}` : 'no request id (Stripe was not reached)',
  ].filter(Boolean);
  parts.push(`(${details.join(', ')}).`);
  return new StripeRequestError(redact(parts.join(' ') + hint(statusCode), key), requestId, statusCode);
}
