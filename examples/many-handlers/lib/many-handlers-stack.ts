import * as path from 'node:path';
import { Annotations, Stack, StackProps } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { StripeEventBridgeIntegration, StripeEventBus, StripeEventHandler } from '@babes/stripe-eventbridge';
import { STRIPE_EVENT_TYPES } from '../../../src/private/stripe-event-types.generated';

/** EventBridge allows 300 rules per bus (adjustable), at most 30 of them with wildcard patterns (not adjustable). */
const RULES_PER_BUS = 300;
const WILDCARD_RULES = 30;

/**
 * `count` distinct handler keys, each its own rule: exact Stripe event types, then (past 270) up to 30 wildcard
 * keys over distinct prefixes, the most a bus allows.
 */
export function manyHandlerKeys(count: number): string[] {
  const exact = STRIPE_EVENT_TYPES.slice(0, Math.min(count, RULES_PER_BUS - WILDCARD_RULES));
  const prefixes = [...new Set(STRIPE_EVENT_TYPES.map((t) => t.split('.')[0]))];
  const wildcards = prefixes.slice(0, Math.max(0, count - exact.length)).map((p) => `${p}.*`);
  const keys = [...exact, ...wildcards];
  if (keys.length !== count) throw new Error(`can build at most ${keys.length} distinct handler keys, not ${count}`);
  return keys;
}

export interface ManyHandlersStackProps extends StackProps {
  /** How many handlers, each with its own event type, function and rule (at most 300, the rules a bus allows). */
  readonly handlers: number;
}

/** One integration with many handlers on one partner bus: the scale the library is built for. */
export class ManyHandlersStack extends Stack {
  public readonly stripe: StripeEventBridgeIntegration;

  constructor(scope: Construct, id: string, props: ManyHandlersStackProps) {
    super(scope, id, props);
    const code = lambda.Code.fromAsset(path.join(__dirname, '..', 'handlers'));
    const handlers: { [eventType: string]: StripeEventHandler } = {};
    for (const [i, key] of manyHandlerKeys(props.handlers).entries()) {
      handlers[key] = StripeEventHandler.fromCode({ code, handler: 'index.handler', name: `Handler${String(i + 1).padStart(3, '0')}` });
    }
    this.stripe = new StripeEventBridgeIntegration(this, 'Stripe', {
      eventBus: StripeEventBus.fromPartnerEventSource('aws.partner/stripe.com/ed_test_EXAMPLE'),
      handlers,
    });
    // A scale example that is synthesized, never paged from: its alarms are left without a destination on purpose.
    Annotations.of(this.stripe).acknowledgeWarning('@babes/stripe-eventbridge:alarmsWithoutDestination', 'a scale example: no one is paged');
  }
}
