/**
 * The idempotency record lifetime: derived from every window in which the integration can bring the same
 * Stripe event back (Stripe's retries, a dead-letter redrive, an archive replay, each with EventBridge's and
 * Lambda's retries), checked when given, and said out loud where the construct has to assume a window.
 */
import { Duration } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { StripeEventBridgeIntegration, StripeEventBridgeIntegrationProps, StripeEventBus } from '../../src';
import { inlineHandler, newStack, TEST_EVENT_SOURCE } from '../support/stacks';

const DAY = 86_400;

function synth(props: Partial<StripeEventBridgeIntegrationProps> = {}, queue?: (s: ReturnType<typeof newStack>) => sqs.IQueue) {
  const stack = newStack();
  const integration = new StripeEventBridgeIntegration(stack, 'Stripe', {
    eventBus: StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE),
    handlers: { 'checkout.session.completed': inlineHandler() },
    deadLetterQueue: queue?.(stack),
    ...props,
  });
  const ttl = Template.fromStack(stack).findResources('AWS::Lambda::Function');
  const seconds = Object.values(ttl).map((f: any) => Number(f.Properties.Environment.Variables.STRIPE_EB_IDEMPOTENCY_TTL_SECONDS));
  const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('recordLifetimeAssumption')).map((w) => String(w.entry.data));
  return { integration, seconds: seconds[0], warnings };
}

test('by default, 36 days: an archive replay (Stripe 3 days + 30 days of archive + 24 hours + 6 hours) plus a day, in whole days', () => {
  const { integration, seconds, warnings } = synth();
  expect(seconds).toBe(36 * DAY);
  expect(integration.recordLifetime.toDays()).toBe(36);
  expect(warnings).toEqual([]);
});

test('a longer archive retention lengthens it', () => {
  // 3 + 90 days + 24 hours + 6 hours = 94 days 6 hours, plus a day, rounded up.
  expect(synth({ archive: { retention: Duration.days(90) } }).seconds).toBe(96 * DAY);
});

test('without the archive, the dead-letter redrive is the longest window, and the integration says what it assumed', () => {
  // 3 days + 24 hours + 6 hours + 14 days in the queue + 6 hours = 18 days 12 hours, plus a day, rounded up.
  const { seconds, warnings } = synth({ archive: { enabled: false } });
  expect(seconds).toBe(20 * DAY);
  expect(warnings).toEqual([
    'Idempotency record lifetime: the integration has no archive; assumed that no other archive replays events to its rules. ' +
      'If it is otherwise, set idempotency.recordLifetime to cover the longest time in which the same Stripe event can reach its handler again. ' +
      '[ack: @babes/stripe-eventbridge:recordLifetimeAssumption]',
  ]);
});

test('your own queue: its retention is read from the app (SQS keeps 4 days unless told otherwise)', () => {
  // 3 days + 24 hours + 6 hours + 4 days + 6 hours = 8 days 12 hours, plus a day, rounded up.
  const { seconds } = synth({ archive: { enabled: false } }, (s) => new sqs.Queue(s, 'Mine'));
  expect(seconds).toBe(10 * DAY);
  expect(synth({ archive: { enabled: false } }, (s) => new sqs.Queue(s, 'Mine', { retentionPeriod: Duration.days(7) })).seconds).toBe(13 * DAY);
});

test('an imported queue: its retention cannot be known; SQS\'s maximum of 14 days is assumed, and said', () => {
  const { seconds, warnings } = synth({ archive: { enabled: false } }, (s) => sqs.Queue.fromQueueArn(s, 'Imported', 'arn:aws:sqs:us-east-1:123456789012:stripe-dlq'));
  expect(seconds).toBe(20 * DAY);
  expect(warnings[0]).toMatch(/^Idempotency record lifetime: the dead-letter queue's retention cannot be read from the app \(TestStack\/Imported\); assumed SQS's maximum of 14 days\. /);
});

test('an archive that keeps events indefinitely cannot be covered, and the integration says so', () => {
  const { seconds, warnings } = synth({ archive: { retention: Duration.days(0) } });
  expect(seconds).toBe(20 * DAY);
  expect(warnings[0]).toMatch(/the archive keeps events indefinitely, which no record lifetime covers: a replay of events older than the record lifetime runs their handlers again/);
});

test('shorter retry windows shorten the windows behind them', () => {
  // Archive replay: 3 days + 30 days + 1 hour + 1 hour = 33 days 2 hours, plus a day, rounded up.
  expect(synth({ maxEventAge: Duration.hours(1), lambdaMaxEventAge: Duration.hours(1) }).seconds).toBe(35 * DAY);
});

test('an explicit lifetime that covers every window is used as given', () => {
  expect(synth({ idempotency: { recordLifetime: Duration.days(40) } }).seconds).toBe(40 * DAY);
  expect(synth({ idempotency: { recordLifetime: Duration.days(21) }, archive: { enabled: false } }).seconds).toBe(21 * DAY);
});

test('an explicit lifetime shorter than a window fails synth, naming both durations and the fix', () => {
  expect(() => synth({ idempotency: { recordLifetime: Duration.days(7) } })).toThrow(
    '[TestStack/Stripe] idempotency.recordLifetime: 7 days is shorter than 34 days 6 hours, the longest time in which the same Stripe event can come back ' +
      "(an archive replay: Stripe's 3 days + 30 days of archive retention + EventBridge's 24 hours + Lambda's 6 hours); " +
      'a copy arriving after its record expired runs the handler again. ' +
      'Remove idempotency.recordLifetime to get the derived 36 days, set it to at least 34 days 6 hours, or shorten that window.',
  );
  expect(() => synth({ idempotency: { recordLifetime: Duration.days(14) }, archive: { enabled: false } })).toThrow(
    /idempotency\.recordLifetime: 14 days is shorter than 18 days 12 hours, the longest time in which the same Stripe event can come back \(a dead-letter queue redrive: Stripe's 3 days \+ EventBridge's 24 hours \+ Lambda's 6 hours \+ 14 days in the dead-letter queue \+ Lambda's 6 hours again\)/,
  );
});
