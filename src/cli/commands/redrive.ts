/**
 * `stripe-eventbridge redrive`: hands the events in an integration's dead-letter queue back to their
 * functions (see src/cli/redrive/redrive.ts). Uses the AWS SDK's usual credentials, region and endpoint
 * settings (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL_LAMBDA, …).
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { CliCommand, EXIT_NO, EXIT_OK, parseOptions, UsageError } from '../command';
import { redrive } from '../redrive/redrive';

const HELP = `Usage:
  stripe-eventbridge redrive --queue-url <url> [--dry-run] [--limit <n>] [--region <region>]

Reads the integration's dead-letter queue and re-invokes, asynchronously, the function each Stripe event
was meant for, with the original event; a message is deleted only after Lambda accepted the event.
Messages it cannot use stay in the queue. Events that were in fact processed are duplicates to the
wrapper's idempotency, so a redrive never repeats a business effect.

Options:
  --queue-url <url>  The dead-letter queue (the integration's deadLetterQueue).
  --dry-run          List what would be redriven and why each message failed; invoke and delete nothing.
  --limit <n>        Handle at most n messages.
  --region <region>  The AWS region (default: the SDK's, e.g. AWS_REGION).

Exit code: 0 when every message handled was redriven (or listed, in a dry run); 1 when some stay in the
queue; 2 for bad options.`;

export const command: CliCommand = {
  summary: 'Re-invoke the functions of the events in an integration\'s dead-letter queue',
  help: HELP,
  async run(args, io) {
    const options = parseOptions(args, { values: ['queue-url', 'limit', 'region'], flags: ['dry-run'] });
    const queueUrl = options.values['queue-url'];
    if (!queueUrl) throw new UsageError('--queue-url is required');
    let limit: number | undefined;
    if (options.values.limit !== undefined) {
      limit = Number(options.values.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit needs a whole number of at least 1, got '${options.values.limit}'`);
    }
    const region = options.values.region;
    const sqs = new SQSClient({ region });
    const lambda = new LambdaClient({ region });
    try {
      const summary = await redrive({ queueUrl, sqs, lambda, dryRun: options.flags.has('dry-run'), limit, log: io.out });
      return summary.failed + summary.unrecognized === 0 ? EXIT_OK : EXIT_NO;
    } finally {
      sqs.destroy();
      lambda.destroy();
    }
  },
};
