/**
 * Alarms that notify a topic nobody subscribes to warn at synth (acknowledgeably); a destination added at any
 * time before synth, in any stack, silences the warning, and so does turning alarms off.
 */
import { Annotations as CdkAnnotations, App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { StripeAlarm, StripeAlarmOptions, StripeEventBridgeIntegration, StripeEventBus } from '../../src';
import { inlineHandler, newStack, TEST_EVENT_SOURCE } from '../support/stacks';

const ID = '@babes/stripe-eventbridge:alarmsWithoutDestination';

function integrate(stack: Stack, alarms?: StripeAlarmOptions): StripeEventBridgeIntegration {
  return new StripeEventBridgeIntegration(stack, 'Stripe', {
    eventBus: StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE),
    handlers: { 'checkout.session.completed': inlineHandler({ name: 'Orders' }) },
    alarms,
  });
}

const warnings = (stack: Stack): string[] =>
  Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('alarmsWithoutDestination')).map((w) => String(w.entry.data));

test('the default integration warns: its alarms notify a topic nothing subscribes to, and the warning says how to add a destination', () => {
  const stack = newStack();
  integrate(stack);
  expect(warnings(stack)).toEqual([
    'Alarms notify the SNS topic TestStack/Stripe/Monitoring/AlarmTopic, which nothing in this app subscribes to, so no one hears them. ' +
      "Add a destination: set alarms.emailAddresses, or subscribe to the integration's alarmTopic (alarmTopic.addSubscription(…), or an AWS Chatbot channel's notificationTopics). " +
      // One hint of how to acknowledge it: CDK's [ack: …] (which the CDK CLI prints as "Acknowledge with 'Annotation::…'").
      `If the topic is subscribed outside this app, acknowledge this warning on the integration (TestStack/Stripe). [ack: ${ID}]`,
  ]);
  // On a child of the integration, so that acknowledging it on the integration (or the stack) works.
  expect(Annotations.fromStack(stack).findWarning('/TestStack/Stripe/Monitoring', Match.stringLikeRegexp('alarmsWithoutDestination'))).toHaveLength(1);
});

test('email addresses are a destination: no warning', () => {
  const stack = newStack();
  integrate(stack, { emailAddresses: ['ops@thebabesclub.example', 'Ava.Lee+alarms@mail.thebabesclub.co.uk'] });
  expect(warnings(stack)).toEqual([]);
});

test('an email address that does not parse fails synth, with the fix', () => {
  const fails = (address: string) => () => integrate(newStack(), { emailAddresses: [address] });
  const prefix = "[TestStack/Stripe] alarms.emailAddresses: '";
  const suffix = '; SNS would refuse the subscription at deploy.';
  expect(fails('payments-oncall@thebabesclub')).toThrow(`${prefix}payments-oncall@thebabesclub' is not an email address: expected name@domain.tld, e.g. 'payments-oncall@example.com'${suffix}`);
  expect(fails('payments-oncall')).toThrow(/is not an email address: expected name@domain\.tld/);
  expect(fails('ops@example.com, ava@example.com')).toThrow(`${prefix}ops@example.com, ava@example.com' is not an email address: give one address per entry: ['ops@example.com', 'ava@example.com']${suffix}`);
  expect(fails('Payments On-call <ops@example.com>')).toThrow(`${prefix}Payments On-call <ops@example.com>' is not an email address: give the address alone: 'ops@example.com'${suffix}`);
  expect(fails(' ops@example.com')).toThrow(/give the address alone: 'ops@example\.com'/);
  // A token (a parameter, an imported value) is left to CloudFormation.
  const stack = newStack();
  const address = new CfnParameter(stack, 'OnCallEmail').valueAsString;
  expect(() => integrate(stack, { emailAddresses: [address] })).not.toThrow();
});

test('a subscription added to alarmTopic after the integration counts', () => {
  const stack = newStack();
  const integration = integrate(stack);
  integration.alarmTopic!.addSubscription(new subscriptions.SqsSubscription(new sqs.Queue(stack, 'Pager')));
  expect(warnings(stack)).toEqual([]);
});

test('a subscription from another stack counts', () => {
  const app = new App();
  const stack = new Stack(app, 'Payments');
  const integration = integrate(stack);
  const ops = new Stack(app, 'Ops');
  new sns.Subscription(ops, 'OnCall', { topic: integration.alarmTopic!, protocol: sns.SubscriptionProtocol.HTTPS, endpoint: 'https://oncall.example/alarms' });
  expect(warnings(stack)).toEqual([]);
});

test('an AWS Chatbot channel that lists the topic counts', () => {
  const stack = newStack();
  const integration = integrate(stack);
  new chatbot.SlackChannelConfiguration(stack, 'Slack', {
    slackChannelConfigurationName: 'payments-alarms',
    slackWorkspaceId: 'T0123456',
    slackChannelId: 'C0123456',
    notificationTopics: [integration.alarmTopic!],
  });
  expect(warnings(stack)).toEqual([]);
});

test('a topic given as alarms.topic with no subscription warns too, naming that topic', () => {
  const stack = newStack();
  integrate(stack, { topic: new sns.Topic(stack, 'OpsTopic') });
  expect(warnings(stack)).toEqual([expect.stringContaining('Alarms notify the SNS topic TestStack/OpsTopic, which nothing in this app subscribes to')]);
  expect(warnings(stack)[0]).toContain('or subscribe to the topic given as alarms.topic.');
});

test('an imported topic is subscribed outside the app: no warning', () => {
  const stack = newStack();
  integrate(stack, { topic: sns.Topic.fromTopicArn(stack, 'Ops', 'arn:aws:sns:us-east-1:123456789012:ops') });
  expect(warnings(stack)).toEqual([]);
});

test('alarms disabled, or every alarm left out: no topic, no warning', () => {
  const off = newStack();
  integrate(off, { enabled: false });
  expect(warnings(off)).toEqual([]);
  const none = newStack();
  integrate(none, { disabledAlarms: Object.values(StripeAlarm) });
  expect(warnings(none)).toEqual([]);
});

test('acknowledged on the integration or on the stack, the warning is gone', () => {
  const onIntegration = newStack();
  CdkAnnotations.of(integrate(onIntegration)).acknowledgeWarning(ID, 'paged through the ops account');
  expect(warnings(onIntegration)).toEqual([]);
  const onStack = newStack();
  CdkAnnotations.of(onStack).acknowledgeWarning(ID);
  integrate(onStack);
  expect(warnings(onStack)).toEqual([]);
});
