/**
 * Hands the events in the integration's dead-letter queue back to their functions. Each message is
 * re-invoked asynchronously (as EventBridge invokes: the function's retries and on-failure destination
 * apply again) and deleted only after Lambda accepted the invocation. The wrapper's idempotency makes a
 * redrive of an event that was in fact processed a harmless duplicate.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DeadLetter, parseDeadLetter } from './dead-letter';

export interface RedriveOptions {
  readonly queueUrl: string;
  readonly sqs: SQSClient;
  readonly lambda: LambdaClient;
  /** List what would be redriven; invoke and delete nothing. */
  readonly dryRun?: boolean;
  /** Handle at most this many messages. @default - all */
  readonly limit?: number;
  /** Seconds a received message stays hidden from other readers while it is handled. @default 60 */
  readonly visibilityTimeoutSeconds?: number;
  /** One line per message and a summary. @default console.log */
  readonly log?: (line: string) => void;
}

export interface RedriveSummary {
  readonly received: number;
  readonly redriven: number;
  /** Dry run: messages that would be redriven. */
  readonly wouldRedrive: number;
  /** Invocations Lambda did not accept; the messages stay in the queue. */
  readonly failed: number;
  /** Messages that are not dead letters of an integration; they stay in the queue. */
  readonly unrecognized: number;
}

function attributesOf(message: Message): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(message.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue]));
}

function describe(letter: DeadLetter): string {
  const event = letter.stripeEventId ? `${letter.stripeEventType ?? 'event'} ${letter.stripeEventId}` : 'event';
  return `${event} → ${letter.functionArn}`;
}

export async function redrive(options: RedriveOptions): Promise<RedriveSummary> {
  const log = options.log ?? ((line: string) => console.log(line));
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  if (!(limit > 0)) throw new Error(`limit must be a positive number, got ${options.limit}`);
  const counts = { received: 0, redriven: 0, wouldRedrive: 0, failed: 0, unrecognized: 0 };
  const seen = new Set<string>();
  // Messages stay hidden while the run lasts so that each is read once; a dry run shows them again at the end.
  const toReveal: string[] = [];

  while (counts.received < limit) {
    const out = await options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.queueUrl,
        MaxNumberOfMessages: Math.min(10, limit - counts.received),
        MessageAttributeNames: ['All'],
        VisibilityTimeout: options.visibilityTimeoutSeconds ?? 60,
        WaitTimeSeconds: 1,
      }),
    );
    const fresh = (out.Messages ?? []).filter((m) => m.MessageId && !seen.has(m.MessageId));
    if (fresh.length === 0) break;

    for (const message of fresh) {
      seen.add(message.MessageId!);
      counts.received++;
      let letter: DeadLetter;
      try {
        letter = parseDeadLetter({ messageId: message.MessageId!, body: message.Body ?? '', attributes: attributesOf(message) });
      } catch (err) {
        if (options.dryRun) toReveal.push(message.ReceiptHandle!);
        counts.unrecognized++;
        log(`skip ${message.MessageId}: ${(err as Error).message}; left in the queue`);
        continue;
      }
      if (options.dryRun) {
        toReveal.push(message.ReceiptHandle!);
        counts.wouldRedrive++;
        log(`would redrive ${describe(letter)} (${letter.origin}: ${letter.reason})`);
        continue;
      }
      try {
        const result = await options.lambda.send(
          new InvokeCommand({ FunctionName: letter.functionArn, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(letter.event)) }),
        );
        if (result.StatusCode !== 202) throw new Error(`Lambda answered ${result.StatusCode}, not 202 Accepted`);
      } catch (err) {
        counts.failed++;
        log(`FAILED ${describe(letter)}: ${(err as Error).message}; left in the queue`);
        continue;
      }
      // Deleted only after Lambda accepted the event: a crash in between redrives it again, which the
      // wrapper's idempotency absorbs.
      await options.sqs.send(new DeleteMessageCommand({ QueueUrl: options.queueUrl, ReceiptHandle: message.ReceiptHandle! }));
      counts.redriven++;
      log(`redriven ${describe(letter)}`);
    }
  }

  for (const handle of toReveal) {
    await options.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: options.queueUrl, ReceiptHandle: handle, VisibilityTimeout: 0 }));
  }
  log(
    options.dryRun
      ? `dry run: ${counts.wouldRedrive} would be redriven, ${counts.unrecognized} unrecognized, of ${counts.received} received (nothing invoked or deleted)`
      : `${counts.redriven} redriven, ${counts.failed} failed, ${counts.unrecognized} unrecognized, of ${counts.received} received`,
  );
  return counts;
}
