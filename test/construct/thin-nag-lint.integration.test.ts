/**
 * An integration of thin and snapshot events, as docs/thin-events.md builds it (two destinations, two partner
 * buses, handlers on either and on both, the Stripe key secret of context.stripe), passes cdk-nag's
 * AwsSolutions pack with nothing for its users to acknowledge beyond what the snapshot stack has, and cfn-lint
 * finds no error in its template.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { StripeEventBridgeIntegration, StripeEventBus, StripeEventDestination, StripeEventPayload } from '../../src';
import { cfnLint } from '../support/cfn-lint';
import { REPO_ROOT } from '../support/readme';
import { inlineHandler } from '../support/stacks';

function thinApp(outdir?: string): Stack {
  const app = new App(outdir ? { outdir } : {});
  const stack = new Stack(app, 'ThinStack', { env: { account: '123456789012', region: 'us-east-1' } });
  const manageKey = secretsmanager.Secret.fromSecretCompleteArn(stack, 'ManageKey', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe/event-destinations-AbCdEf');
  const readKey = secretsmanager.Secret.fromSecretCompleteArn(stack, 'ReadKey', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe/handlers-read-AbCdEf');
  const orders = inlineHandler({ name: 'Orders' });
  new StripeEventBridgeIntegration(stack, 'Stripe', {
    eventBus: StripeEventBus.fromDestination(new StripeEventDestination(stack, 'Snapshots', { apiKeySecret: manageKey })),
    thinEventBus: StripeEventBus.fromDestination(new StripeEventDestination(stack, 'Thins', { apiKeySecret: manageKey, eventPayload: StripeEventPayload.THIN })),
    stripeApiKeySecret: readKey,
    handlers: {
      'checkout.session.completed': orders,
      'v1.checkout.session.completed': orders,
      'v2.core.account.*': inlineHandler({ name: 'Accounts' }),
      'v1.billing.meter.error_report_triggered': inlineHandler({ name: 'MeterErrors' }),
    },
  });
  return stack;
}

test('cdk-nag: no unacknowledged AwsSolutions finding, and no acknowledgement a snapshot stack with a destination does not have', () => {
  const stack = thinApp();
  Aspects.of(stack).add(new AwsSolutionsChecks({ verbose: true, logIgnores: true }));
  const annotations = Annotations.fromStack(stack);
  const findings = [
    ...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-')),
    ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-')),
  ].map((f) => `${f.id}: ${String(f.entry.data)}`);
  expect(findings).toEqual([]);
  const acknowledged = annotations.findInfo('*', Match.stringLikeRegexp('was triggered but suppressed')).map((f) => {
    const rule = /(AwsSolutions-[A-Z0-9]+) was triggered/.exec(String(f.entry.data))![1];
    // One destination's acknowledgements, as in the snapshot stack, each once per destination.
    return `${f.id.replace(/^\/ThinStack\/(Snapshots|Thins)\//, '/ThinStack/<destination>/')} ${rule}`;
  });
  expect([...new Set(acknowledged)].sort()).toEqual([
    '/ThinStack/<destination>/IsCompleteServiceRole/DefaultPolicy/Resource AwsSolutions-IAM5',
    '/ThinStack/<destination>/Provider/framework-isComplete/Resource AwsSolutions-L1',
    '/ThinStack/<destination>/Provider/framework-onEvent/Resource AwsSolutions-L1',
    '/ThinStack/<destination>/Provider/framework-onTimeout/Resource AwsSolutions-L1',
    '/ThinStack/<destination>/Provider/waiter-state-machine/Resource AwsSolutions-SF1',
    '/ThinStack/<destination>/Provider/waiter-state-machine/Resource AwsSolutions-SF2',
    '/ThinStack/<destination>/Provider/waiter-state-machine/Role/DefaultPolicy/Resource AwsSolutions-IAM5',
    '/ThinStack/<destination>/ProviderOnEventRole/DefaultPolicy/Resource AwsSolutions-IAM5',
    '/ThinStack/<destination>/ProviderWaiterRole/DefaultPolicy/Resource AwsSolutions-IAM5',
    '/ThinStack/Stripe/DeadLetterQueue/Resource AwsSolutions-SQS3',
  ]);
});

test('cfn-lint finds no error in the template', async () => {
  const outdir = path.join(REPO_ROOT, '.tmp', 'thin-nag-lint');
  fs.rmSync(outdir, { recursive: true, force: true });
  const stack = thinApp(outdir);
  (stack.node.root as App).synth();
  const template = path.join(outdir, 'ThinStack.template.json');
  expect(JSON.parse(fs.readFileSync(template, 'utf8')).Resources).toBeDefined();
  const findings = await cfnLint([template]);
  expect(findings.filter((f) => f.rule.startsWith('E'))).toEqual([]);
  // As for every stack of the library: W3005, the DependsOn CDK adds from a function to its role's policy alongside the role's GetAtt.
  expect(findings.filter((f) => f.rule !== 'W3005')).toEqual([]);
}, 300_000);
