/**
 * The custom resource provider of StripeEventDestination: aws-cdk-lib's provider framework
 * (custom-resources Provider: an onEvent function, and an isComplete/onTimeout pair run by a waiter
 * state machine) around the destination's own onEvent and isComplete functions.
 *
 * By default the framework gives each of its functions a role with the AWSLambdaBasicExecutionRole
 * managed policy (logs:CreateLogGroup, CreateLogStream and PutLogEvents on every log group). Here its
 * functions get two roles that may write only the provider's log group; the framework itself adds what
 * it needs to call the destination's functions and start its waiter. The findings left are aws-cdk-lib's
 * choices, acknowledged with their reasons.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { acknowledgeNagFindings } from '../nag-acknowledgements';

export interface DestinationProviderProps {
  readonly onEventHandler: lambda.IFunction;
  readonly isCompleteHandler: lambda.IFunction;
  readonly queryInterval: Duration;
  readonly totalTimeout: Duration;
  readonly logRetention: logs.RetentionDays;
}

/** `<function ARN>:*`: aws-cdk-lib's grantInvoke covers a function's versions and aliases too. */
const QUALIFIED_FUNCTION_ARN = { regex: '/^Resource::<[A-Za-z0-9]+\\.Arn>:\\*$/' };
const INVOKE_REASON =
  "aws-cdk-lib's grantInvoke allows a function and its qualified ARNs ('<function ARN>:*', its versions and aliases); " +
  'these statements name only the provider functions of this StripeEventDestination.';

export function createDestinationProvider(scope: Construct, props: DestinationProviderProps): cr.Provider {
  const logGroup = new logs.LogGroup(scope, 'ProviderLogGroup', { retention: props.logRetention, removalPolicy: RemovalPolicy.RETAIN });
  const role = (id: string, description: string) => {
    const r = new iam.Role(scope, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description });
    logGroup.grantWrite(r);
    return r;
  };
  const onEventRole = role('ProviderOnEventRole', 'Stripe event destination: provider framework onEvent (writes the provider log group only)');
  const waiterRole = role('ProviderWaiterRole', 'Stripe event destination: provider framework isComplete and onTimeout (writes the provider log group only)');

  const provider = new cr.Provider(scope, 'Provider', {
    onEventHandler: props.onEventHandler,
    isCompleteHandler: props.isCompleteHandler,
    queryInterval: props.queryInterval,
    totalTimeout: props.totalTimeout,
    logGroup,
    frameworkOnEventRole: onEventRole,
    frameworkCompleteAndTimeoutRole: waiterRole,
  });

  for (const r of [onEventRole, waiterRole]) {
    acknowledgeNagFindings(r.node.findChild('DefaultPolicy'), [{ id: 'AwsSolutions-IAM5', reason: INVOKE_REASON, appliesTo: [QUALIFIED_FUNCTION_ARN] }]);
  }
  for (const child of provider.node.findAll()) {
    if (child instanceof lambda.CfnFunction) {
      acknowledgeNagFindings(child, [{
        id: 'AwsSolutions-L1',
        reason: "The provider framework's functions are aws-cdk-lib's own: their runtime is chosen by the aws-cdk-lib release in use and moves with it. They run only during deployments.",
      }]);
    } else if (child instanceof sfn.CfnStateMachine) {
      acknowledgeNagFindings(child, [
        {
          id: 'AwsSolutions-SF1',
          reason: 'The waiter only calls the isComplete function until it answers: every attempt is logged in that function\'s own log group, and a failure ' +
            'reaches CloudFormation with its reason. Step Functions logging would need log-delivery permissions on every resource (\'*\').',
        },
        { id: 'AwsSolutions-SF2', reason: 'A one-step poller that runs only during deployments: X-Ray would show nothing that the functions\' logs do not.' },
      ]);
    } else if (child instanceof iam.CfnPolicy && child.node.path.includes('/waiter-state-machine/')) {
      acknowledgeNagFindings(child, [{ id: 'AwsSolutions-IAM5', reason: INVOKE_REASON, appliesTo: [QUALIFIED_FUNCTION_ARN] }]);
    }
  }
  return provider;
}
