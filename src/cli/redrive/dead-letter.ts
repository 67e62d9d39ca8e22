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
import { StripeEventBridgeError } from '../../contract/errors';

export interface DeadLetterMessage {
  readonly messageId: string;
  readonly body: string;
  /** SQS message attributes, as string values. */
  readonly attributes: Record<string, string | undefined>;
}

/** A function as a dead letter names it: its unqualified ARN and, when the ARN had one, its qualifier. */
export interface FunctionTarget {
  /** `arn:<partition>:lambda:<region>:<account>:function:<name>`. */
  readonly arn: string;
  readonly region: string;
  readonly account: string;
  readonly name: string;
  /** A version number, an alias name or `$LATEST`, as the message gave it. */
  readonly qualifier?: string;
}

export interface DeadLetter {
  /** Which service wrote the message. */
  readonly origin: 'eventbridge' | 'lambda';
  /** The function the event was meant for, with its qualifier: it is re-invoked exactly so. */
  readonly target: FunctionTarget;
  /** The original EventBridge event, unchanged. */
  readonly event: Record<string, unknown>;
  /** Why it ended here, as the writer reported it. */
  readonly reason: string;
  /**
   * The wrapper's InvalidStripeEventError message when the handler's failure was the wrapper rejecting the
   * event (a poison message: redriving it fails the same way every time).
   */
  readonly rejectedAsInvalid?: string;
  /** The Stripe event id and type, when the event carries them (for logs). */
  readonly stripeEventId?: string;
  readonly stripeEventType?: string;
}

/** A message the redrive cannot act on; it stays in the queue. */
export class UnrecognizedDeadLetterError extends StripeEventBridgeError {
  public readonly name = 'UnrecognizedDeadLetterError';
}

/**
 * A Lambda function ARN, unqualified or with its qualifier: a version, an alias or `$LATEST`
 * (docs.aws.amazon.com/lambda/latest/api/API_Invoke.html: function names are letters, digits, `-` and `_`;
 * aliases are letters, digits, `-` and `_` and do not start with a digit).
 */
const FUNCTION_ARN = /^(arn:aws[a-z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]{1,64}))(?::(\$LATEST|\d+|[A-Za-z_-][A-Za-z0-9_-]{0,127}))?$/;

function targetOf(arn: unknown, messageId: string): FunctionTarget {
  const match = typeof arn === 'string' ? FUNCTION_ARN.exec(arn) : null;
  if (!match) {
    throw new UnrecognizedDeadLetterError(`message ${messageId}: ${JSON.stringify(arn)} is not a Lambda function ARN`);
  }
  // The qualifier is kept: `…:Orders:live` is re-invoked as the alias `live`, never as $LATEST.
  return { arn: match[1], region: match[2], account: match[3], name: match[4], qualifier: match[5] };
}

/** `arn…:function:Orders:live`, or the unqualified ARN. */
export function describeTarget(target: FunctionTarget): string {
  return target.qualifier === undefined ? target.arn : `${target.arn}:${target.qualifier}`;
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
      target: targetOf(message.attributes.TARGET_ARN, message.messageId),
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
      target: targetOf(record.requestContext.functionArn, message.messageId),
      event: payload,
      reason: `the handler failed after ${record.requestContext.approximateInvokeCount ?? '?'} attempts (${condition}; ${why})`,
      // The wrapper's own rejection (src/lambda/wrapper/envelope.ts): the same event fails the same way again.
      rejectedAsInvalid: error?.errorType === 'InvalidStripeEventError' && typeof error.errorMessage === 'string' ? error.errorMessage : undefined,
      ...stripeFields(payload),
    };
  }

  throw new UnrecognizedDeadLetterError(
    `message ${message.messageId}: neither an EventBridge dead letter (no TARGET_ARN attribute) nor a Lambda invocation record (no requestContext)`,
  );
}
