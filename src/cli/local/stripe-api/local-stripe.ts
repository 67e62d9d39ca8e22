/**
 * The Stripe side of a replay: when the app's functions may call Stripe (a function of thin events, or one with a
 * Stripe key secret) or the stream holds thin events, a local Stripe API (server.ts) with the objects the stream refers
 * to (objects.ts, from `--stripe-objects` and from the stream), and a local Secrets Manager that gives every function's
 * key secret the one key that API takes. The functions get both endpoints in their environment.
 */
import { StripeObjects } from './objects';
import { LOCAL_STRIPE_API_KEY, LocalStripeApi, StripeApiRequest } from './server';
import { StripeV2Spec } from './spec';
import { StripeEventBridgeError } from '../../../contract/errors';
import { ENV_STRIPE_API_BASE } from '../../../contract/reconcile';
import { ENV_EVENT_PAYLOADS, ENV_STRIPE_API_KEY_SECRET_ID } from '../../../contract/wrapper';
import type { StreamEvent } from '../event-stream';
import { plural } from '../replay-output';
import { LocalSecretsManager } from '../secrets-manager';
import type { SynthesizedStack } from '../synthesized-stack';

export interface LocalStripeOptions {
  readonly stack: SynthesizedStack;
  readonly events: readonly StreamEvent[];
  /** The seed file (`--stripe-objects`), and how to name it. */
  readonly seedFile?: string;
  readonly seedLabel?: string;
}

export interface LocalStripeReport {
  readonly requests: readonly StripeApiRequest[];
  /** Responses that did not match the spec, and writes the local API cannot serve. */
  readonly problems: readonly string[];
}

/** Thrown when the seed file or the stream's full events do not match Stripe's spec: the replay cannot run. */
export class StripeObjectsError extends StripeEventBridgeError {
  public readonly name = 'StripeObjectsError';
}

const isThin = (e: StreamEvent) => (e.event.detail as { object?: unknown } | undefined)?.object === 'v2.core.event';

/** Whether the replay needs a local Stripe API: see the top of this file. */
export function needsLocalStripe(options: LocalStripeOptions): boolean {
  const stripeVariables = [ENV_STRIPE_API_KEY_SECRET_ID, ENV_EVENT_PAYLOADS];
  const callsStripe = options.stack.functions.some((f) => stripeVariables.some((name) => f.rawEnvironment[name] !== undefined));
  return options.seedFile !== undefined || callsStripe || options.events.some(isThin);
}

export class LocalStripe {
  /** Loads the objects (throwing StripeObjectsError on any that Stripe's spec refuses) and starts both servers. */
  public static async start(options: LocalStripeOptions): Promise<LocalStripe> {
    const objects = new StripeObjects();
    if (options.seedFile) objects.addSeedFile(options.seedFile, options.seedLabel);
    for (const e of options.events) if (e.fullEvent) objects.add(e.fullEvent, e.where, 'stream');
    for (const e of options.events.filter(isThin)) objects.addNotification(e.event.detail, e.where);
    if (objects.errors.length > 0) {
      throw new StripeObjectsError(`the Stripe objects for the local Stripe API do not match Stripe's v2 OpenAPI spec:\n  ${objects.errors.join('\n  ')}`);
    }
    const api = await LocalStripeApi.start({ apiKey: LOCAL_STRIPE_API_KEY, objects });
    const secrets = new LocalSecretsManager({}, { anySecret: LOCAL_STRIPE_API_KEY });
    let secretsUrl: string;
    try {
      secretsUrl = await secrets.start();
    } catch (err) {
      await api.stop();
      throw err;
    }
    return new LocalStripe(objects, api, secrets, secretsUrl, options.seedLabel ?? options.seedFile);
  }

  private constructor(
    public readonly objects: StripeObjects,
    private readonly api: LocalStripeApi,
    private readonly secrets: LocalSecretsManager,
    private readonly secretsUrl: string,
    private readonly seedLabel: string | undefined,
  ) {}

  /** What every function gets: the API's base URL, and the Secrets Manager endpoint its key is read from. */
  public get environment(): Record<string, string> {
    return { [ENV_STRIPE_API_BASE]: this.api.url, AWS_ENDPOINT_URL_SECRETS_MANAGER: this.secretsUrl };
  }

  /** One line for the replay's header: what the API serves and what it checks against. */
  public describe(): string {
    const counts = this.objects.counts();
    const parts: string[] = [];
    const seeded = counts.seed.events + counts.seed.objects;
    if (this.seedLabel) parts.push(`${plural(seeded, 'object')} from ${this.seedLabel}`);
    if (counts.stream.events > 0) parts.push(`${plural(counts.stream.events, 'full event')} from the stream`);
    const derived = [counts.derived.events > 0 ? plural(counts.derived.events, 'event') : '', counts.derived.objects > 0 ? plural(counts.derived.objects, 'account') : ''].filter(Boolean);
    if (derived.length > 0) parts.push(`${derived.join(' and ')} made from the notifications`);
    return `Stripe API (local, checked against Stripe's v2 OpenAPI spec ${StripeV2Spec.shared().version}): ${parts.join('; ') || 'no objects'}`;
  }

  /** The requests the API served, and its problems. */
  public report(): LocalStripeReport {
    return { requests: [...this.api.requests], problems: [...this.api.problems] };
  }

  public async stop(): Promise<void> {
    await Promise.all([this.api.stop(), this.secrets.stop()]);
  }
}

/** `14 Stripe API requests (12 × 200, 2 × 404)`. */
export function requestsLine(report: LocalStripeReport): string {
  const byStatus = new Map<number, number>();
  for (const r of report.requests) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
  const statuses = [...byStatus].sort(([a], [b]) => a - b).map(([status, n]) => `${n} × ${status}`);
  return `${plural(report.requests.length, 'Stripe API request')}${statuses.length > 0 ? ` (${statuses.join(', ')})` : ''}`;
}
