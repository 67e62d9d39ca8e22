/** Small helpers for template tests. */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { TEST_EVENT_SOURCE } from './stripe-samples';
import { StripeEventHandler, StripeFunctionOptions } from '../../src';

export { TEST_EVENT_SOURCE };

export function newStack(): Stack {
  const app = new App();
  return new Stack(app, 'TestStack', { env: { account: '123456789012', region: 'us-east-1' } });
}

/** A handler built from inline code: enough for synth, no asset hashing noise. */
export function inlineHandler(options: Partial<StripeFunctionOptions> = {}): StripeEventHandler {
  return StripeEventHandler.fromCode({
    code: lambda.Code.fromInline('exports.handler = async (event) => ({ id: event.detail.id });'),
    handler: 'index.handler',
    ...options,
  });
}

/** Resources of one type, as [logicalId, resource] pairs. */
export function resourcesOf(template: Template, type: string): Array<[string, any]> {
  return Object.entries(template.findResources(type));
}
