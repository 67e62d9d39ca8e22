/** What a StripeEventHandler gets from the route it is bound to, and what it gives back. */
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';

export interface HandlerBindOptions {
  /** The handler's name (construct ids, key prefix, metric dimension). */
  readonly name: string;
  /** The event-type keys the handler is bound for, for descriptions. */
  readonly eventTypes: readonly string[];
  /** The wrapper's own environment (table, key prefix, record lifetime, …). */
  readonly wrapperEnvironment: Readonly<Record<string, string>>;
  /** Retention of a log group the handler creates. */
  readonly logRetention: logs.RetentionDays;
}

export interface HandlerBinding {
  /** The function that receives the route's events. */
  readonly function: lambda.IFunction;
  /** Where the function logs, when that is known. */
  readonly logGroup?: logs.ILogGroup;
}
