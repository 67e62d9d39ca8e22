/**
 * Which functions a redrive may invoke, and what it needs to know about them.
 *
 * A message in the dead-letter queue names its function, and anyone who may send to the queue (every
 * handler role, and any principal with SQS rights in the account) can write one. So the redrive invokes
 * only the integration's own functions, without the operator having to list them: a function belongs to
 * the integration whose dead-letter queue is its asynchronous invocations' on-failure destination (the
 * integration sets exactly that, for every route, with the same queue as the rules' dead-letter queue).
 * Lambda's GetFunctionEventInvokeConfig says so, for the message's qualifier. An explicit list
 * (`--functions`) narrows it further. Anything else stays in the queue, with the reason.
 *
 * Lambda's GetFunctionConfiguration gives the wrapper's settings from the function's environment: the
 * idempotency record lifetime and the accepted source prefix.
 */
import { GetFunctionConfigurationCommand, GetFunctionEventInvokeConfigCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { describeTarget, FunctionTarget } from './dead-letter';
import type { QueueIdentity } from './queue';
import { STRIPE_PARTNER_SOURCE_PREFIX } from '../../contract/stripe';
import { DEFAULT_IDEMPOTENCY_TTL_SECONDS, ENV_IDEMPOTENCY_TTL_SECONDS, ENV_SOURCE_PREFIX, ENV_USER_HANDLER } from '../../contract/wrapper';

/** What the redrive knows of a function it may invoke. */
export interface AllowedFunction {
  readonly allowed: true;
  /** The idempotency record lifetime, when the function is wrapped. */
  readonly recordLifetimeSeconds?: number;
  /** The `source` prefix the wrapper accepts. */
  readonly sourcePrefix: string;
  /** Whether the wrapper runs around the function's code (it has the wrapper's settings). */
  readonly wrapped: boolean;
}

export interface RefusedFunction {
  readonly allowed: false;
  /** Why the function is not invoked, as a sentence. */
  readonly reason: string;
}

export type FunctionVerdict = AllowedFunction | RefusedFunction;

export interface FunctionCheckOptions {
  readonly lambda: LambdaClient;
  readonly queue: QueueIdentity;
  /** Only these functions (names or ARNs, unqualified), besides the on-failure check. @default - every function of the queue */
  readonly only?: readonly string[];
}

function errorText(err: unknown): string {
  const e = err as { name?: string; message?: string };
  return `${e.name ?? 'Error'}: ${e.message ?? String(err)}`;
}

export class FunctionCheck {
  private readonly verdicts = new Map<string, Promise<FunctionVerdict>>();

  constructor(private readonly options: FunctionCheckOptions) {}

  /** The verdict for a function and qualifier, asked of Lambda once per run. */
  check(target: FunctionTarget): Promise<FunctionVerdict> {
    const key = describeTarget(target);
    let verdict = this.verdicts.get(key);
    if (!verdict) {
      verdict = this.decide(target);
      this.verdicts.set(key, verdict);
    }
    return verdict;
  }

  private async decide(target: FunctionTarget): Promise<FunctionVerdict> {
    const { queue, only, lambda } = this.options;
    const refuse = (reason: string): RefusedFunction => ({ allowed: false, reason });
    // Never call into another account or region: the integration's functions are where its queue is.
    if (queue.account !== '' && target.account !== queue.account) {
      return refuse(`it is in account ${target.account}, and this queue and its functions are in account ${queue.account}`);
    }
    if (queue.region !== '' && target.region !== queue.region) {
      return refuse(`it is in ${target.region}, and this queue and its functions are in ${queue.region}`);
    }
    if (only && !only.some((f) => f === target.name || f === target.arn)) {
      return refuse(`it is not among --functions (${only.join(', ')})`);
    }
    const qualifier = target.qualifier ?? '$LATEST';
    let destination: string | undefined;
    try {
      const config = await lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: target.arn, Qualifier: qualifier }));
      destination = config.DestinationConfig?.OnFailure?.Destination;
    } catch (err) {
      if ((err as { name?: string }).name === 'ResourceNotFoundException') {
        return refuse(`it has no asynchronous invocation configuration for ${qualifier} (or does not exist), so this queue is not its on-failure destination`);
      }
      return refuse(`Lambda did not say where its failed invocations go (${errorText(err)})`);
    }
    if (destination !== queue.arn) {
      return refuse(
        `its failed invocations go to ${destination ?? 'no destination'}, not to this queue (${queue.arn}), so it is not one of this integration's functions`,
      );
    }
    try {
      const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: target.arn, Qualifier: qualifier }));
      const env = config.Environment?.Variables ?? {};
      const wrapped = env[ENV_USER_HANDLER] !== undefined;
      const lifetime = Number(env[ENV_IDEMPOTENCY_TTL_SECONDS]);
      return {
        allowed: true,
        wrapped,
        // As the wrapper reads it (src/lambda/wrapper/config.ts): its default when the variable is not set.
        recordLifetimeSeconds: !wrapped ? undefined : Number.isInteger(lifetime) && lifetime > 0 ? lifetime : DEFAULT_IDEMPOTENCY_TTL_SECONDS,
        sourcePrefix: env[ENV_SOURCE_PREFIX] || STRIPE_PARTNER_SOURCE_PREFIX,
      };
    } catch (err) {
      return refuse(`Lambda did not give its configuration (${errorText(err)}), so its record lifetime is unknown`);
    }
  }
}
