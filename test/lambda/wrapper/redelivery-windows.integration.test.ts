/**
 * The reproductions 1 and 2, with the real bundled wrapper configured exactly as a synthesized
 * integration configures it (its record lifetime and key prefix, read from the template) against DynamoDB
 * Local. The wrapper's wall clock is moved forward with a harness-only preload (test/support/clock-preload.js).
 *
 * 1. A dead-letter redrive on day 10 and an archive replay on day 20 are duplicates: the default record
 *    lifetime covers every window in which the integration can bring the event back.
 * 2. Two stacks whose integrations share one idempotency table, each with a handler of the same name, each
 *    process the event: their default key prefixes differ.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { StripeEventBridgeIntegration, StripeEventBus } from '../../../src';
import { effectsFor, outcomeLine, useLocalStack } from '../../support/local-stack';
import { inlineHandler, TEST_EVENT_SOURCE } from '../../support/stacks';
import { envelope, loadSample, StripeEventSample, withId } from '../../support/stripe-samples';

const DAY_MS = 86_400_000;
const SAMPLE = loadSample<StripeEventSample>('checkout.session.completed__stripe-ruby-mock.json');
const stack = useLocalStack();

/** The wrapper's settings of every function of a synthesized stack, by handler name. */
function wrapperSettings(app: App, stackName: string): Record<string, { prefix: string; lifetimeSeconds: number }> {
  const template = app.synth().getStackByName(stackName).template as { Resources: Record<string, any> };
  return Object.fromEntries(
    Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .map((f) => f.Properties.Environment.Variables)
      .map((v) => [v.STRIPE_EB_HANDLER_NAME, {
        prefix: v.STRIPE_EB_IDEMPOTENCY_KEY_PREFIX,
        lifetimeSeconds: Number(v.STRIPE_EB_IDEMPOTENCY_TTL_SECONDS),
      }]),
  );
}

test('reproduction 1: a redrive on day 10 and a replay on day 20 are duplicates of a day-0 delivery; the effect happens once', async () => {
  const app = new App();
  new StripeEventBridgeIntegration(new Stack(app, 'Payments'), 'Stripe', {
    eventBus: StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE),
    handlers: { 'checkout.session.completed': inlineHandler({ name: 'Orders' }) },
  });
  const { prefix, lifetimeSeconds } = wrapperSettings(app, 'Payments').Orders;
  const on = (day: number) =>
    stack.wrapped({ handlerName: 'Orders', keyPrefix: prefix, recordLifetimeSeconds: lifetimeSeconds, userHandler: 'effect-counter.handler', clockOffsetMs: day * DAY_MS });
  const event = withId(SAMPLE, 'evt_1RedeliveredLate');

  expect(outcomeLine((await on(0).invoke(envelope(event))).logs)?.outcome).toBe('processed');
  // The dead-letter queue's redrive re-invokes the function with the original event; the archive replays it in a new envelope.
  expect(outcomeLine((await on(10).invoke(envelope(event))).logs)?.outcome).toBe('duplicate');
  expect(outcomeLine((await on(20).invoke({ ...envelope(event), 'replay-name': 'orders-fix' })).logs)?.outcome).toBe('duplicate');
  expect(await effectsFor(stack.client, stack.businessTable, 'evt_1RedeliveredLate')).toBe(1);

  // Past the lifetime the record counts as absent: that is why the lifetime must outlive every window. Reported.
  const late = await on(Math.ceil(lifetimeSeconds / 86_400) + 1).invoke(envelope(event));
  expect(outcomeLine(late.logs)).toMatchObject({ outcome: 'processed', replaced_record: 'expired_completed' });
});

test('reproduction 2: two stacks sharing an idempotency table, each with a handler of the same name, each process the event', async () => {
  const app = new App();
  for (const name of ['Checkout', 'Fulfilment']) {
    const s = new Stack(app, name);
    new StripeEventBridgeIntegration(s, 'Stripe', {
      eventBus: StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE),
      idempotency: { table: dynamodb.Table.fromTableName(s, 'Shared', stack.idempotencyTable) },
      handlers: { 'checkout.session.completed': inlineHandler() },
    });
  }
  const event = withId(SAMPLE, 'evt_1SharedTable');
  for (const name of ['Checkout', 'Fulfilment']) {
    const { prefix, lifetimeSeconds } = wrapperSettings(app, name).CheckoutSessionCompleted;
    const fn = stack.wrapped({ handlerName: 'CheckoutSessionCompleted', keyPrefix: prefix, recordLifetimeSeconds: lifetimeSeconds, userHandler: 'effect-counter.handler' });
    const out = await fn.invoke(envelope(event));
    expect({ stack: name, outcome: outcomeLine(out.logs)?.outcome }).toEqual({ stack: name, outcome: 'processed' });
  }
  // Each stack's effect once (the sample handler counts both in one item).
  expect(await effectsFor(stack.client, stack.businessTable, 'evt_1SharedTable')).toBe(2);
});
