/**
 * The default integration, and one with a StripeEventDestination, pass cdk-nag's AwsSolutions pack with
 * nothing for their users to acknowledge. The constructs acknowledge what AWS or aws-cdk-lib decides
 * themselves (in cdk-nag's metadata format), naming the resource and the reason; anything else cdk-nag
 * reports fails the test.
 */
import { Aspects } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { StripeEventBridgeIntegration, StripeEventBridgeIntegrationProps, StripeEventBus, StripeEventDestination } from '../../src';
import { inlineHandler, newStack, TEST_EVENT_SOURCE } from '../support/stacks';

function nag(extra: (stack: ReturnType<typeof newStack>) => Partial<StripeEventBridgeIntegrationProps> = () => ({}), withDestination = false) {
  const stack = newStack();
  const eventBus = withDestination
    ? StripeEventBus.fromDestination(new StripeEventDestination(stack, 'Destination', {
      apiKeySecret: secretsmanager.Secret.fromSecretNameV2(stack, 'StripeKey', 'stripe/event-destinations'),
    }))
    : StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE);
  new StripeEventBridgeIntegration(stack, 'Stripe', {
    eventBus,
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

test('with a StripeEventDestination: no unacknowledged finding either', () => {
  expect(nag(undefined, true).findings).toEqual([]);
});

test("with a StripeEventDestination: the acknowledgements are aws-cdk-lib's provider framework choices and the partner source grant, each with its reason", () => {
  const rules = nag(undefined, true).acknowledged.filter((a) => a.startsWith('/TestStack/Destination/')).map((a) => {
    const match = /^\/TestStack\/Destination\/(.+?): CdkNagSuppression(?:\[[^\]]*\])?: (AwsSolutions-[A-Z0-9]+) was triggered but suppressed\.\s*Provided reason: "(?:\[[^\]]*\] )?(.{40,})"\s*$/s.exec(a);
    expect([a, match !== null]).toEqual([a, true]);
    return `${match![1]} ${match![2]}`;
  });
  expect([...new Set(rules)].sort()).toEqual([
    'IsCompleteServiceRole/DefaultPolicy/Resource AwsSolutions-IAM5',
    'Provider/framework-isComplete/Resource AwsSolutions-L1',
    'Provider/framework-onEvent/Resource AwsSolutions-L1',
    'Provider/framework-onTimeout/Resource AwsSolutions-L1',
    'Provider/waiter-state-machine/Resource AwsSolutions-SF1',
    'Provider/waiter-state-machine/Resource AwsSolutions-SF2',
    'Provider/waiter-state-machine/Role/DefaultPolicy/Resource AwsSolutions-IAM5',
    'ProviderOnEventRole/DefaultPolicy/Resource AwsSolutions-IAM5',
    'ProviderWaiterRole/DefaultPolicy/Resource AwsSolutions-IAM5',
  ]);
});
