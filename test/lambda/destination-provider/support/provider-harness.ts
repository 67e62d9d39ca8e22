/**
 * Drives the provider's onEvent logic like the CDK provider framework does, with the real `stripe` SDK
 * pointed at the local Stripe stand-in and Secrets Manager mocked by aws-sdk-client-mock (there is no
 * AWS account here).
 */
import { randomUUID } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { StripeV2Server } from './stripe-v2-server';
import { DestinationRequest, OnEventDeps } from '../../../../src/lambda/destination-provider/provider';
import { createStripeClient } from '../../../../src/lambda/destination-provider/stripe-destinations';
import { STRIPE_API_VERSION } from '../../../../src/private/stripe-event-types.generated';

/** A sandbox restricted key (made up). The tests assert it never shows up in any output. */
export const KEY = 'rk_test_51QaZ7bLkXz0PqRsT9vWmNcD3eF4gH5iJ6kL7mN8oP9qR0sT1uV2wX3yZ4aB5cD6eF7';
export const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe/restricted-key-AbCdEf';
export const STACK_ID = 'arn:aws:cloudformation:us-east-1:123456789012:stack/Shop/5f8a3c20-caa1-11ef-9cd2-0ae0f1a2b3c4';
export const LOGICAL_ID = 'StripeDestination1F3A2B4C';
export const NOW = Date.parse('2026-11-26T12:00:00.000Z');

export const secretsMock = mockClient(SecretsManagerClient);

export function properties(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:Shop-StripeDestinationProviderframeworkonEvent',
    ApiKeySecretId: SECRET_ARN,
    DestinationName: 'Shop/StripeDestination',
    Description: 'Stripe events for AWS CloudFormation stack Shop',
    EnabledEvents: ['invoice.paid', 'checkout.session.completed'],
    SnapshotApiVersion: STRIPE_API_VERSION,
    AwsAccountId: '123456789012',
    AwsRegion: 'us-east-1',
    AwsPartition: 'aws',
    RetainOnDelete: 'false',
    EventSourceTimeoutSeconds: '300',
    ...overrides,
  };
}

export function createRequest(props = properties(), requestId = randomUUID()): DestinationRequest {
  return { RequestType: 'Create', StackId: STACK_ID, LogicalResourceId: LOGICAL_ID, RequestId: requestId, ResourceProperties: props };
}

export function updateRequest(physicalId: string, before: Record<string, unknown>, after: Record<string, unknown>): DestinationRequest {
  return {
    RequestType: 'Update',
    StackId: STACK_ID,
    LogicalResourceId: LOGICAL_ID,
    RequestId: randomUUID(),
    PhysicalResourceId: physicalId,
    ResourceProperties: after,
    OldResourceProperties: before,
  };
}

export function deleteRequest(physicalId: string, props = properties()): DestinationRequest {
  return { RequestType: 'Delete', StackId: STACK_ID, LogicalResourceId: LOGICAL_ID, RequestId: randomUUID(), PhysicalResourceId: physicalId, ResourceProperties: props };
}

/** The secret holds `secretString` (the right key unless a test says otherwise). */
export function mockSecret(secretString: string = KEY): void {
  secretsMock.reset();
  secretsMock.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: secretString });
}

export interface Harness {
  readonly deps: OnEventDeps;
  readonly logs: Array<Record<string, unknown>>;
}

export function harness(server: StripeV2Server): Harness {
  const logs: Array<Record<string, unknown>> = [];
  return {
    logs,
    deps: {
      secrets: new SecretsManagerClient({ region: 'us-east-1' }),
      stripeFor: (key) => createStripeClient(key, server.endpoint),
      log: (entry) => logs.push(entry),
      now: () => NOW,
    },
  };
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function errorOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
