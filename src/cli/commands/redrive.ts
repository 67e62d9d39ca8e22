/**
 * `stripe-eventbridge redrive`: hands the events in an integration's dead-letter queue back to their
 * functions (see src/cli/redrive/redrive.ts). Uses the AWS SDK's usual credentials and endpoint settings
 * (AWS_PROFILE, AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL_LAMBDA, …); the region is the queue's, from its URL.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { ENV_STRIPE_API_BASE } from '../../contract/reconcile';
import { createStripeClient } from '../../reconcile/stripe-events';
import { CliCommand, CliIo, EXIT_INVALID, EXIT_NO, EXIT_OK, parseOptions, UsageError } from '../command';
import { ENV_STRIPE_API_KEY, stripeKey, StripeKeyError } from '../reconcile/stripe-key';
import { regionOfQueueUrl } from '../redrive/queue';
import { redrive, RedriveSummary } from '../redrive/redrive';

const HELP = `Usage:
  stripe-eventbridge redrive --queue-url <url> [--dry-run] [--limit <n>] [--functions <name,…>]
                             [--poison-queue-url <url>] [--force] [--visibility-timeout <seconds>] [--region <region>]
                             [--secret <id>] [--stripe-api-base <url>]

Reads the integration's dead-letter queue and re-invokes, asynchronously, the function each Stripe event
was meant for (with the version or alias the message names), with the original event; a message is
deleted only after Lambda accepted the event.

Only the integration's own functions are invoked: those whose failed invocations go to this queue
(Lambda's asynchronous invocation configuration says so), in the queue's account and region. A message
naming any other function stays in the queue, with the reason printed; anyone who can send to the queue
can write one.

With a Stripe key (${ENV_STRIPE_API_KEY}, or --secret), each event is verified with Stripe before it is invoked
(GET /v1/events/{id}: it exists on the account the message names, with the same type, account, livemode,
creation time and object, and the same data when both were rendered with the same API version). An event
that fails is forged: never invoked, left in the queue (or moved, with --poison-queue-url). Without a key,
the bodies are not verified, and the summary says so. A restricted key with Read access to Events is enough.

Also left in the queue, each with its reason: messages that are not dead letters; poison,
events the wrapper rejects as invalid (they would fail the same way again); and events older than their
function's idempotency record lifetime (its STRIPE_EB_IDEMPOTENCY_TTL_SECONDS), counted from the Stripe
event's creation: their record may be gone, so their handler would run again. Within the lifetime, an
event that was in fact processed is a duplicate to the wrapper and its business effect does not repeat.

Options:
  --queue-url <url>           The dead-letter queue (the integration's deadLetterQueue).
  --dry-run                   List what would be redriven, and why each message failed or stays; invoke,
                              move and delete nothing.
  --limit <n>                 Handle at most n messages.
  --functions <name,…>        Invoke only these functions (names or ARNs, comma-separated), of those the
                              queue belongs to.
  --poison-queue-url <url>    Move poison and forged messages to this queue (with their reason in the
                              attribute STRIPE_EB_POISON_REASON) instead of leaving them.
  --force                     Redrive events older than the record lifetime too, and say how many: their
                              handlers may run again.
  --visibility-timeout <s>    Seconds each message stays hidden while the run handles it (default 300).
  --region <region>           The AWS region (default: the queue's, from its URL; else the SDK's).
  --secret <id>               A Secrets Manager secret (ARN or name) holding the Stripe key to verify with.
                              Without it, the key is read from ${ENV_STRIPE_API_KEY}; without either, the
                              bodies are not verified. The key is never taken as an option value.
  --stripe-api-base <url>     Send Stripe requests here instead (stripe-mock, a local stand-in of the
                              Events API), e.g. http://127.0.0.1:12111.

Exit code: 0 when every message handled was redriven (or listed, in a dry run); 1 when some stay in the
queue, were moved or could not be deleted; 2 for bad options and a Stripe key that cannot be used.`;

function wholeNumber(name: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} needs a whole number from ${min} to ${max}, got '${text}'`);
  return n;
}

function clean(summary: RedriveSummary): boolean {
  const left = summary.failed + summary.unrecognized + summary.refused + summary.poison + summary.forged + summary.unverified
    + summary.tooOld + summary.notDeleted + summary.notAttempted;
  return left === 0;
}

/** The Stripe client to verify with, when a key is given (the environment or --secret); none without one. */
async function stripeFor(env: NodeJS.ProcessEnv, secret: string | undefined, apiBase: string | undefined, region: string | undefined, io: CliIo) {
  if (secret === undefined && !env[ENV_STRIPE_API_KEY]?.trim()) return undefined;
  const secrets = new SecretsManagerClient({ region });
  try {
    const { key, from } = await stripeKey(env, secret, () => secrets);
    if (key.startsWith('sk_')) io.err(`note: ${from} holds a secret key (sk_…); a restricted key with only Read access to Events is enough and safer.`);
    return createStripeClient(key, apiBase || env[ENV_STRIPE_API_BASE] || undefined, 'redrive');
  } finally {
    secrets.destroy();
  }
}

export const command: CliCommand = {
  summary: 'Re-invoke the functions of the events in an integration\'s dead-letter queue',
  help: HELP,
  async run(args, io) {
    const options = parseOptions(args, {
      values: ['queue-url', 'limit', 'region', 'functions', 'poison-queue-url', 'visibility-timeout', 'secret', 'stripe-api-base'],
      flags: ['dry-run', 'force'],
    });
    const queueUrl = options.values['queue-url'];
    if (!queueUrl) throw new UsageError('--queue-url is required');
    const limit = wholeNumber('limit', options.values.limit, 1, Number.MAX_SAFE_INTEGER);
    // SQS allows 0 to 43,200 seconds (12 hours); a run needs at least a few to handle a message.
    const visibilityTimeoutSeconds = wholeNumber('visibility-timeout', options.values['visibility-timeout'], 5, 43_200);
    const functions = options.values.functions?.split(',').map((f) => f.trim()).filter((f) => f !== '');
    if (functions !== undefined && functions.length === 0) throw new UsageError('--functions needs at least one function name or ARN');
    const poisonQueueUrl = options.values['poison-queue-url'];
    if (poisonQueueUrl !== undefined && poisonQueueUrl === queueUrl) throw new UsageError('--poison-queue-url must be another queue than --queue-url');
    const region = options.values.region ?? regionOfQueueUrl(queueUrl);
    const apiBase = options.values['stripe-api-base'];
    if (apiBase !== undefined && !/^https?:\/\/[^/]+\/?$/.test(apiBase)) {
      throw new UsageError(`--stripe-api-base takes a base URL such as http://127.0.0.1:12111, got '${apiBase}'`);
    }
    let stripe;
    try {
      stripe = await stripeFor(process.env, options.values.secret, apiBase, region, io);
    } catch (err) {
      if (!(err instanceof StripeKeyError)) throw err;
      io.err(`stripe-eventbridge redrive: ${err.message}`);
      return EXIT_INVALID;
    }
    // An endpoint the user configured (AWS_ENDPOINT_URL_SQS: a VPC endpoint, a local SQS) serves every call,
    // even for a queue URL of the public endpoint, instead of the SDK switching to the URL's host.
    const sqs = new SQSClient({ region, useQueueUrlAsEndpoint: !(process.env.AWS_ENDPOINT_URL_SQS ?? process.env.AWS_ENDPOINT_URL) });
    // Throttled invocations are retried with backoff, the client slowing down to what Lambda accepts.
    const lambda = new LambdaClient({ region, retryMode: 'adaptive', maxAttempts: 8 });
    try {
      const summary = await redrive({
        queueUrl,
        sqs,
        lambda,
        dryRun: options.flags.has('dry-run'),
        force: options.flags.has('force'),
        limit,
        functions,
        poisonQueueUrl,
        visibilityTimeoutSeconds,
        stripe,
        log: io.out,
      });
      return clean(summary) && summary.movedPoison === 0 ? EXIT_OK : EXIT_NO;
    } finally {
      sqs.destroy();
      lambda.destroy();
    }
  },
};
