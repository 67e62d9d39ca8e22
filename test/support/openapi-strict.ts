/**
 * Stripe's OpenAPI schemas made strict for the local Stripe API stand-ins: a test must never pass on a request or a
 * response Stripe would not produce or accept. The same function as the local Stripe API of `stripe-eventbridge replay`.
 */
export { strictSchema } from '../../src/cli/local/stripe-api/openapi-strict';
