/**
 * The stack outputs the commands need (redrive's queue URL, the table, the archive, the dashboard), on the
 * top-level stack, under logical ids a `describe-stacks --query` can name.
 */
import { App, NestedStack, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { StripeEventBridgeIntegration, StripeEventBridgeIntegrationProps, StripeEventBus } from '../../src';
import { inlineHandler, newStack, TEST_EVENT_SOURCE } from '../support/stacks';

const props = (extra: Partial<StripeEventBridgeIntegrationProps> = {}): StripeEventBridgeIntegrationProps => ({
  eventBus: StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE),
  handlers: { 'checkout.session.completed': inlineHandler({ name: 'Orders' }) },
  alarms: { emailAddresses: ['ops@thebabesclub.example'] },
  ...extra,
});

const refTo = (template: Template, prefix: string) => Object.keys(template.toJSON().Resources).find((k) => new RegExp(`^${prefix}[0-9A-F]{8}$`).test(k));

test('the queue URL, table name, archive ARN and dashboard URL, with descriptions that say what they are for', () => {
  const stack = newStack();
  new StripeEventBridgeIntegration(stack, 'Stripe', props());
  const template = Template.fromStack(stack);
  expect(template.toJSON().Outputs).toEqual({
    StripeDeadLetterQueueUrl: {
      Description: 'Dead-letter queue of the Stripe integration TestStack/Stripe: npx stripe-eventbridge redrive --queue-url <this URL> --dry-run',
      Value: { Ref: refTo(template, 'StripeDeadLetterQueue') },
    },
    StripeIdempotencyTableName: {
      Description: 'Idempotency table (Powertools schema) of the Stripe integration TestStack/Stripe',
      Value: { Ref: refTo(template, 'StripeIdempotencyTable') },
    },
    StripeArchiveArn: {
      Description: 'Archive of the Stripe events of the Stripe integration TestStack/Stripe: aws events start-replay --event-source-arn <this ARN>',
      Value: { 'Fn::GetAtt': [refTo(template, 'StripeArchive'), 'Arn'] },
    },
    StripeDashboardUrl: {
      Description: 'CloudWatch dashboard of the Stripe integration TestStack/Stripe',
      Value: { 'Fn::Join': ['', ['https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards:name=', { Ref: refTo(template, 'StripeMonitoringDashboard') }]] },
    },
  });
});

test('no dashboard URL without a dashboard, no archive ARN without an archive', () => {
  const stack = newStack();
  new StripeEventBridgeIntegration(stack, 'Payments', props({ dashboard: { enabled: false }, archive: { enabled: false } }));
  const outputs = Template.fromStack(stack).toJSON().Outputs;
  expect(Object.keys(outputs).sort()).toEqual(['PaymentsDeadLetterQueueUrl', 'PaymentsIdempotencyTableName']);
});

test('a second integration with the same id (here in a nested stack) keeps outputs of its own, under CDK\'s logical ids', () => {
  const app = new App();
  const shared = new Stack(app, 'Shared');
  const a = new NestedStack(shared, 'A');
  new StripeEventBridgeIntegration(shared, 'Stripe', props());
  new StripeEventBridgeIntegration(a, 'Stripe', props({ eventBus: StripeEventBus.fromPartnerEventSource('aws.partner/stripe.com/ed_test_OTHER') }));
  const outputs = Object.keys(Template.fromStack(shared).toJSON().Outputs);
  expect(outputs).toHaveLength(8);
  expect(outputs).toEqual(expect.arrayContaining(['StripeDeadLetterQueueUrl', 'StripeIdempotencyTableName', 'StripeArchiveArn', 'StripeDashboardUrl']));
});

test('an integration inside a nested stack puts its outputs on the top-level stack, where describe-stacks finds them', () => {
  const app = new App();
  const top = new Stack(app, 'Payments');
  const nested = new NestedStack(top, 'Stripe');
  new StripeEventBridgeIntegration(nested, 'Stripe', props());
  const outputs = Template.fromStack(top).toJSON().Outputs;
  expect(outputs.StripeDeadLetterQueueUrl.Value).toEqual({
    'Fn::GetAtt': [expect.stringMatching(/^StripeNestedStackStripeNestedStackResource/), expect.stringMatching(/^Outputs\.PaymentsStripeDeadLetterQueue[0-9A-F]{8}Ref$/)],
  });
  expect(Object.keys(outputs)).toEqual(expect.arrayContaining(['StripeDeadLetterQueueUrl', 'StripeIdempotencyTableName', 'StripeArchiveArn']));
});

test('with its routes in nested stacks (30 handlers), the outputs stay on the integration\'s stack, four of them', () => {
  const stack = newStack();
  const handlers = Object.fromEntries(
    Array.from({ length: 30 }, (_, i) => [`invoice.custom_${i}`, inlineHandler({ name: `H${i}` })]),
  );
  new StripeEventBridgeIntegration(stack, 'Stripe', props({ handlers, allowUnknownEventTypes: true }));
  expect(Object.keys(Template.fromStack(stack).toJSON().Outputs).sort()).toEqual(['StripeArchiveArn', 'StripeDashboardUrl', 'StripeDeadLetterQueueUrl', 'StripeIdempotencyTableName']);
});
