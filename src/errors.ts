/**
 * The library's error base, importable on its own: `@babes/stripe-eventbridge/errors` loads nothing else
 * (no aws-cdk-lib), so a Node.js handler can bundle it. See src/contract/errors.ts.
 */
export { StripeEventBridgeError } from './contract/errors';
