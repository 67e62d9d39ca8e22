/**
 * The default integration passes cdk-nag's AwsSolutions pack with nothing for its users to acknowledge.
 * The construct acknowledges one finding itself (in cdk-nag's metadata format), naming the resource and
 * the reason; anything else cdk-nag reports fails the test.
 */
import { Aspects } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { StripeEventBridgeIntegration, StripeEventBus, StripeEventBridgeIntegrationProps } from '../../src';
import { inlineHandler, newStack, TEST_EVENT_SOURCE } from '../support/stacks';

function nag(extra: (stack: ReturnType<typeof newStack>) => Partial<StripeEventBridgeIntegrationProps> = () => ({})) {
  const stack = newStack();
  new StripeEventBridgeIntegration(stack, 'Stripe', {
    eventBus: StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE),
    handlers: { 'checkout.session.completed': inlineHandler(), 'customer.subscription.*': inlineHandler() },
    ...extra(stack),
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

test('with the scheduled reconciliation (and backfill), still no unacknowledged finding and no new acknowledgement', () => {
  const { findings, acknowledged } = nag((stack) => ({
    reconciliation: {
      apiKeySecret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'Key', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe/read-events-AbCdEf'),
      backfill: true,
    },
  }));
  expect(findings).toEqual([]);
  expect(acknowledged).toHaveLength(1);
});
