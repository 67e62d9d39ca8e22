/**
 * `String(error)` is `<name>: <message>`, and jsii's kernel reports an error thrown by a static method as
 * `String(error)` (`new RuntimeError(e)` in @jsii/kernel's `ensureSync`), so Python read
 * `RuntimeError: Error: …`. Under jsii (its runtimes set `JSII_AGENT`), an error reads as its message alone,
 * as errors from constructors already do.
 */
import { StripeEventBridgeError } from '../contract/errors';
export function jsiiToString(this: Error): string {
  return process.env.JSII_AGENT ? this.message : Error.prototype.toString.call(this);
}

/** An Error whose text under jsii is its message alone (see jsiiToString). */
export function plainError(message: string): Error {
  const error = new StripeEventBridgeError(message);
  Object.defineProperty(error, 'toString', { value: jsiiToString });
  return error;
}

/** The prefix AWS puts before every reason in an `InvalidEventPatternException`. */
export const INVALID_PATTERN_PREFIX = 'Event pattern is not valid. Reason: ';

/**
 * An event pattern EventBridge would reject. `message` is AWS's text (`Event pattern is not valid.
 * Reason: …`); `reason` is the part after the prefix.
 */
export class InvalidEventPatternError extends StripeEventBridgeError {
  constructor(
    public readonly reason: string,
    /** 1-based position of the problem in the pattern's JSON text, when known. */
    public readonly line?: number,
    public readonly column?: number,
  ) {
    super(INVALID_PATTERN_PREFIX + reason);
    this.name = 'InvalidEventPatternError';
  }

  public toString(): string {
    return jsiiToString.call(this);
  }
}

/** An event that is not a JSON object (AWS: `Parameter Event is not valid.`). */
export class InvalidEventError extends StripeEventBridgeError {
  constructor(public readonly reason: string) {
    super(`Parameter Event is not valid. ${reason}`);
    this.name = 'InvalidEventError';
  }

  public toString(): string {
    return jsiiToString.call(this);
  }
}

/**
 * A pattern the offline matcher does not take although EventBridge's pattern compiler has no message for
 * it: longer than EventBridge's API accepts, or with more `$or` combinations than the matcher evaluates
 * (see limits.ts). `message` says what is wrong in the matcher's own words, not AWS's; `reason` is the
 * same text. It is an InvalidEventPatternError, so whatever reports invalid patterns reports these too.
 */
export class EventPatternLimitError extends InvalidEventPatternError {
  constructor(reason: string) {
    super(reason);
    this.name = 'EventPatternLimitError';
    this.message = reason;
  }
}
