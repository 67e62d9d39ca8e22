/**
 * A morning of the platform's thin events, and the accounts Stripe's API returns for them: what `replay/events.jsonl`
 * and `replay/stripe-objects.json` hold (regenerate with `npx ts-node replay/stream.ts` in this directory; a test checks
 * that the files match).
 *
 * Built from Stripe's own material: the EventBridge envelope of a thin event is stripe-python's fixture
 * (test/fixtures/data/stripe-events/eventbridge-envelope__stripe-python-v2-thin-ping-context.json; provenance in
 * test/fixtures/data/SOURCES.md), the notifications have the fields of the pinned SDK's types (stripe@23.1.0
 * `V2CoreAccountCreatedEventNotification`, …: id, object, type, created, livemode, reason, related_object), and the
 * accounts follow Stripe's v2 OpenAPI spec (`v2.core.account`; the local Stripe API refuses anything else).
 *
 * The stream holds a redelivered event (a new envelope, the same Stripe event), a notification given bare (as
 * `stripe events` prints one), a full event from `GET /v2/core/events` (with its `changes`), and an account that is
 * not in stripe-objects.json (the local API makes a minimal one from its notification).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

type Json = Record<string, any>;

const DATA = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'data', 'stripe-events');
/** The thin destination's partner event source (cdk.json's `stripeThinEventSourceName`). */
export const EVENT_SOURCE = 'aws.partner/stripe.com/ed_test_PLATFORM_THIN';

/** A deterministic id in Stripe's alphabet, so runs are repeatable. */
export function stripeId(prefix: string, seed: string, length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = createHash('sha256').update(seed).digest();
  return `${prefix}${[...bytes.subarray(0, length)].map((b) => alphabet[b % alphabet.length]).join('')}`;
}

/** The platform's connected accounts (Accounts v2 ids: `acct_1` and 15 letters and digits). */
export const ACCOUNTS = {
  furever: stripeId('acct_1', 'furever', 15),
  rocket: stripeId('acct_1', 'rocket-rides', 15),
  corner: stripeId('acct_1', 'corner-coffee', 15),
  unseeded: stripeId('acct_1', 'kavholm', 15),
};

/** A thin event's notification, as the pinned SDK types it. */
function notification(name: string, type: string, accountId: string, created: string): Json {
  return {
    id: stripeId('evt_test_65', `event:${name}`, 40),
    object: 'v2.core.event',
    type,
    created,
    livemode: false,
    reason: { type: 'request', request: { id: stripeId('req_v2', `request:${name}`, 24), idempotency_key: `platform-${name}` } },
    related_object: { id: accountId, type: 'v2.core.account', url: `/v2/core/accounts/${accountId}` },
  };
}

/**
 * The envelope a thin partner bus (`source`) delivers a notification in (stripe-python's fixture, our source and ids);
 * `delivery` varies the envelope id. Also examples/python-app's.
 */
export function thinEnvelope(detail: Json, source: string, delivery = 1): Json {
  const fixture = JSON.parse(fs.readFileSync(path.join(DATA, 'eventbridge-envelope__stripe-python-v2-thin-ping-context.json'), 'utf8'));
  const h = createHash('sha256').update(`${detail.id}#${delivery}`).digest('hex');
  return {
    ...fixture,
    'id': `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`,
    'detail-type': detail.type,
    'source': source,
    'account': '123456789012',
    'time': detail.created.replace(/\.\d{3}Z$/, 'Z'),
    'region': 'us-east-1',
    detail,
  };
}

const envelope = (detail: Json, delivery = 1): Json => thinEnvelope(detail, EVENT_SOURCE, delivery);

const at = (time: string) => `2026-11-20T${time}.000Z`;

export function events(): Json[] {
  const created = notification('furever-created', 'v2.core.account.created', ACCOUNTS.furever, at('09:00:04'));
  const fureverRequirements = notification('furever-requirements', 'v2.core.account[requirements].updated', ACCOUNTS.furever, at('09:00:05'));
  const rocketCreated = notification('rocket-created', 'v2.core.account.created', ACCOUNTS.rocket, at('09:12:41'));
  const fureverUpdated = notification('furever-updated', 'v2.core.account.updated', ACCOUNTS.furever, at('09:30:17'));
  const cornerCreated = notification('corner-created', 'v2.core.account.created', ACCOUNTS.corner, at('09:41:02'));
  const cornerClosed = notification('corner-closed', 'v2.core.account.closed', ACCOUNTS.corner, at('10:05:55'));
  const unseeded = notification('kavholm-created', 'v2.core.account.created', ACCOUNTS.unseeded, at('10:20:09'));
  const rocketRequirements = notification('rocket-requirements', 'v2.core.account[requirements].updated', ACCOUNTS.rocket, at('10:31:48'));
  const rocketUpdated = notification('rocket-updated', 'v2.core.account.updated', ACCOUNTS.rocket, at('10:31:49'));
  return [
    envelope(created),
    envelope(fureverRequirements),
    envelope(rocketCreated),
    envelope(fureverUpdated),
    // Delivered again (EventBridge's retry, an archive replay): a new envelope, the same Stripe event.
    envelope(fureverRequirements, 2),
    envelope(cornerCreated),
    envelope(cornerClosed),
    // A notification as `stripe events` prints it, without its envelope: the replay puts it on the thin bus.
    unseeded,
    // The full event as GET /v2/core/events/{id} returns it: EventBridge carries its notification fields; the local
    // Stripe API serves the rest to fetchEvent().
    {
      ...rocketRequirements,
      changes: {
        before: { requirements: { summary: { minimum_deadline: { status: 'currently_due', time: '2026-12-04T09:12:40.000Z' } } } },
        after: { requirements: { entries: [] } },
      },
    },
    envelope(rocketUpdated),
    envelope(cornerClosed, 2),
  ];
}

/** The accounts as `GET /v2/core/accounts/{id}` returns them today (every include-dependent property filled in). */
export function stripeObjects(): Json[] {
  const responsibilities = { fees_collector: 'application', losses_collector: 'application', requirements_collector: 'application' };
  return [
    {
      id: ACCOUNTS.furever,
      object: 'v2.core.account',
      applied_configurations: ['customer', 'merchant'],
      contact_email: 'jenny.rosen@furever.example',
      created: at('09:00:03'),
      dashboard: 'none',
      display_name: 'Furever Pet Supplies',
      livemode: false,
      metadata: { platform_user: 'u_2041' },
      defaults: { currency: 'usd', locales: ['en-US'], responsibilities },
      identity: { country: 'us', entity_type: 'company' },
      requirements: {
        entries: [
          {
            awaiting_action_from: 'user',
            description: 'business_details.address',
            errors: [],
            impact: { restricts_capabilities: [{ capability: 'card_payments', configuration: 'merchant', deadline: { status: 'currently_due' } }] },
            minimum_deadline: { status: 'currently_due' },
            requested_reasons: [{ code: 'routine_onboarding' }],
          },
          {
            awaiting_action_from: 'user',
            description: 'identity.attestations.terms_of_service.account',
            errors: [],
            impact: { restricts_capabilities: [{ capability: 'card_payments', configuration: 'merchant', deadline: { status: 'currently_due' } }] },
            minimum_deadline: { status: 'currently_due' },
            requested_reasons: [{ code: 'routine_onboarding' }],
          },
          {
            awaiting_action_from: 'user',
            description: 'business_details.annual_revenue',
            errors: [],
            impact: { restricts_capabilities: [] },
            minimum_deadline: { status: 'eventually_due' },
            requested_reasons: [{ code: 'routine_verification' }],
          },
        ],
        summary: { minimum_deadline: { status: 'currently_due', time: '2026-12-04T09:00:03.000Z' } },
      },
    },
    {
      id: ACCOUNTS.rocket,
      object: 'v2.core.account',
      applied_configurations: ['recipient'],
      contact_email: 'payouts@rocketrides.example',
      created: at('09:12:40'),
      dashboard: 'express',
      display_name: 'Rocket Rides',
      livemode: false,
      defaults: { currency: 'usd', locales: ['en-US'], responsibilities },
      identity: { country: 'us', entity_type: 'individual' },
      requirements: { entries: [] },
    },
    {
      id: ACCOUNTS.corner,
      object: 'v2.core.account',
      applied_configurations: ['customer'],
      closed: true,
      contact_email: 'hello@cornercoffee.example',
      created: at('09:41:01'),
      dashboard: 'none',
      display_name: 'Corner Coffee',
      livemode: false,
      identity: { country: 'gb', entity_type: 'company' },
    },
  ];
}

/** Writes replay/events.jsonl and replay/stripe-objects.json. */
function write(): void {
  fs.writeFileSync(path.join(__dirname, 'events.jsonl'), `${events().map((e) => JSON.stringify(e)).join('\n')}\n`);
  fs.writeFileSync(path.join(__dirname, 'stripe-objects.json'), `${JSON.stringify(stripeObjects(), null, 2)}\n`);
}

if (require.main === module) write();
