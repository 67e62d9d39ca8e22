/**
 * How long an idempotency record must live: at least as long as the same Stripe event can come back to the
 * handler by any path the integration creates. Counted from the first processing, the latest arrivals are:
 *
 * - a Stripe retry: Stripe resends for up to 3 days, then EventBridge retries the delivery to the function
 *   (`maxEventAge`) and Lambda its asynchronous invocation (`lambdaMaxEventAge`);
 * - a dead-letter redrive: a copy that failed after those same windows waits in the dead-letter queue for its
 *   retention and is then invoked asynchronously again (Lambda's retries once more);
 * - an archive replay: a copy put on the bus up to Stripe's 3 days later is archived for the archive's
 *   retention, then replayed through EventBridge's and Lambda's retries.
 *
 * The default is the longest of them plus a day's margin, rounded up to whole days (36 days with the
 * defaults: 3 + 30 days + 24 hours + 6 hours for a replay, plus a day). Where a window cannot be read from
 * the app (an imported queue, a token, no archive of the integration's own), the derivation says what it
 * assumed.
 */
import { Duration, Token } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { STRIPE_RETRY_WINDOW_SECONDS } from '../../contract/idempotency';
import { RETRY_LIMITS } from '../defaults';
import { invalid, warn as addWarning } from '../errors';

const DAY = 86_400;
/** SQS keeps messages 4 days unless told otherwise, 14 days at most (docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html, MessageRetentionPeriod). */
const SQS_DEFAULT_RETENTION = 4 * DAY;
const SQS_MAX_RETENTION = 14 * DAY;
const MARGIN = DAY;

export interface RedeliveryInputs {
  /** EventBridge's retry window to the function (a token counts as EventBridge's maximum). */
  readonly maxEventAge: Duration;
  /** Lambda's retry window for an asynchronous invocation (a token counts as Lambda's maximum). */
  readonly lambdaMaxEventAge: Duration;
  /** The dead-letter queue, and whether the integration created it with a known retention. */
  readonly deadLetterQueue: sqs.IQueue;
  readonly createdQueueRetention?: Duration;
  /** The archive's retention: undefined when the integration creates no archive; zero keeps events indefinitely. */
  readonly archiveRetention?: Duration;
}

export interface Window {
  readonly name: string;
  readonly seconds: number;
  /** How the window adds up, e.g. "Stripe's 3 days + 30 days of archive retention + …". */
  readonly parts: string;
}

export interface DerivedLifetime {
  readonly lifetime: Duration;
  /** The longest window, which the lifetime covers with the margin. */
  readonly longest: Window;
  /** What the derivation had to assume, one sentence each. */
  readonly assumptions: string[];
}

/** `24 hours`, `14 days`, `34 days 6 hours`. */
export function human(seconds: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (seconds % 3600 !== 0) return Duration.seconds(seconds).toHumanString();
  const hours = seconds / 3600;
  if (hours < 48) return plural(hours, 'hour');
  return hours % 24 === 0 ? plural(hours / 24, 'day') : `${plural(Math.floor(hours / 24), 'day')} ${plural(hours % 24, 'hour')}`;
}

/** The dead-letter queue's retention, and what was assumed to know it. */
function queueRetention(inputs: RedeliveryInputs, assumptions: string[]): number {
  if (inputs.createdQueueRetention) return inputs.createdQueueRetention.toSeconds();
  const queue = inputs.deadLetterQueue;
  if (queue instanceof sqs.Queue) {
    const period = (queue.node.defaultChild as sqs.CfnQueue).messageRetentionPeriod;
    if (period === undefined) return SQS_DEFAULT_RETENTION;
    if (!Token.isUnresolved(period)) return period;
  }
  assumptions.push(
    `the dead-letter queue's retention cannot be read from the app (${queue.node.path}); assumed SQS's maximum of 14 days`,
  );
  return SQS_MAX_RETENTION;
}

/** Every redelivery window, the longest, and the default lifetime that covers it. */
export function deriveRecordLifetime(inputs: RedeliveryInputs): DerivedLifetime {
  const assumptions: string[] = [];
  const stripe = STRIPE_RETRY_WINDOW_SECONDS;
  const eventBridge = windowOrMax(inputs.maxEventAge, RETRY_LIMITS.maxEventAge.max).toSeconds();
  const lambda = windowOrMax(inputs.lambdaMaxEventAge, RETRY_LIMITS.lambdaMaxEventAge.max).toSeconds();
  const retries = `EventBridge's ${human(eventBridge)} + Lambda's ${human(lambda)}`;
  const queue = queueRetention(inputs, assumptions);
  const windows: Window[] = [
    { name: 'a Stripe retry', seconds: stripe + eventBridge + lambda, parts: `Stripe's 3 days + ${retries}` },
    {
      name: 'a dead-letter queue redrive',
      seconds: stripe + eventBridge + lambda + queue + lambda,
      parts: `Stripe's 3 days + ${retries} + ${human(queue)} in the dead-letter queue + Lambda's ${human(lambda)} again`,
    },
  ];
  const archive = inputs.archiveRetention?.toSeconds();
  if (archive === undefined) {
    assumptions.push('the integration has no archive; assumed that no other archive replays events to its rules');
  } else if (archive === 0) {
    assumptions.push('the archive keeps events indefinitely, which no record lifetime covers: a replay of events older than the record lifetime runs their handlers again');
  } else {
    windows.push({ name: 'an archive replay', seconds: stripe + archive + eventBridge + lambda, parts: `Stripe's 3 days + ${human(archive)} of archive retention + ${retries}` });
  }
  const longest = windows.reduce((a, b) => (b.seconds > a.seconds ? b : a));
  const lifetime = Duration.days(Math.ceil((longest.seconds + MARGIN) / DAY));
  return { lifetime, longest, assumptions };
}

/**
 * The record lifetime to deploy: `explicit` when given (a synth error if it misses a window), else the
 * derived default. With `warn`, every assumption is a warning on `scope`.
 */
export function resolveRecordLifetime(
  scope: IConstruct,
  explicit: Duration | undefined,
  inputs: RedeliveryInputs,
  prop: string,
  warn = true,
): Duration {
  const derived = deriveRecordLifetime(inputs);
  for (const assumption of warn ? derived.assumptions : []) {
    addWarning(
      scope,
      '@babes/stripe-eventbridge:recordLifetimeAssumption',
      `Idempotency record lifetime: ${assumption}. If it is otherwise, set ${prop} to cover the longest time in which the same Stripe event can reach its handler again.`,
    );
  }
  if (explicit === undefined) return derived.lifetime;
  if (explicit.isUnresolved()) return explicit;
  const { longest } = derived;
  if (explicit.toSeconds() < longest.seconds) {
    invalid(
      scope,
      `${prop}: ${explicit.toHumanString()} is shorter than ${human(longest.seconds)}, the longest time in which the same Stripe event can come back ` +
        `(${longest.name}: ${longest.parts}); a copy arriving after its record expired runs the handler again. ` +
        `Remove ${prop} to get the derived ${derived.lifetime.toHumanString()}, set it to at least ${human(longest.seconds)}, or shorten that window.`,
    );
  }
  return explicit;
}

/** A retry window as given, or the service's maximum where it is not known at synth (a token). */
function windowOrMax(given: Duration, max: Duration): Duration {
  return given.isUnresolved() ? max : given;
}

/**
 * A route's record lifetime: the given one, checked against the windows the route knows (its retries and its
 * dead-letter queue, not the archive on the bus), or the one derived from them, with its assumptions as warnings.
 */
export function routeRecordLifetime(
  route: IConstruct,
  given: Duration | undefined,
  windows: { readonly maxEventAge: Duration; readonly lambdaMaxEventAge: Duration; readonly deadLetterQueue: sqs.IQueue },
): Duration {
  return resolveRecordLifetime(route, given, windows, 'recordLifetime', given === undefined);
}
