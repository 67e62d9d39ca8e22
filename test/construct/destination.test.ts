/**
 * StripeEventDestination at synth time: the custom resource and what it is given (never the key), its
 * provider functions and their IAM, the bus that accepts its partner source (after it, retained), the
 * enabled events derived from the integration's handler keys, and every synth-time error and warning.
 */
import { Duration, Lazy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { StripeEventBridgeIntegration, StripeEventBus, StripeEventDestination, StripeEventDestinationProps } from '../../src';
import { STRIPE_API_VERSION, STRIPE_EVENT_TYPES, STRIPE_PACKAGE_VERSION } from '../../src/private/stripe-event-types.generated';
import { inlineHandler, newStack, resourcesOf } from '../support/stacks';

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe/restricted-key-AbCdEf';
const SUBSCRIPTION_TYPES = STRIPE_EVENT_TYPES.filter((t) => t.startsWith('customer.subscription.'));

function secret(stack: Stack): secretsmanager.ISecret {
  return secretsmanager.Secret.fromSecretCompleteArn(stack, 'StripeKey', SECRET_ARN);
}

/** A destination, its bus and an integration, as the README shows them. */
function synth(props: Partial<StripeEventDestinationProps> = {}, handlers = { 'checkout.session.completed': inlineHandler(), 'customer.subscription.*': inlineHandler() }) {
  const stack = newStack();
  const destination = new StripeEventDestination(stack, 'Destination', { apiKeySecret: secret(stack), ...props });
  new StripeEventBridgeIntegration(stack, 'Stripe', { eventBus: StripeEventBus.fromDestination(destination), handlers });
  return { stack, destination, template: Template.fromStack(stack) };
}

function destinationResource(template: Template): [string, any] {
  const found = resourcesOf(template, 'Custom::StripeEventDestination');
  expect(found).toHaveLength(1);
  return found[0];
}

function roleStatements(template: Template, roleIdPrefix: string): any[] {
  const [[roleId]] = resourcesOf(template, 'AWS::IAM::Role').filter(([id]) => id.startsWith(roleIdPrefix));
  return resourcesOf(template, 'AWS::IAM::Policy')
    .filter(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
}

function secretStatement(template: Template): any {
  const found = roleStatements(template, 'DestinationOnEventServiceRole').filter((st) => JSON.stringify(st.Action).includes('secretsmanager'));
  expect(found).toHaveLength(1);
  return found[0];
}

describe('the custom resource', () => {
  test('gets the secret ARN, never the key, and the stack account and region', () => {
    const { template } = synth();
    const [, resource] = destinationResource(template);
    expect(resource.Properties).toEqual({
      ServiceToken: { 'Fn::GetAtt': [expect.stringMatching(/^DestinationProviderframeworkonEvent/), 'Arn'] },
      ApiKeySecretId: SECRET_ARN,
      DestinationName: 'TestStack/Destination',
      Description: 'Stripe events for AWS CloudFormation stack TestStack (managed by @babes/stripe-eventbridge)',
      EnabledEvents: expect.any(Array),
      SnapshotApiVersion: STRIPE_API_VERSION,
      AwsAccountId: '123456789012',
      AwsRegion: 'us-east-1',
      AwsPartition: { Ref: 'AWS::Partition' },
      RetainOnDelete: 'false',
      EventSourceTimeoutSeconds: '300',
    });
    expect(resource.DeletionPolicy).toBe('Delete');
  });

  test('enabled events default to the integration handler keys, wildcards expanded from stripe package event types', () => {
    const { template } = synth();
    const [, resource] = destinationResource(template);
    expect(SUBSCRIPTION_TYPES.length).toBeGreaterThan(3);
    expect(resource.Properties.EnabledEvents).toEqual(['checkout.session.completed', ...SUBSCRIPTION_TYPES].sort());
  });

  test("the '*' key enables every event type the stripe package knows", () => {
    const { template } = synth({}, { '*': inlineHandler() } as never);
    expect(destinationResource(template)[1].Properties.EnabledEvents).toEqual([...STRIPE_EVENT_TYPES].sort());
  });

  test('an explicit enabledEvents list wins over the handler keys, expanded and de-duplicated', () => {
    const { template } = synth({ enabledEvents: ['invoice.paid', 'customer.subscription.*', 'invoice.paid', 'checkout.session.completed'] });
    expect(destinationResource(template)[1].Properties.EnabledEvents).toEqual(['checkout.session.completed', 'invoice.paid', ...SUBSCRIPTION_TYPES].sort());
  });

  test('an env-agnostic stack passes the deploy-time account and region', () => {
    const stack = new Stack();
    const d = new StripeEventDestination(stack, 'Destination', { apiKeySecret: secret(stack), enabledEvents: ['invoice.paid'] });
    const props = destinationResource(Template.fromStack(stack))[1].Properties;
    expect(props.AwsAccountId).toEqual({ Ref: 'AWS::AccountId' });
    expect(props.AwsRegion).toEqual({ Ref: 'AWS::Region' });
    expect(d.snapshotApiVersion).toBe(STRIPE_API_VERSION);
  });

  test('name, description, API version, retain and timeout are passed as given', () => {
    const { template } = synth({
      destinationName: 'shop-events',
      description: 'The shop',
      snapshotApiVersion: '2025-03-31.basil',
      retainOnDelete: true,
      eventSourceTimeout: Duration.minutes(12),
    });
    expect(destinationResource(template)[1].Properties).toMatchObject({
      DestinationName: 'shop-events',
      Description: 'The shop',
      SnapshotApiVersion: '2025-03-31.basil',
      RetainOnDelete: 'true',
      EventSourceTimeoutSeconds: '720',
    });
  });

  test('exposes the destination id and the partner source name and ARN as attributes', () => {
    const { stack, destination, template } = synth();
    const [id] = destinationResource(template);
    expect(stack.resolve(destination.destinationId)).toEqual({ 'Fn::GetAtt': [id, 'DestinationId'] });
    expect(stack.resolve(destination.eventSourceName)).toEqual({ 'Fn::GetAtt': [id, 'EventSourceName'] });
    expect(stack.resolve(destination.eventSourceArn)).toEqual({ 'Fn::GetAtt': [id, 'EventSourceArn'] });
  });
});

describe('the bus from StripeEventBus.fromDestination', () => {
  test('is named after the destination partner source, created after the destination, and retained', () => {
    const { template } = synth();
    const [id] = destinationResource(template);
    template.resourceCountIs('AWS::Events::EventBus', 1);
    const [[, bus]] = resourcesOf(template, 'AWS::Events::EventBus');
    expect(bus.Properties).toEqual({
      Name: { 'Fn::GetAtt': [id, 'EventSourceName'] },
      EventSourceName: { 'Fn::GetAtt': [id, 'EventSourceName'] },
    });
    expect(bus.DependsOn).toEqual([id]);
    expect(bus.DeletionPolicy).toBe('Retain');
    expect(bus.UpdateReplacePolicy).toBe('Retain');
  });

  test('carries the rules, matched on the Stripe partner source prefix', () => {
    const { template } = synth();
    const [[busId]] = resourcesOf(template, 'AWS::Events::EventBus');
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: busId },
      EventPattern: Match.objectLike({ source: [{ prefix: 'aws.partner/stripe.com/' }] }),
    });
  });
});

describe('the provider', () => {
  test('two functions from the bundled asset: Node.js 24, arm64, explicit log groups, no environment (so no key in it)', () => {
    const { template } = synth();
    for (const [prefix, handler] of [['DestinationOnEventFunction', 'index.onEvent'], ['DestinationIsCompleteFunction', 'index.isComplete']]) {
      const [[, fn]] = resourcesOf(template, 'AWS::Lambda::Function').filter(([id]) => id.startsWith(prefix));
      expect(fn.Properties).toMatchObject({ Handler: handler, Runtime: 'nodejs24.x', Architectures: ['arm64'], MemorySize: 256 });
      expect(fn.Properties.Environment).toBeUndefined();
      expect(fn.Properties.LoggingConfig.LogGroup.Ref).toMatch(new RegExp(`^${prefix.replace('Function', 'LogGroup')}`));
      expect(fn.Properties.Code.S3Key).toMatch(/^[a-f0-9]{64}\.zip$/);
    }
    template.hasResource('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 90 }, DeletionPolicy: 'Retain' });
  });

  test('the provider framework polls every 10 s until our deadline plus a margin', () => {
    const { template } = synth({ eventSourceTimeout: Duration.minutes(7) });
    const [[, machine]] = resourcesOf(template, 'AWS::StepFunctions::StateMachine');
    const definition = JSON.stringify(machine.Properties.DefinitionString);
    // (7 + 5) minutes / 10 s.
    expect(definition).toContain('\\"IntervalSeconds\\":10,\\"MaxAttempts\\":72');
  });

  test("the Stripe-calling role may read that secret's value and write its logs, nothing else", () => {
    const { template } = synth();
    const statements = roleStatements(template, 'DestinationOnEventServiceRole');
    expect(statements).toHaveLength(2);
    expect(statements).toEqual(expect.arrayContaining([
      { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^DestinationOnEventLogGroup/), 'Arn'] } },
      { Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: SECRET_ARN },
    ]));
  });

  test('the waiting role may describe Stripe partner event sources in this region, and write its logs, nothing else', () => {
    const { template } = synth();
    const statements = roleStatements(template, 'DestinationIsCompleteServiceRole');
    expect(statements).toHaveLength(2);
    expect(statements).toEqual(expect.arrayContaining([
      { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^DestinationIsCompleteLogGroup/), 'Arn'] } },
      {
        Action: 'events:DescribeEventSource',
        Effect: 'Allow',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:us-east-1::event-source/aws.partner/stripe.com/*']] },
      },
    ]));
  });

  test('no role has a managed policy: not even the provider framework\'s, which default to AWSLambdaBasicExecutionRole', () => {
    const { template } = synth();
    const roles = resourcesOf(template, 'AWS::IAM::Role');
    expect(roles.map(([id]) => id).filter((id) => id.startsWith('DestinationProvider'))).toHaveLength(3);
    for (const [id, role] of roles) {
      expect([id, role.Properties.ManagedPolicyArns]).toEqual([id, undefined]);
    }
    expect(JSON.stringify(template.toJSON())).not.toMatch(/AWSLambdaBasicExecutionRole/);
  });

  test.each([['DestinationProviderOnEventRole'], ['DestinationProviderWaiterRole']])(
    'the framework role %s may write the provider log group, invoke the two provider functions, and nothing else',
    (roleId) => {
      const { template } = synth();
      const statements = roleStatements(template, roleId);
      const [[logGroupId]] = resourcesOf(template, 'AWS::Logs::LogGroup').filter(([id]) => id.startsWith('DestinationProviderLogGroup'));
      expect(statements).toContainEqual({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] } });
      const others = statements.filter((st) => !JSON.stringify(st.Action).startsWith('["logs:'));
      const actions = new Set(others.map((st) => st.Action));
      expect([...actions].sort()).toEqual(roleId.includes('OnEvent') ? ['lambda:GetFunction', 'lambda:InvokeFunction', 'states:StartExecution'] : ['lambda:GetFunction', 'lambda:InvokeFunction']);
      for (const st of others.filter((x) => x.Action !== 'states:StartExecution')) {
        expect(JSON.stringify(st.Resource)).toMatch(/Destination(OnEvent|IsComplete)Function/);
      }
    },
  );

  test('a secret imported by name is granted with the suffix Secrets Manager appends', () => {
    const stack = newStack();
    new StripeEventDestination(stack, 'Destination', {
      apiKeySecret: secretsmanager.Secret.fromSecretNameV2(stack, 'Key', 'stripe/restricted-key'),
      enabledEvents: ['invoice.paid'],
    });
    const template = Template.fromStack(stack);
    expect(destinationResource(template)[1].Properties.ApiKeySecretId).toBe('stripe/restricted-key');
    expect(secretStatement(template)).toEqual({
      Action: 'secretsmanager:GetSecretValue',
      Effect: 'Allow',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:us-east-1:123456789012:secret:stripe/restricted-key-??????']] },
    });
  });

  test('a secret encrypted with a customer key: the role may decrypt with it, through Secrets Manager only', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Cmk');
    const s = new secretsmanager.Secret(stack, 'Key', { encryptionKey: key });
    new StripeEventDestination(stack, 'Destination', { apiKeySecret: s, enabledEvents: ['invoice.paid'] });
    const template = Template.fromStack(stack);
    const [[keyId, cmk]] = resourcesOf(template, 'AWS::KMS::Key');
    expect(keyId).toMatch(/^Cmk/);
    expect(cmk.Properties.KeyPolicy.Statement).toContainEqual({
      Action: 'kms:Decrypt',
      Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' } },
      Effect: 'Allow',
      Principal: { AWS: { 'Fn::GetAtt': [expect.stringMatching(/^DestinationOnEventServiceRole/), 'Arn'] } },
      Resource: '*',
    });
    expect(secretStatement(template)).toEqual({ Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: { Ref: expect.stringMatching(/^Key/) } });
  });
});

describe('synth-time errors name the prop, the value and the fix', () => {
  const make = (props: Partial<StripeEventDestinationProps>) => () => {
    const stack = newStack();
    new StripeEventDestination(stack, 'Destination', { apiKeySecret: secret(stack), enabledEvents: ['invoice.paid'], ...props });
  };

  test('apiKeySecret missing', () => {
    expect(make({ apiKeySecret: undefined })).toThrow(/^\[TestStack\/Destination\] apiKeySecret: required; pass the Secrets Manager secret that holds the Stripe restricted key/);
  });

  test('snapshotApiVersion malformed', () => {
    expect(make({ snapshotApiVersion: 'latest' })).toThrow(
      `snapshotApiVersion: 'latest' is not a Stripe API version; expected e.g. '${STRIPE_API_VERSION}' (the version of stripe@${STRIPE_PACKAGE_VERSION}, the default).`,
    );
  });

  test.each([Duration.seconds(30), Duration.hours(1)])('eventSourceTimeout %s out of range', (timeout) => {
    expect(make({ eventSourceTimeout: timeout })).toThrow(`eventSourceTimeout: ${timeout.toHumanString()} is outside 1 to 50 minutes`);
  });

  test('eventSourceTimeout that is a token', () => {
    expect(make({ eventSourceTimeout: Duration.seconds(Lazy.number({ produce: () => 300 })) })).toThrow(
      'eventSourceTimeout: must be a literal duration, e.g. Duration.minutes(5).',
    );
  });

  test('destinationName empty', () => {
    expect(make({ destinationName: ' ' })).toThrow('destinationName: must not be empty; omit it to use the stack name and construct path.');
  });

  test('enabledEvents empty', () => {
    expect(make({ enabledEvents: [] })).toThrow(/^\[TestStack\/Destination\] enabledEvents: an empty list enables nothing/);
  });

  test('enabledEvents with a typo suggests the type', () => {
    expect(make({ enabledEvents: ['checkout.sesion.completed'] })).toThrow(
      "enabledEvents: 'checkout.sesion.completed' is not a Stripe event type (did you mean 'checkout.session.completed'?)",
    );
  });

  test('enabledEvents with a thin event type on a snapshot destination', () => {
    expect(make({ enabledEvents: ['v1.billing.meter.error_report_triggered'] })).toThrow(
      "[TestStack/Destination] enabledEvents: 'v1.billing.meter.error_report_triggered' is a thin event type, and this is a snapshot destination. " +
        "A snapshot destination takes snapshot types; create a second StripeEventDestination with eventPayload: StripeEventPayload.THIN for thin types ('v1.*', 'v2.*').",
    );
  });

  test('enabledEvents accepts an unknown type only with allowUnknownEventTypes, and passes it through', () => {
    expect(make({ enabledEvents: ['treasury.new_thing.created'] })).toThrow(/set allowUnknownEventTypes: true/);
    const stack = newStack();
    new StripeEventDestination(stack, 'Destination', { apiKeySecret: secret(stack), enabledEvents: ['treasury.new_thing.created'], allowUnknownEventTypes: true });
    expect(destinationResource(Template.fromStack(stack))[1].Properties.EnabledEvents).toEqual(['treasury.new_thing.created']);
  });

  test('a wildcard that matches no known type cannot be expanded', () => {
    expect(make({ enabledEvents: ['brand_new.*'], allowUnknownEventTypes: true })).toThrow(
      `enabledEvents: 'brand_new.*' matches no event type that stripe@${STRIPE_PACKAGE_VERSION} knows, so it cannot be turned into the exact types a Stripe event destination's enabled_events takes.`,
    );
  });

  test('a handler wildcard that matches no known type, when the destination takes the handler keys', () => {
    const stack = newStack();
    const destination = new StripeEventDestination(stack, 'Destination', { apiKeySecret: secret(stack) });
    expect(
      () =>
        new StripeEventBridgeIntegration(stack, 'Stripe', {
          eventBus: StripeEventBus.fromDestination(destination),
          handlers: { 'brand_new.*': inlineHandler() },
          allowUnknownEventTypes: true,
        }),
    ).toThrow(`handlers: 'brand_new.*' matches no event type that stripe@${STRIPE_PACKAGE_VERSION} knows`);
  });

  test('a destination with no events at all (not used by an integration, no enabledEvents) fails synthesis', () => {
    const stack = newStack();
    new StripeEventDestination(stack, 'Destination', { apiKeySecret: secret(stack) });
    expect(() => Template.fromStack(stack)).toThrow(/enabledEvents: StripeEventDestination 'TestStack\/Destination' has no events to enable\. Set enabledEvents, or use it as StripeEventBus\.fromDestination/);
  });
});

describe('warnings', () => {
  test('a handler key that the explicit enabledEvents do not cover is reported; covered ones are not', () => {
    const { stack } = synth({ enabledEvents: ['checkout.session.completed', 'customer.subscription.deleted'] });
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('handlerEventNotEnabled'));
    expect(warnings).toHaveLength(0);

    const other = synth({ enabledEvents: ['checkout.session.completed'] });
    const found = Annotations.fromStack(other.stack).findWarning('/TestStack/Destination', Match.stringLikeRegexp("Handler key 'customer.subscription.\\*' matches none"));
    expect(found).toHaveLength(1);
    expect(String(found[0].entry.data)).toContain('[ack: @babes/stripe-eventbridge:handlerEventNotEnabled]');
  });
});
