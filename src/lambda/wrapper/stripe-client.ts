/**
 * `context.stripe` and `context.eventNotification`: a Stripe client authenticated with the restricted key that the
 * Secrets Manager secret in `STRIPE_EB_STRIPE_API_KEY_SECRET_ID` holds, and the SDK's event notification of a thin
 * event. Bundled on its own (`stripe-eventbridge/stripe-client.js` in the layer, with the `stripe` package) and
 * required by the wrapper only when a handler first reads `context.stripe` or `context.eventNotification`
 * (stripe-context.ts): handlers that never do load neither the SDK nor this module.
 *
 * - The key is read once per execution environment, on the first API request (not when the client is made), and kept
 *   in memory; it never reaches a log line or an error message. A failed read is retried by the next request.
 * - Clients are made synchronously, so `context.stripe` needs no `await`: the key reaches each request in the HTTP
 *   client, which awaits it (not in the SDK's async `authenticator` option: stripe@23.1.0 turns an authenticator's
 *   rejection into an unhandled rejection that ends the process, RequestSender `_request`). The notification's
 *   `fetchEvent()` / `fetchRelatedObject()` await the key before the SDK runs, so a key that cannot be read rejects them
 *   with StripeApiKeyError; a direct call on `context.stripe` gets the SDK's StripeConnectionError with that error as
 *   its `detail`, after the SDK's retries (each reads the key again).
 * - The event's account is applied as Stripe documents it: `Stripe-Context` from a thin event's `context` (the SDK's
 *   `fetchEvent`/`fetchRelatedObject` send it themselves: stripe-node `_buildEventNotification`), and for a snapshot
 *   event from its `context` when it has one (API versions from 2025-04-30.basil, "Connect events include both the
 *   context and account fields", docs.stripe.com/changelog/basil/2025-04-30/additional-context-organization-events),
 *   else `Stripe-Account` from its `account`.
 * - `STRIPE_EB_STRIPE_API_BASE` (`http://127.0.0.1:12111`) points the client at a local Stripe API (tests, replay).
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import Stripe from 'stripe';
import { StripeEventBridgeError } from '../../contract/errors';
import { ENV_STRIPE_API_KEY_SECRET_ID } from '../../contract/wrapper';

/** `context.stripe` cannot be used: no key secret is configured, or the secret cannot be read or holds no key. */
export class StripeApiKeyError extends StripeEventBridgeError {
  public readonly name = 'StripeApiKeyError';
}

/** The account an API call acts for. */
export interface StripeAccountScope {
  /** `Stripe-Context`. */
  readonly stripeContext?: string;
  /** `Stripe-Account` (a snapshot Connect event without `context`). */
  readonly stripeAccount?: string;
}

export interface StripeAccessOptions {
  /** The SecretId of the secret holding the key. @default - none: every API request fails with StripeApiKeyError */
  readonly secretId?: string;
  /** Stripe's API base URL. @default - Stripe's (https://api.stripe.com) */
  readonly apiBase?: string;
  /** The Secrets Manager client. @default - one for the function's Region */
  readonly secrets?: SecretsManagerClient;
}

/** A key Stripe issues: secret (`sk_…`) or restricted (`rk_…`), test or live. Anything else is not sent. */
const STRIPE_API_KEY = /^(sk|rk)_(test|live)_[A-Za-z0-9]+$/;
/** How many per-account clients are kept (a platform's events come from many connected accounts). */
const MAX_CACHED_CLIENTS = 100;

/** The clients of one execution environment, over one key. */
export class StripeAccess {
  private key?: Promise<string>;
  private readonly clients = new Map<string, Stripe>();
  private readonly config: Stripe.StripeConfig;
  /** The client without an account scope, which builds notifications (they send their own `Stripe-Context`). */
  private readonly base: Stripe;

  constructor(private readonly options: StripeAccessOptions) {
    const api = options.apiBase ? new URL(options.apiBase) : undefined;
    this.config = {
      // The SDK's own API version (stripe@23.1.0: 2026-10-28.endive), which its types describe.
      maxNetworkRetries: 2,
      // Below Lambda's usual timeouts, so that a slow request fails the invocation with Stripe's error instead of a timeout.
      timeout: 20_000,
      appInfo: { name: '@babes/stripe-eventbridge' },
      // The key is set by the HTTP client below; the SDK wants a key or an authenticator.
      authenticator: async () => undefined,
      httpClient: new KeyedHttpClient(Stripe.createNodeHttpClient(), () => this.apiKey()),
      ...(api
        ? { host: api.hostname, port: Number(api.port || (api.protocol === 'https:' ? 443 : 80)), protocol: api.protocol === 'https:' ? 'https' : 'http' }
        : {}),
    };
    this.base = new Stripe('', this.config);
  }

  /** The client for an account scope (one per scope, kept). Throws StripeApiKeyError when no secret is configured. */
  public clientFor(scope: StripeAccountScope): Stripe {
    this.requireSecret('context.stripe');
    const cacheKey = `${scope.stripeContext ?? ''}|${scope.stripeAccount ?? ''}`;
    let client = this.clients.get(cacheKey);
    if (!client) {
      client = cacheKey === '|' ? this.base : new Stripe('', { ...this.config, ...scope });
      if (this.clients.size >= MAX_CACHED_CLIENTS) this.clients.delete(this.clients.keys().next().value!);
      this.clients.set(cacheKey, client);
    }
    return client;
  }

  /**
   * The SDK's notification of a thin event (`parseEventNotificationWithoutVerification`: EventBridge is a
   * pre-authenticated channel, stripe-node's doc of that method), built from a copy of the event so the handler's
   * event stays as delivered. Needs no key until it fetches.
   */
  public notificationOf(event: unknown): Stripe.V2.Core.EventNotification {
    const notification = this.base.parseEventNotificationWithoutVerification(JSON.stringify(event)) as unknown as Record<string, unknown>;
    for (const name of ['fetchEvent', 'fetchRelatedObject']) {
      const fetch = notification[name] as (() => Promise<unknown>) | undefined;
      if (typeof fetch === 'function') {
        notification[name] = async () => {
          await this.apiKey();
          return fetch();
        };
      }
    }
    return notification as unknown as Stripe.V2.Core.EventNotification;
  }

  private requireSecret(what: string): void {
    if (!this.options.secretId) {
      throw new StripeApiKeyError(
        `${what} needs a Stripe API key: set stripeApiKeySecret (a Secrets Manager secret holding a restricted key, rk_…) on the integration or on this handler. ` +
          `The function has no ${ENV_STRIPE_API_KEY_SECRET_ID}.`,
      );
    }
  }

  private apiKey(): Promise<string> {
    this.requireSecret('A Stripe API request');
    if (!this.key) {
      const reading = this.readKey();
      // A failed read is reported to the request that awaited it and tried again by the next one.
      reading.catch(() => {
        if (this.key === reading) this.key = undefined;
      });
      this.key = reading;
    }
    return this.key;
  }

  private async readKey(): Promise<string> {
    const secretId = this.options.secretId!;
    let value: string | undefined;
    try {
      const secrets = this.options.secrets ?? new SecretsManagerClient({});
      value = (await secrets.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
    } catch (err) {
      const e = err as { name?: string; message?: string };
      throw new StripeApiKeyError(
        `could not read the Stripe API key from the Secrets Manager secret ${secretId} (${e.name ?? 'Error'}: ${e.message ?? String(err)}); ` +
          "the function's role needs secretsmanager:GetSecretValue on it (stripeApiKeySecret grants it)",
        { cause: err },
      );
    }
    const key = value?.trim();
    if (!key || !STRIPE_API_KEY.test(key)) {
      throw new StripeApiKeyError(
        `the Secrets Manager secret ${secretId} does not hold a Stripe API key: expected its secret string to be the key itself, plain text (rk_live_…, rk_test_…, or sk_…)`,
      );
    }
    return key;
  }
}

/** The SDK's Node.js HTTP client, with the key set on each request once it is read (see the top of this file). */
class KeyedHttpClient extends Stripe.HttpClient {
  constructor(private readonly inner: Stripe.HttpClient, private readonly key: () => Promise<string>) {
    super();
  }

  public getClientName(): string {
    return this.inner.getClientName();
  }

  public async makeRequest(...args: Parameters<Stripe.HttpClient['makeRequest']>): ReturnType<Stripe.HttpClient['makeRequest']> {
    const [host, port, path, method, headers, body, protocol, timeout] = args;
    return this.inner.makeRequest(host, port, path, method, { ...headers, Authorization: `Bearer ${await this.key()}` }, body, protocol, timeout);
  }
}

/** The execution environment's StripeAccess, made on first use. */
let shared: StripeAccess | undefined;
export function stripeAccess(options: StripeAccessOptions): StripeAccess {
  shared ??= new StripeAccess(options);
  return shared;
}
