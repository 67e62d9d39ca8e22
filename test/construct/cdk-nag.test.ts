/**
 * The default integration passes cdk-nag's AwsSolutions pack with nothing for its users to acknowledge.
 * The construct acknowledges one finding itself (in cdk-nag's metadata format), naming the resource and
 * the reason; anything else cdk-nag reports fails the test.
 */
import { Aspects } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { StripeEventBridgeIntegration, StripeEventBus } from '../../src';
import { inlineHandler, newStack, TEST_EVENT_SOURCE } from '../support/stacks';

function nag() {
  const stack = newStack();
  new StripeEventBridgeIntegration(stack, 'Stripe', {
    eventBus: StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE),
    handlers: { 'checkout.session.completed': inlineHandler(), 'customer.subscription.*': inlineHandler() },
  });
  Aspects.of(stack).add(new AwsSolutionsChecks({ verbose: true, logIgnores: true }));
  const annotations = Annotations.fromStack(stack);
  const text = (f: { id: string; entry: { data?: unknown } }) => `${f.id}: ${f.entry.data}`;
  return {
    findings: [
      ...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-')),
      ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-')),
    ].map(text),
    acknowledged: annotations.findInfo('*', Match.stringLikeRegexp('was triggered but suppressed')).map(text),
  };
}

test('the default stack has no unacknowledged AwsSolutions finding', () => {
  expect(nag().findings).toEqual([]);
});

test('the only acknowledgement is SQS3 on the dead-letter queue, with its reason', () => {
  const { acknowledged } = nag();
  expect(acknowledged).toHaveLength(1);
  expect(acknowledged[0]).toMatch(/^\/TestStack\/Stripe\/DeadLetterQueue\/Resource: CdkNagSuppression: AwsSolutions-SQS3 was triggered but suppressed\./);
  expect(acknowledged[0]).toContain("This queue is the dead-letter queue of the integration's rule targets and of its functions' on-failure destinations.");
});
