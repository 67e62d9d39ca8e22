/**
 * `stripe-eventbridge reconcile --stack`, the commands of docs/operations.md as written, against the README's quick-start
 * app as deployed. CloudFormation (GetTemplate, ListStackResources), the Lambda API (GetFunctionConfiguration,
 * Invoke) and Secrets Manager need an AWS account, so they are mocked here with aws-sdk-client-mock: the
 * template they return is the quick start synthesized, the environments are its functions' with the table
 * resolved, and an accepted invoke runs the synthesized Orders function (wrapper layer and handler from
 * cdk.out). The records are in DynamoDB Local, written by that function; the Stripe account is a local Events
 * API validated against Stripe's v1 OpenAPI spec. The output is the docs' sample.
 */
import { GetTemplateCommand, ListStackResourcesCommand, CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { GetFunctionConfigurationCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { main } from '../../../src/cli/index';
import { LOCAL_AWS_ENV } from '../../../src/cli/local/dynamodb-local';
import { LocalLambdaFunction } from '../../../src/cli/local/local-lambda';
import { createLocalTables } from '../../../src/cli/local/local-tables';
import { SynthesizedStack } from '../../../src/cli/local/synthesized-stack';
import { routesFromStack } from '../../../src/cli/reconcile/deployed-stack';
import { ddbClient, ddbEndpoint, jsonLines } from '../../support/local-stack';
import { readmeBlocks, synthesizeReadmeBlock } from '../../support/readme';
import { DAY, HOUR, stripeEventAt } from '../../support/reconcile-scenario';
import { StripeEventsServer } from '../../support/stripe-events-server';
import { envelope } from '../../support/stripe-samples';

const KEY = 'rk_live_51ReadEventsOnlyExample';
const NESTED_ARN = 'arn:aws:cloudformation:us-east-1:123456789012:stack/Outer-Payments-1AbC/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d';
const cfn = mockClient(CloudFormationClient);
const lambdaApi = mockClient(LambdaClient);
const secrets = mockClient(SecretsManagerClient);
const ddb = ddbClient();
let stripe: StripeEventsServer;
let orders: LocalLambdaFunction;
const previousEnv = { ...process.env };
const readme = readmeBlocks().filter((b) => b.section === 'reconcile');

const events = [
  stripeEventAt('evt_1QBabesCheckoutAva', 'checkout.session.completed', 2 * DAY + 5 * HOUR),
  stripeEventAt('evt_1QBabesCheckoutMia', 'checkout.session.completed', 2 * DAY),
  stripeEventAt('evt_1QBabesCheckoutZoe', 'checkout.session.completed', DAY + 7 * HOUR),
  stripeEventAt('evt_1QBabesCheckoutLeah', 'checkout.session.completed', 9 * HOUR),
];
const delivered = events.filter((e) => e.id !== 'evt_1QBabesCheckoutZoe');

/** Runs the CLI in this process (the AWS SDK mocks live here), as `npx stripe-eventbridge` would. */
async function cli(command: string): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const args = command.replace(/^npx stripe-eventbridge /, '').split(/\s+/);
  const code = await main(args, { out: (t) => out.push(t), err: (t) => err.push(t), readInput: () => '' });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Times change from run to run; everything else must be as the docs show it. */
const withoutTimes = (text: string) => text.replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z/g, '<time>');

beforeAll(async () => {
  const quickstart = readmeBlocks().filter((b) => b.section === 'quickstart-ts');
  const cdkOut = synthesizeReadmeBlock(quickstart.find((b) => b.lang === 'ts')!.code, {
    'handlers/orders.js': quickstart.find((b) => b.lang === 'js')!.code,
    'handlers/memberships.js': 'exports.handler = async () => null;\n',
  }, 'reconcile');
  const stack = SynthesizedStack.load(cdkOut, 'Payments');
  const tables = await createLocalTables(ddb, stack.tables, `reconcile-stack-${Date.now()}-`);
  const physical = (logicalId: string) => `Payments-${logicalId.slice(0, 30)}-1AbCdEfGhIjK`;

  const resources = {
    StackResourceSummaries: Object.entries(stack.resources).map(([logicalId, r]) => ({
      LogicalResourceId: logicalId,
      PhysicalResourceId: r.Type === 'AWS::DynamoDB::Table' ? tables[logicalId] : physical(logicalId),
      ResourceType: r.Type,
      ResourceStatus: 'CREATE_COMPLETE' as const,
      LastUpdatedTimestamp: new Date(),
    })),
  };
  cfn.on(GetTemplateCommand, { StackName: 'Payments', TemplateStage: 'Original' }).resolves({ TemplateBody: JSON.stringify(stack.template) });
  // The same app one level down, as a nested stack of 'Outer'.
  cfn.on(GetTemplateCommand, { StackName: NESTED_ARN, TemplateStage: 'Original' }).resolves({ TemplateBody: JSON.stringify(stack.template) });
  const outer = { Resources: { Payments: { Type: 'AWS::CloudFormation::Stack' } } };
  cfn.on(GetTemplateCommand, { StackName: 'Outer', TemplateStage: 'Original' }).resolves({ TemplateBody: JSON.stringify(outer) });
  cfn.on(ListStackResourcesCommand, { StackName: 'Outer' }).resolves({
    StackResourceSummaries: [
      { LogicalResourceId: 'Payments', PhysicalResourceId: NESTED_ARN, ResourceType: 'AWS::CloudFormation::Stack', ResourceStatus: 'CREATE_COMPLETE', LastUpdatedTimestamp: new Date() },
    ],
  });
  cfn.on(ListStackResourcesCommand, { StackName: 'Payments' }).resolves(resources);
  cfn.on(ListStackResourcesCommand, { StackName: NESTED_ARN }).resolves(resources);
  const local = { ...LOCAL_AWS_ENV, AWS_ENDPOINT_URL_DYNAMODB: ddbEndpoint() };
  const specs = new Map(stack.functions.map((f) => [physical(f.logicalId), stack.localSpec(f, (id) => tables[id], local)]));
  lambdaApi.on(GetFunctionConfigurationCommand).callsFake(({ FunctionName }) => {
    const spec = specs.get(FunctionName)!;
    const FunctionArn = `arn:aws:lambda:us-east-1:123456789012:function:${FunctionName}`;
    return { FunctionName, FunctionArn, Environment: { Variables: spec.environment } };
  });
  secrets.on(GetSecretValueCommand, { SecretId: 'stripe/read-events' }).resolves({ SecretString: KEY, Name: 'stripe/read-events' });

  orders = new LocalLambdaFunction(specs.get(physical(stack.functions.find((f) => f.name === 'Orders')!.logicalId))!);
  for (const e of delivered) expect((await orders.invoke(envelope(e))).ok).toBe(true);
  stripe = await StripeEventsServer.start({ apiKey: KEY });
  stripe.seed(...events);
  Object.assign(process.env, { ...LOCAL_AWS_ENV, AWS_ENDPOINT_URL_DYNAMODB: ddbEndpoint(), STRIPE_EB_STRIPE_API_BASE: stripe.url });
  delete process.env.STRIPE_API_KEY;
}, 120_000);

afterAll(async () => {
  process.env = previousEnv;
  orders?.close();
  await stripe?.close();
  ddb.destroy();
  cfn.restore();
  lambdaApi.restore();
  secrets.restore();
});

test('the docs\' question, answered by its one command (CloudFormation, Lambda and Secrets Manager mocked: they need an account)', async () => {
  const command = readme.find((b) => b.lang === 'sh')!.code;
  expect(command).toBe('npx stripe-eventbridge reconcile --stack Payments --handler Orders --since 3d --secret stripe/read-events');
  const result = await cli(command);
  expect(result.err).toBe('');
  expect(result.code).toBe(1);
  const sample = readme.find((b) => b.lang === 'text')!.code;
  expect(withoutTimes(result.out)).toBe(withoutTimes(sample));
  expect(stripe.violations).toEqual([]);
  expect(cfn.commandCalls(GetTemplateCommand)[0].args[0].input).toEqual({ StackName: 'Payments', TemplateStage: 'Original' });
});

test('the docs\' backfill commands: a dry run, then the missing checkout processed once by the Orders function (Lambda mocked)', async () => {
  const [dryRun, send] = readme.filter((b) => b.lang === 'sh')[1].code.split('\n').map((l) => l.replace(/\s+#.*$/, ''));
  lambdaApi.on(InvokeCommand).callsFake(async ({ FunctionName, InvocationType, Payload }) => {
    expect(InvocationType).toBe('Event');
    expect(FunctionName).toMatch(/^Payments-StripeOrdersFunction/);
    const run = await orders.invoke(JSON.parse(Buffer.from(Payload).toString('utf8')));
    expect(jsonLines(run.logs).find((l) => l.outcome)?.outcome).toBe('processed');
    return { StatusCode: 202 };
  });
  const dry = await cli(dryRun);
  expect(dry.out).toMatch(/^would send evt_1QBabesCheckoutZoe \(checkout\.session\.completed, \S+\) → Orders$/m);
  expect(lambdaApi.commandCalls(InvokeCommand)).toHaveLength(0);
  const sent = await cli(send);
  expect(sent.code).toBe(0);
  expect(sent.out).toContain('backfill: 1 of 1 missing events sent to their functions, 0 failed');
  expect(lambdaApi.commandCalls(InvokeCommand)).toHaveLength(1);
  expect((await cli(send)).out).toContain('OK: every event the rules take reached its handler.');
});

test('--stack follows nested stacks to the handlers\' functions (CloudFormation and Lambda mocked)', async () => {
  const routes = await routesFromStack(new CloudFormationClient({}), new LambdaClient({}), 'Outer');
  expect(routes.map((r) => [r.handler, r.functionName.replace(/-1AbCdEfGhIjK$/, ''), r.idempotency?.keyPrefix])).toEqual([
    ['Orders', expect.stringMatching(/^Payments-StripeOrdersFunction/), 'Payments/Stripe.Orders'],
    ['Memberships', expect.stringMatching(/^Payments-StripeMembershipsFunction/), 'Payments/Stripe.Memberships'],
  ]);
  const source = 'aws.partner/stripe.com/ed_61RbFxDsJ2cTpQk7b16RaKa7L4SQ0bVIVs1A8q06eRfY';
  expect(routes[0].envelopes.snapshot).toEqual({ source, account: '123456789012', region: 'us-east-1' });
  expect(routes.every((r) => r.patterns.thin.length === 0)).toBe(true);
});
