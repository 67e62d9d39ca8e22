/**
 * The examples as a user deploys them: stack outputs for the commands (the integration's and the shop's own
 * table), and no warning a user would have to read past: the shop's alarms reach its on-call address, and the
 * scale example acknowledges that its alarms go nowhere.
 */
import { App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { BabesClubStack } from '../../examples/babes-club/lib/babes-club-stack';
import { ManyHandlersStack } from '../../examples/many-handlers/lib/many-handlers-stack';

const alarmWarnings = (stack: BabesClubStack | ManyHandlersStack) =>
  Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('alarmsWithoutDestination'));

test('examples/babes-club: outputs for the dead-letter queue, both tables, the archive and the dashboard; its alarms reach the on-call address', () => {
  const stack = new BabesClubStack(new App(), 'BabesClubPayments', { eventSourceName: 'aws.partner/stripe.com/ed_test_EXAMPLE' });
  const template = Template.fromStack(stack);
  const outputs = template.toJSON().Outputs;
  expect(Object.keys(outputs).sort()).toEqual(['CommerceTableName', 'StripeArchiveArn', 'StripeDashboardUrl', 'StripeDeadLetterQueueUrl', 'StripeIdempotencyTableName']);
  expect(outputs.CommerceTableName).toEqual({
    Description: 'The commerce table (orders, checkout sessions, memberships; PK/SK) the Stripe handlers write',
    Value: { Ref: stack.getLogicalId(stack.commerceTable.node.defaultChild as any) },
  });
  template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'payments-oncall@thebabesclub.example' });
  expect(alarmWarnings(stack)).toEqual([]);
});

test('examples/many-handlers acknowledges that its alarms have no destination', () => {
  const stack = new ManyHandlersStack(new App(), 'ManyHandlers', { handlers: 3 });
  expect(alarmWarnings(stack)).toEqual([]);
});
