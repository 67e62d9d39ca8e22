/**
 * The dead-letter queue as the redrive sees it: where it is (region and account, from its URL and its
 * ARN), and the SQS calls that keep a message hidden while it is handled, show it again, move it or
 * delete it.
 */
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  Message,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';

/**
 * The region in an SQS queue URL: `https://sqs.<region>.amazonaws.com/<account>/<name>` (also `.api.aws`,
 * `.amazonaws.com.cn`, `sqs-fips.`), or the legacy `https://<region>.queue.amazonaws.com/…`
 * (docs.aws.amazon.com/general/latest/gr/sqs-service.html). Undefined for any other endpoint (a local one).
 */
export function regionOfQueueUrl(queueUrl: string): string | undefined {
  let host: string;
  try {
    host = new URL(queueUrl).hostname;
  } catch {
    return undefined;
  }
  const match = /^sqs(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d+)\.(?:amazonaws\.com(?:\.cn)?|api\.aws)$/.exec(host)
    ?? /^([a-z]{2}(?:-[a-z]+)+-\d+)\.queue\.amazonaws\.com(?:\.cn)?$/.exec(host);
  return match?.[1];
}

/** A queue's ARN, and the region and account in it: `arn:<partition>:sqs:<region>:<account>:<name>`. */
export interface QueueIdentity {
  readonly arn: string;
  readonly region: string;
  readonly account: string;
}

export async function queueIdentity(sqs: SQSClient, queueUrl: string): Promise<QueueIdentity> {
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  const arn = out.Attributes?.QueueArn ?? '';
  const match = /^arn:[a-z-]+:sqs:([^:]*):(\d*):[^:]+$/.exec(arn);
  if (!match) throw new Error(`the queue ${queueUrl} reported no usable ARN (${JSON.stringify(arn)})`);
  return { arn, region: match[1], account: match[2] };
}

/** SQS calls on one queue's received messages; errors are returned, never thrown, so one failure ends nothing. */
export class QueueMessages {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  /** Keeps the message hidden for `seconds` more (a fresh lease before it is handled). */
  async hide(receiptHandle: string, seconds: number): Promise<Error | undefined> {
    return this.attempt(() =>
      this.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: this.queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: seconds })),
    );
  }

  /** Makes the message visible again at once (it stays in the queue for the next run). */
  async show(receiptHandle: string): Promise<Error | undefined> {
    return this.hide(receiptHandle, 0);
  }

  async delete(receiptHandle: string): Promise<Error | undefined> {
    return this.attempt(() => this.sqs.send(new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: receiptHandle })));
  }

  /** Sends a copy of the message, body and attributes, to another queue, with the reason it was moved. */
  async copyTo(targetUrl: string, message: Message, reason: string): Promise<Error | undefined> {
    const attributes = { ...(message.MessageAttributes ?? {}), STRIPE_EB_POISON_REASON: { DataType: 'String', StringValue: reason.slice(0, 1024) } };
    return this.attempt(() => this.sqs.send(new SendMessageCommand({ QueueUrl: targetUrl, MessageBody: message.Body ?? '', MessageAttributes: attributes })));
  }

  private async attempt(call: () => Promise<unknown>): Promise<Error | undefined> {
    try {
      await call();
      return undefined;
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  }
}
