/**
 * Synth-time errors that carry the construct they come from, like aws-cdk-lib's `ValidationError`
 * (which is internal to aws-cdk-lib): the message starts with the construct path, so an app with two
 * integrations says which one failed, and `Errors.isValidationError()` recognises them.
 */
import type { IConstruct } from 'constructs';

// The markers aws-cdk-lib's `Errors.isConstructError` / `Errors.isValidationError` look for (aws-cdk-lib/core/lib/errors.ts).
const CONSTRUCT_ERROR = Symbol.for('@aws-cdk/core.SynthesisError');
const VALIDATION_ERROR = Symbol.for('@aws-cdk/core.ValidationError');

/** A prop or a combination of props that cannot deploy; the message names the prop, the value and the fix. */
export class StripeValidationError extends Error {
  /** The construct the error is about, when there is one (a static factory has none). */
  public readonly constructPath?: string;

  constructor(message: string, scope?: IConstruct) {
    super(scope ? `[${scope.node.path}] ${message}` : message);
    this.name = 'ValidationError';
    this.constructPath = scope?.node.path;
    Object.defineProperty(this, CONSTRUCT_ERROR, { value: true });
    Object.defineProperty(this, VALIDATION_ERROR, { value: true });
  }
}

/** Throws a StripeValidationError about `scope`. */
export function invalid(scope: IConstruct | undefined, message: string): never {
  throw new StripeValidationError(message, scope);
}
