import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { StripeEventBridgeIntegration, StripeEventBus, StripeEventHandler } from '../../src';
import { newStack, resourcesOf, TEST_EVENT_SOURCE } from '../support/stacks';

const bus = () => StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE);
const code = lambda.Code.fromInline('exports.main = async () => null;');
/** Lambda takes inline code for Node.js and Python only: a Ruby function's code comes from a bucket. */
const rubyCode = (stack: any) => lambda.Code.fromBucket(s3.Bucket.fromBucketName(stack, 'Code', 'code-bucket'), 'app.zip');

describe('a received lambda.Function with a Python runtime', () => {
  test('is wrapped in place with the Python wrapper layer and handler, its own handler string in the environment', () => {
    const stack = newStack();
    const fn = new lambda.Function(stack, 'Orders', { runtime: lambda.Runtime.PYTHON_3_12, handler: 'app.orders.main', code: lambda.Code.fromInline('def main(e, c):\n  pass\n') });
    new StripeEventBridgeIntegration(stack, 'Stripe', {
      eventBus: bus(),
      handlers: { 'checkout.session.completed': StripeEventHandler.fromFunction(fn, { name: 'Orders' }) },
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'python3.12',
      Handler: 'stripe_eventbridge.wrapper.handler',
      Layers: [{ Ref: Match.stringLikeRegexp('^StripeEventBridgePythonWrapperLayer') }],
      Environment: { Variables: Match.objectLike({ STRIPE_EB_USER_HANDLER: 'app.orders.main', STRIPE_EB_HANDLER_NAME: 'Orders', STRIPE_EB_IDEMPOTENCY_KEY_PREFIX: 'TestStack/Stripe.Orders' }) },
    });
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('handlerNotWrapped'))).toEqual([]);
  });

  test('on python3.11 is an error that says to upgrade', () => {
    const stack = newStack();
    const fn = new lambda.Function(stack, 'Old', { runtime: lambda.Runtime.PYTHON_3_11, handler: 'index.main', code: lambda.Code.fromInline('x') });
    expect(() => new StripeEventBridgeIntegration(stack, 'Stripe', { eventBus: bus(), handlers: { 'checkout.session.completed': StripeEventHandler.fromFunction(fn) } })).toThrow(
      "handlers.CheckoutSessionCompleted: TestStack/Old runs python3.11; the Python wrapper needs python3.12 or later. Upgrade the function's runtime.",
    );
  });
});

describe('a received lambda.Function with a Node.js runtime', () => {
  test('is wrapped in place: wrapper handler, wrapper layer, original handler and settings in the environment', () => {
    const stack = newStack();
    const fn = new lambda.Function(stack, 'Orders', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'app/orders.main', code });
    new StripeEventBridgeIntegration(stack, 'Stripe', {
      eventBus: bus(),
      handlers: { 'checkout.session.completed': StripeEventHandler.fromFunction(fn, { name: 'Orders' }) },
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: '/opt/stripe-eventbridge/wrapper.handler',
      Layers: [{ Ref: Match.stringLikeRegexp('^StripeEventBridgeWrapperLayer') }],
      Environment: {
        Variables: Match.objectLike({
          STRIPE_EB_USER_HANDLER: 'app/orders.main',
          STRIPE_EB_HANDLER_NAME: 'Orders',
          STRIPE_EB_IDEMPOTENCY_KEY_PREFIX: 'TestStack/Stripe.Orders',
        }),
      },
    });
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('handlerNotWrapped'))).toEqual([]);
  });

  test('gets the rule, invoke permission, async failure destination and idempotency grants', () => {
    const stack = newStack();
    const fn = new lambda.Function(stack, 'Orders', { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.main', code });
    new StripeEventBridgeIntegration(stack, 'Stripe', { eventBus: bus(), handlers: { 'checkout.session.completed': StripeEventHandler.fromFunction(fn) } });
    const template = Template.fromStack(stack);
    const [[fnId]] = resourcesOf(template, 'AWS::Lambda::Function');
    template.hasResourceProperties('AWS::Events::Rule', { Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fnId, 'Arn'] } })] });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { FunctionName: { Ref: fnId } });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'] })]) },
    });
  });

  test('on nodejs20.x is an error that says to upgrade', () => {
    const stack = newStack();
    const fn = new lambda.Function(stack, 'Old', { runtime: lambda.Runtime.NODEJS_20_X, handler: 'index.main', code });
    expect(() =>
      new StripeEventBridgeIntegration(stack, 'Stripe', { eventBus: bus(), handlers: { 'checkout.session.completed': StripeEventHandler.fromFunction(fn) } }),
    ).toThrow("handlers.CheckoutSessionCompleted: TestStack/Old runs nodejs20.x; the wrapper needs nodejs22.x or later. Upgrade the function's runtime.");
  });

  test('cannot be wrapped by two integrations', () => {
    const stack = newStack();
    const fn = new lambda.Function(stack, 'Shared', { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.main', code });
    new StripeEventBridgeIntegration(stack, 'A', { eventBus: bus(), handlers: { 'checkout.session.completed': StripeEventHandler.fromFunction(fn) } });
    expect(() =>
      new StripeEventBridgeIntegration(stack, 'B', {
        eventBus: StripeEventBus.fromEventBusName('other'),
        handlers: { 'charge.refunded': StripeEventHandler.fromFunction(fn) },
      }),
    ).toThrow('handlers.ChargeRefunded: TestStack/Shared is already wrapped by another StripeEventBridgeIntegration; give each integration its own function.');
  });
});

describe('functions that cannot be wrapped still get routed and granted, with an acknowledgeable warning', () => {
  test.each([
    ['an imported function', (stack: any) => lambda.Function.fromFunctionArn(stack, 'Imported', 'arn:aws:lambda:us-east-1:123456789012:function:orders'), 'is not a lambda.Function defined in this app'],
    ['a Ruby function', (stack: any) => new lambda.Function(stack, 'Rb', { runtime: lambda.Runtime.RUBY_3_3, handler: 'app.main', code: rubyCode(stack) }), 'runs ruby3.3, and the wrapper runs on Node.js and Python'],
  ])('%s', (_label, make, why) => {
    const stack = newStack();
    const fn = make(stack) as lambda.IFunction;
    new StripeEventBridgeIntegration(stack, 'Stripe', { eventBus: bus(), handlers: { 'checkout.session.completed': StripeEventHandler.fromFunction(fn, { name: 'Orders' }) } });
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('handlerNotWrapped'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0].entry.data).toContain(why);
    expect(warnings[0].entry.data).toContain('[ack: @babes/stripe-eventbridge:handlerNotWrapped]');
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 1);
    template.resourceCountIs('AWS::Lambda::Permission', 1);
  });

  test('a function imported without its role gets a second warning listing the permissions its role needs', () => {
    const stack = newStack();
    const fn = lambda.Function.fromFunctionArn(stack, 'Imported', 'arn:aws:lambda:us-east-1:123456789012:function:orders');
    new StripeEventBridgeIntegration(stack, 'Stripe', { eventBus: bus(), handlers: { 'checkout.session.completed': StripeEventHandler.fromFunction(fn, { name: 'Orders' }) } });
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('handlerRoleUnknown'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0].entry.data).toContain('dynamodb:GetItem, PutItem, UpdateItem and DeleteItem on the idempotency table and sqs:SendMessage on the dead-letter queue');
    const template = Template.fromStack(stack);
    const [[queueId]] = resourcesOf(template, 'AWS::SQS::Queue');
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: 'orders',
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
    });
  });

  test('a function imported with its role is granted through that role', () => {
    const stack = newStack();
    const role = iam.Role.fromRoleArn(stack, 'Role', 'arn:aws:iam::123456789012:role/orders-role', { mutable: true });
    const fn = lambda.Function.fromFunctionAttributes(stack, 'Imported', { functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:orders', role });
    new StripeEventBridgeIntegration(stack, 'Stripe', { eventBus: bus(), handlers: { 'checkout.session.completed': StripeEventHandler.fromFunction(fn) } });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: ['orders-role'],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'] })]) },
    });
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('handlerRoleUnknown'))).toEqual([]);
  });

  test('the Ruby function keeps its own handler', () => {
    const stack = newStack();
    const fn = new lambda.Function(stack, 'Rb', { runtime: lambda.Runtime.RUBY_3_3, handler: 'app.main', code: rubyCode(stack) });
    new StripeEventBridgeIntegration(stack, 'Stripe', { eventBus: bus(), handlers: { 'checkout.session.completed': StripeEventHandler.fromFunction(fn) } });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { Handler: 'app.main', Layers: Match.absent() });
  });
});
