import { Template } from 'aws-cdk-lib/assertions';
import { StripeEventBridgeIntegration, StripeEventBus } from '../../src';
import { inlineHandler, newStack, resourcesOf, TEST_EVENT_SOURCE } from '../support/stacks';

function synth() {
  const stack = newStack();
  new StripeEventBridgeIntegration(stack, 'Stripe', {
    eventBus: StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE),
    handlers: { 'checkout.session.completed': inlineHandler({ name: 'Orders' }), 'charge.refunded': inlineHandler({ name: 'Refunds' }) },
  });
  return Template.fromStack(stack);
}

test('each function role can write its own log group, use the idempotency table and send to the DLQ — and nothing else', () => {
  const template = synth();
  const [[tableId]] = resourcesOf(template, 'AWS::DynamoDB::Table');
  const [[queueId]] = resourcesOf(template, 'AWS::SQS::Queue');
  const logGroups = resourcesOf(template, 'AWS::Logs::LogGroup').map(([id]) => id);
  const policies = resourcesOf(template, 'AWS::IAM::Policy');
  expect(policies).toHaveLength(2);
  for (const [, policy] of policies) {
    const statements = policy.Properties.PolicyDocument.Statement;
    expect(statements).toHaveLength(3);
    const [logs, ddb, sqs] = statements;
    expect(logs.Action).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    expect(logGroups).toContain(logs.Resource['Fn::GetAtt'][0]);
    expect(ddb).toEqual({
      Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      Effect: 'Allow',
      Resource: { 'Fn::GetAtt': [tableId, 'Arn'] },
    });
    expect(sqs.Action).toEqual(['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl']);
    expect(sqs.Resource).toEqual({ 'Fn::GetAtt': [queueId, 'Arn'] });
  }
  // Each role's log statement names a different log group.
  expect(new Set(policies.map(([, p]) => p.Properties.PolicyDocument.Statement[0].Resource['Fn::GetAtt'][0])).size).toBe(2);
});

test('no managed policies and no wildcard resources in any IAM policy', () => {
  const template = synth();
  for (const [, role] of resourcesOf(template, 'AWS::IAM::Role')) {
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  }
  const policies = JSON.stringify(resourcesOf(template, 'AWS::IAM::Policy'));
  expect(policies).toContain('"Resource"');
  expect(policies).not.toMatch(/"Resource":"\*"/);
  expect(JSON.stringify(template.toJSON())).not.toMatch(/AWSLambdaBasicExecutionRole/);
});

test('each function may be invoked only by EventBridge, only from its own rule', () => {
  const template = synth();
  const permissions = resourcesOf(template, 'AWS::Lambda::Permission');
  expect(permissions).toHaveLength(2);
  const rules = new Map(resourcesOf(template, 'AWS::Events::Rule').map(([id, r]) => [id, r.Properties.Targets[0].Arn['Fn::GetAtt'][0]]));
  for (const [, permission] of permissions) {
    const { Action, Principal, SourceArn, FunctionName } = permission.Properties;
    expect(Action).toBe('lambda:InvokeFunction');
    expect(Principal).toBe('events.amazonaws.com');
    const ruleId = SourceArn['Fn::GetAtt'][0];
    expect(rules.get(ruleId)).toBe(FunctionName['Fn::GetAtt'][0]);
  }
});

test('each function logs to its own explicit log group with three months of retention', () => {
  const template = synth();
  const groups = resourcesOf(template, 'AWS::Logs::LogGroup');
  expect(groups).toHaveLength(2);
  for (const [, group] of groups) expect(group.Properties.RetentionInDays).toBe(90);
  for (const [, fn] of resourcesOf(template, 'AWS::Lambda::Function')) {
    expect(groups.map(([id]) => id)).toContain(fn.Properties.LoggingConfig.LogGroup.Ref);
  }
});
