/**
 * What a message in the integration's dead-letter queue says: the original EventBridge event, the
 * function that should have processed it, and why it failed. Two writers put messages there:
 *
 * - EventBridge, for an event it could not deliver to a rule's target. The body is the event itself;
 *   message attributes RULE_ARN, TARGET_ARN, ERROR_CODE and ERROR_MESSAGE say where it was going and why
 *   (docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html).
 * - Lambda, for an asynchronous invocation that failed after its retries (the function's on-failure
 *   destination). The body is an invocation record: `requestContext.functionArn`, `requestPayload` (the
 *   event), `responsePayload` (the error)
 *   (docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html).
 */

export interface DeadLetterMessage {
  readonly messageId: string;
  readonly body: string;
  /** SQS message attributes, as string values. */
  readonly attributes: Record<string, string | undefined>;
}

export interface DeadLetter {
  /** Which service wrote the message. */
  readonly origin: 'eventbridge' | 'lambda';
  /** The function to re-invoke (without a version qualifier). */
  readonly functionArn: string;
  /** The original EventBridge event, unchanged. */
  readonly event: Record<string, unknown>;
  /** Why it ended here, as the writer reported it. */
  readonly reason: string;
  /** The Stripe event id and type, when the event carries them (for logs). */
  readonly stripeEventId?: string;
  readonly stripeEventType?: string;
}

/** A message the redrive cannot act on; it stays in the queue. */
export class UnrecognizedDeadLetterError extends Error {
  public readonly name = 'UnrecognizedDeadLetterError';
}

const FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9-_]+/;

function functionArnOf(arn: unknown, messageId: string): string {
  const match = typeof arn === 'string' ? FUNCTION_ARN.exec(arn) : null;
  if (!match) {
    throw new UnrecognizedDeadLetterError(`message ${messageId}: ${JSON.stringify(arn)} is not a Lambda function ARN`);
  }
  // `…:function:name:$LATEST` → `…:function:name`: re-invoke the function as EventBridge does.
  return match[0];
}

function stripeFields(event: Record<string, unknown>): Pick<DeadLetter, 'stripeEventId' | 'stripeEventType'> {
  const detail = event.detail as Record<string, unknown> | undefined;
  return {
    stripeEventId: typeof detail?.id === 'string' ? detail.id : undefined,
    stripeEventType: typeof event['detail-type'] === 'string' ? (event['detail-type'] as string) : undefined,
  };
}

export function parseDeadLetter(message: DeadLetterMessage): DeadLetter {
  let body: unknown;
  try {
    body = JSON.parse(message.body);
  } catch {
    throw new UnrecognizedDeadLetterError(`message ${message.messageId}: the body is not JSON`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new UnrecognizedDeadLetterError(`message ${message.messageId}: the body is not a JSON object`);
  }
  const record = body as Record<string, any>;

  if (message.attributes.TARGET_ARN !== undefined) {
    const code = message.attributes.ERROR_CODE ?? 'unknown error';
    const detail = message.attributes.ERROR_MESSAGE ? `: ${message.attributes.ERROR_MESSAGE}` : '';
    return {
      origin: 'eventbridge',
      functionArn: functionArnOf(message.attributes.TARGET_ARN, message.messageId),
      event: record,
      reason: `EventBridge could not deliver it (${code}${detail})`,
      ...stripeFields(record),
    };
  }

  if (record.requestContext && typeof record.requestContext === 'object' && 'requestPayload' in record) {
    const payload = record.requestPayload;
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      throw new UnrecognizedDeadLetterError(`message ${message.messageId}: the invocation record's requestPayload is not an event object`);
    }
    const error = record.responsePayload as { errorType?: string; errorMessage?: string } | undefined;
    const condition = record.requestContext.condition ?? 'failed';
    const why = error?.errorMessage ? `${error.errorType ?? 'Error'}: ${error.errorMessage}` : condition;
    return {
      origin: 'lambda',
      functionArn: functionArnOf(record.requestContext.functionArn, message.messageId),
      event: payload,
      reason: `the handler failed after ${record.requestContext.approximateInvokeCount ?? '?'} attempts (${condition}; ${why})`,
      ...stripeFields(payload),
    };
  }

  throw new UnrecognizedDeadLetterError(
    `message ${message.messageId}: neither an EventBridge dead letter (no TARGET_ARN attribute) nor a Lambda invocation record (no requestContext)`,
  );
}
