#!/usr/bin/env node
/**
 * The Babes Club's Stripe integration.
 *
 *   cd examples/babes-club && npx cdk synth            # no AWS account needed
 *   npx cdk deploy -c stripeEventSourceName=aws.partner/stripe.com/ed_…
 *
 * The partner event source name comes from CDK context; the default in cdk.json is a clearly fake test-mode
 * name, enough to synthesize.
 */
import { App } from 'aws-cdk-lib';
import { BabesClubStack } from '../lib/babes-club-stack';

const app = new App();
new BabesClubStack(app, 'BabesClubPayments', {
  eventSourceName: app.node.getContext('stripeEventSourceName'),
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
