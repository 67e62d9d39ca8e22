import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { StripeFunctionOptions } from '../stripe-event-handler';

/** The two ways a StripeEventHandler can be given. */
export type HandlerSource =
  | { readonly kind: 'code'; readonly options: StripeFunctionOptions }
  | { readonly kind: 'function'; readonly fn: lambda.IFunction };

/** `checkout.session.completed` → `CheckoutSessionCompleted`; `customer.subscription.*` → `CustomerSubscriptionAll`. */
export function nameFromEventType(key: string): string {
  if (key === '*') return 'AllEvents';
  const words = key.replace(/\.\*$/, '.all').split(/[._]/).filter(Boolean);
  return words.map((w) => w[0].toUpperCase() + w.slice(1)).join('').slice(0, 64);
}
