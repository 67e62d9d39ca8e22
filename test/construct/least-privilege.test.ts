import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { StripeEventBridgeIntegration, StripeEventBridgeIntegrationProps, StripeEventBus } from '../../src';
import { inlineHandler, newStack, resourcesOf, TEST_EVENT_SOURCE } from '../support/stacks';

function synth(extra: Partial<StripeEventBridgeIntegrationProps> = {}) {
  const stack = newStack();
  new StripeEventBridgeIntegration(stack, 'Stripe', {
    eventBus: StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE),
    handlers: { 'checkout.session.completed': inlineHandler({ name: 'Orders' }), 'charge.refunded': inlineHandler({ name: 'Refunds' }) },
    ...extra,
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
    const [logs, ddb, toQueue] = statements;
    expect(logs.Action).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    expect(logGroups).toContain(logs.Resource['Fn::GetAtt'][0]);
    expect(ddb).toEqual({
      Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      Effect: 'Allow',
      Resource: { 'Fn::GetAtt': [tableId, 'Arn'] },
    });
    // Lambda's on-failure destination needs only SendMessage (not SqsDestination's GetQueueAttributes and GetQueueUrl).
    expect(toQueue.Action).toBe('sqs:SendMessage');
    expect(toQueue.Resource).toEqual({ 'Fn::GetAtt': [queueId, 'Arn'] });
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

test('a dead-letter queue encrypted with a KMS key: the handler roles may use that key to send, and nothing more', () => {
  const stack = newStack();
  const key = new kms.Key(stack, 'DlqKey');
  const queue = new sqs.Queue(stack, 'Dlq', { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: key });
  new StripeEventBridgeIntegration(stack, 'Stripe', {
    eventBus: StripeEventBus.fromPartnerEventSource(TEST_EVENT_SOURCE),
    deadLetterQueue: queue,
    handlers: { 'checkout.session.completed': inlineHandler({ name: 'Orders' }) },
  });
  const template = Template.fromStack(stack);
  const [[keyId]] = resourcesOf(template, 'AWS::KMS::Key');
  const [[queueId]] = resourcesOf(template, 'AWS::SQS::Queue');
  const [[, policy]] = resourcesOf(template, 'AWS::IAM::Policy');
  expect(policy.Properties.PolicyDocument.Statement).toEqual(expect.arrayContaining([
    { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: { 'Fn::GetAtt': [queueId, 'Arn'] } },
    { Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [keyId, 'Arn'] } },
  ]));
  template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } } });
});

test("the alarm topic's key (alarms.encryptTopic) lets CloudWatch use it only for this account's alarms in this region", () => {
  const template = synth({ alarms: { encryptTopic: true } });
  const [[, key]] = resourcesOf(template, 'AWS::KMS::Key');
  const forCloudWatch = key.Properties.KeyPolicy.Statement.filter((st: any) => st.Principal?.Service === 'cloudwatch.amazonaws.com');
  expect(forCloudWatch).toEqual([
    {
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Resource: '*',
      Condition: {
        StringEquals: { 'aws:SourceAccount': '123456789012' },
        ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:us-east-1:123456789012:alarm:*']] } },
      },
    },
  ]);
});
