/**
 * The base of every error this library throws, on every side: at synth (construct validation, the event
 * pattern matcher), in its Lambda functions (the Node.js wrapper, the reconciliation, the destination
 * provider) and in its CLI. A user catches "anything this library throws" with one `instanceof`.
 *
 * The same class is bundled more than once (the app's `node_modules`, the wrapper layer, the CLI and the
 * provider bundles), so `instanceof` reads a marker every copy sets (`Symbol.for`, one registry per
 * process) rather than the prototype chain, which only one copy's instances share. Subclasses keep the
 * ordinary `instanceof`. The Python wrapper's counterpart is `stripe_eventbridge.errors.StripeEventBridgeError`.
 *
 * Imports nothing (src/contract/): every side bundles it.
 */

/** Set on every error of this library, by any copy of this module. */
const MARKER = Symbol.for('@babes/stripe-eventbridge.error');

/**
 * Anything `@babes/stripe-eventbridge` throws. Catch it to tell the library's errors from others:
 *
 * ```ts
 * import { StripeEventBridgeError } from '@babes/stripe-eventbridge';
 * try { new StripeEventBridgeIntegration(stack, 'Stripe', props); } catch (e) { if (e instanceof StripeEventBridgeError) … }
 * ```
 *
 * In a Node.js handler, import it from `@babes/stripe-eventbridge/errors` (no aws-cdk-lib: a few hundred
 * bytes in a bundle), e.g. for an `InvalidTransactionError` from `context.effects.transactWrite`.
 *
 * TypeScript and JavaScript only: jsii cannot represent a subclass of `Error`, and an error thrown into a
 * Python app arrives as jsii's `RuntimeError` with the same message.
 *
 * @jsii ignore
 */
export class StripeEventBridgeError extends Error {
  /** True for an error of this library, thrown by any copy of it. */
  public static [Symbol.hasInstance](value: unknown): boolean {
    if (this !== StripeEventBridgeError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as { [MARKER]?: boolean })[MARKER] === true;
  }

  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    Object.defineProperty(this, MARKER, { value: true });
  }
}
