#!/usr/bin/env node
/**
 * A platform that keeps a table of its connected accounts (Stripe Accounts v2) in sync from thin events.
 *
 *   cd examples/platform-accounts && npx cdk synth      # no AWS account needed
 *   npx stripe-eventbridge replay --events replay/events.jsonl --stripe-objects replay/stripe-objects.json
 *                                                       # its handlers on your machine: DynamoDB Local, a local Stripe API
 *   npm run demo -- --app examples/platform-accounts    # the same from the repository root, then the table
 *   npx cdk deploy -c stripeThinEventSourceName=aws.partner/stripe.com/ed_… -c stripeReadKeySecretName=…
 *
 * The partner event source of a Stripe event destination whose payload is thin (events from your own account:
 * `v2.core.account.*`, `v2.core.account[requirements].updated`), and the Secrets Manager secret that holds a
 * restricted key with Read on Accounts, come from CDK context; the defaults in cdk.json are clearly fake, enough to
 * synthesize and replay.
 */
import { App } from 'aws-cdk-lib';
import { PlatformAccountsStack } from '../lib/platform-accounts-stack';

const app = new App();
new PlatformAccountsStack(app, 'PlatformAccounts', {
  eventSourceName: app.node.getContext('stripeThinEventSourceName'),
  readKeySecretName: app.node.getContext('stripeReadKeySecretName'),
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
