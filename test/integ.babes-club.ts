/**
 * Integration test for a real AWS account: deploys The Babes Club's stack wired to a custom event bus
 * (a partner bus refuses PutEvents, and PutEvents refuses `aws.` sources), puts a Stripe-shaped
 * checkout.session.completed event on it, and waits until the order appears in the commerce table.
 *
 * Offline (CI), `npx projen integ:babes-club` synthesizes it and checks it against the committed snapshot
 * (test/integ.babes-club.ts.snapshot). Against an account: see CONTRIBUTING.md, "Integration test for a real account".
 */
import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { BabesClubStack } from '../examples/babes-club/lib/babes-club-stack';
import { StripeEventBus } from '../src';

const SOURCE = 'babes-club.integ.stripe';
const app = new App();

const busStack = new Stack(app, 'BabesClubIntegBus');
const bus = new events.EventBus(busStack, 'Bus', { eventBusName: 'babes-club-integ' });

const shop = new BabesClubStack(app, 'BabesClubInteg', {
  eventBus: StripeEventBus.fromEventBus(bus, { sourcePrefix: SOURCE }),
  removalPolicy: RemovalPolicy.DESTROY,
});

const session = {
  id: 'cs_test_integ_0001',
  object: 'checkout.session',
  client_reference_id: 'integ-user',
  customer: 'cus_integ',
  created: 1764144000,
  mode: 'payment',
  status: 'complete',
  payment_status: 'paid',
  payment_intent: 'pi_integ_0001',
  amount_total: 4200,
  currency: 'usd',
  customer_details: { email: 'integ@thebabesclub.example' },
  expires_at: 1764230400,
};
const stripeEvent = {
  id: 'evt_1IntegCheckout0001',
  object: 'event',
  api_version: '2026-10-28.endive',
  created: 1764144060,
  data: { object: session },
  livemode: false,
  pending_webhooks: 1,
  request: { id: null, idempotency_key: null },
  type: 'checkout.session.completed',
};

const integ = new IntegTest(app, 'BabesClubCheckoutInteg', {
  testCases: [busStack, shop],
  diffAssets: false,
  stackUpdateWorkflow: false,
});

integ.assertions
  .awsApiCall('EventBridge', 'putEvents', {
    Entries: [{ EventBusName: bus.eventBusName, Source: SOURCE, DetailType: stripeEvent.type, Detail: JSON.stringify(stripeEvent) }],
  })
  .expect(ExpectedResult.objectLike({ FailedEntryCount: 0 }))
  .next(
    integ.assertions
      .awsApiCall('DynamoDB', 'getItem', {
        TableName: shop.commerceTable.tableName,
        Key: { PK: { S: 'USER#integ-user' }, SK: { S: `ORDER#${session.created}#${session.id}` } },
        ConsistentRead: true,
      })
      .expect(ExpectedResult.objectLike({ Item: { status: { S: 'paid' }, amount: { N: '4200' }, currency: { S: 'usd' } } }))
      .waitForAssertions({ totalTimeout: Duration.minutes(5), interval: Duration.seconds(15) }),
  );
