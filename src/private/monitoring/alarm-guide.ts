/** What each alarm means and what to do: in its description and in the dashboard's guide. */
import type { Duration } from 'aws-cdk-lib';
import { StripeAlarm } from '../../monitoring-options';

export interface AlarmGuideEntry {
  readonly title: string;
  readonly meaning: string;
  readonly action: string;
}

/** Lambda's retry settings, which the guide states as configured. */
export interface RetrySettings {
  readonly lambdaRetryAttempts: number;
  readonly lambdaMaxEventAge: Duration;
}

/** `retried twice`, `retried once`, `not retried`. */
function retried(attempts: number): string {
  if (attempts === 0) return 'not retried';
  return `retried ${attempts === 1 ? 'once' : attempts === 2 ? 'twice' : `${attempts} times`}`;
}

/** What each alarm means and what to do, shown in its description and on the dashboard. */
export function alarmGuide(retry: RetrySettings): Record<StripeAlarm, AlarmGuideEntry> {
  const lambdaRetries = retried(retry.lambdaRetryAttempts);
  const lambdaWindow = retry.lambdaMaxEventAge.toHumanString();
  return {
    [StripeAlarm.LAMBDA_ERRORS]: {
      title: 'Lambda errors',
      meaning: 'invocations of the handler function failed (handler error, timeout, init error or invalid event)',
      action: `Query "failures with their errors" in Logs Insights; failed events are ${lambdaRetries}, then land in the dead-letter queue.`,
    },
    [StripeAlarm.LAMBDA_THROTTLES]: {
      title: 'Lambda throttles',
      meaning: 'the function hit its concurrency limit',
      action: `Lambda retries throttled events for up to ${lambdaWindow}; raise reserved concurrency or the account limit if it persists.`,
    },
    [StripeAlarm.ASYNC_EVENTS_DROPPED]: {
      title: 'Async events dropped',
      meaning: 'Lambda dropped events without delivering them to any destination',
      action: 'Check the function\'s on-failure destination and its permissions; replay the time window from the archive.',
    },
    [StripeAlarm.DESTINATION_DELIVERY_FAILURES]: {
      title: 'Destination delivery failures',
      meaning: 'Lambda could not put failed events in the dead-letter queue',
      action: 'Check the queue exists and the function role may send to it (and use its KMS key); replay the window from the archive.',
    },
    [StripeAlarm.DURATION]: {
      title: 'Duration near timeout',
      meaning: 'p99 duration is close to the function timeout, so invocations are about to time out',
      action: 'Raise the timeout or memory, or speed up the handler; timed-out events are retried.',
    },
    [StripeAlarm.FAILED_EVENTS]: {
      title: 'Failed Stripe events',
      meaning: 'a handler threw on a Stripe event, or its idempotency record could not be written (the wrapper\'s EventsFailed)',
      action: 'Query "failures with their errors"; fix and let the retries or a DLQ redrive reprocess them (idempotency prevents doubles).',
    },
    [StripeAlarm.INVALID_EVENTS]: {
      title: 'Invalid events',
      meaning: 'the function received events that are not valid Stripe snapshot events',
      action: 'Query "failures with their errors" for the reason (thin events need payload "snapshot"); they end in the dead-letter queue.',
    },
    [StripeAlarm.RULE_FAILED_INVOCATIONS]: {
      title: 'Rule failed invocations',
      meaning: 'EventBridge gave up invoking the function after its retries',
      action: 'The events are in the dead-letter queue; check the function exists and EventBridge may invoke it, then redrive.',
    },
    [StripeAlarm.RULE_DLQ_FAILURES]: {
      title: 'Rule DLQ failures',
      meaning: 'EventBridge could not put undeliverable events in the dead-letter queue: they are lost from this path',
      action: 'Fix the queue policy or KMS permissions, then replay the window from the archive.',
    },
    [StripeAlarm.RULE_THROTTLED]: {
      title: 'Rule throttled',
      meaning: 'EventBridge throttled the rule',
      action: 'EventBridge retries throttled events; request a higher invocation quota if it persists.',
    },
    [StripeAlarm.DLQ_MESSAGES]: {
      title: 'Dead-letter queue not empty',
      meaning: 'Stripe events could not be processed and wait in the dead-letter queue',
      action: 'Inspect them (each carries its error), fix the cause, then run `stripe-eventbridge redrive`.',
    },
    [StripeAlarm.DLQ_AGE]: {
      title: 'Dead-letter messages ageing',
      meaning: 'the oldest dead-letter message has waited longer than the threshold; it is deleted when the retention ends',
      action: 'Redrive or archive the messages before the queue retention runs out.',
    },
    [StripeAlarm.TABLE_THROTTLES]: {
      title: 'Idempotency table throttled',
      meaning: 'DynamoDB throttled idempotency requests, so invocations failed before running the handler',
      action: 'The events are retried; check table capacity or account limits.',
    },
    [StripeAlarm.TABLE_SYSTEM_ERRORS]: {
      title: 'Idempotency table errors',
      meaning: 'DynamoDB returned internal errors for idempotency requests',
      action: 'The events are retried; check the AWS Health Dashboard for DynamoDB.',
    },
    [StripeAlarm.THROTTLED_EVENTS]: {
      title: 'Throttled events waiting',
      meaning: `events throttled by a handler's concurrency limit have waited half of the ${lambdaWindow} Lambda keeps them`,
      action: `Lambda retries them (up to 5 minutes apart) until ${lambdaWindow} after they arrived, then they go to the dead-letter queue: raise the limit, or redrive them later.`,
    },
    [StripeAlarm.NO_EVENTS]: {
      title: 'No Stripe events',
      meaning: 'no Stripe event arrived for the whole period',
      action: 'Check the Stripe event destination is enabled and its partner source is associated with the bus (7-day limit).',
    },
  };
}
