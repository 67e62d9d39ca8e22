/**
 * A Lambda function with its own role and its own log group, written by that role only: instead of
 * AWSLambdaBasicExecutionRole's `logs:*` on every group. Used for handler functions and for the
 * destination provider's functions.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface LoggedFunctionProps extends Omit<lambda.FunctionProps, 'role' | 'logGroup'> {
  /** The function's role, when the caller created it already; otherwise one is created with `roleDescription`. */
  readonly role?: iam.Role;
  /** The description of the role created for the function. */
  readonly roleDescription?: string;
  readonly logRetention: logs.RetentionDays;
  /** Construct ids of the role (when created here), the log group and the function. */
  readonly ids: { readonly role: string; readonly logGroup: string; readonly function: string };
}

export interface LoggedFunction {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  /** Retained on deletion: the logs of what happened outlive the stack. */
  readonly logGroup: logs.LogGroup;
}

export function createLoggedFunction(scope: Construct, props: LoggedFunctionProps): LoggedFunction {
  const { roleDescription, logRetention, ids, role: given, ...functionProps } = props;
  const logGroup = new logs.LogGroup(scope, ids.logGroup, { retention: logRetention, removalPolicy: RemovalPolicy.RETAIN });
  const role = given ?? new iam.Role(scope, ids.role, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description: roleDescription });
  logGroup.grantWrite(role);
  const fn = new lambda.Function(scope, ids.function, { ...functionProps, role, logGroup });
  return { function: fn, role, logGroup };
}
