/**
 * What the local Stripe API serves: the Stripe objects a replay's events refer to, each checked against Stripe's v2
 * OpenAPI spec when it is put in.
 *
 * - **Seeded** (`--stripe-objects <file>`): a JSON array, a Stripe list (`{ "data": [ … ] }`, what `GET /v2/core/accounts`
 *   returns), one object, or JSON Lines. Full v2 events (`"object": "v2.core.event"`, what `GET /v2/core/events/{id}`
 *   returns) answer `fetchEvent()`; v2 objects the spec describes (`v2.core.account`, `v2.core.account_person`,
 *   `v2.core.event_destination`) and v1 objects (`customer`, `billing.meter`, …, served by id under any `/v1/…` path)
 *   answer `fetchRelatedObject()` and `context.stripe`. An object that does not match the spec is refused with the
 *   fields that differ; properties the spec does not declare (newer than it) are accepted, with a note. v1 objects are
 *   served as given: the package carries Stripe's v2 spec only.
 * - **From the stream**: a full v2 event in the stream seeds itself (and is delivered as the notification EventBridge
 *   carries); every thin notification gives its full event (its own fields, plus `data: {}` for a type whose data has
 *   no fields), unless seeded, and, for a `v2.core.account`, a minimal account (what Stripe always returns: id, created,
 *   livemode, applied_configurations) unless seeded. Whatever cannot be told from a notification (an event's `data`, a
 *   v1 object, an event destination) is answered with Stripe's 404, whose message names the seed file.
 */
import * as fs from 'node:fs';
import { ajvErrors, SchemaCheck, StripeV2Spec, undeclaredProperties } from './spec';

type Json = any;

/** An object put in, with where it came from and the check it passed. */
export interface StoredObject {
  readonly value: Json;
  /** `objects.json[2]`, `events.jsonl:4`, or `made from evt_… (events.jsonl:4)`. */
  readonly where: string;
  readonly origin: 'seed' | 'stream' | 'derived';
  /** The validator it passed (strict, or open for an object with properties newer than the spec). */
  readonly check?: SchemaCheck['strict'];
}

const V2_EVENT = 'v2.core.event';
const V2_ACCOUNT = 'v2.core.account';

/** Where Stripe's objects of one kind are, for messages. */
const SEED_HINT = 'add it to the file given with --stripe-objects (what GET returns from Stripe)';

export class StripeObjects {
  /** Full v2 events by id. */
  public readonly events = new Map<string, StoredObject>();
  /** Other objects by id. */
  public readonly objects = new Map<string, StoredObject>();
  /** Objects refused, one line each (`objects.json[2]: acct_1: /created must match format "date-time"`). */
  public readonly errors: string[] = [];
  /** Accepted with a note (properties newer than the spec), one line each. */
  public readonly notes: string[] = [];

  constructor(private readonly spec: StripeV2Spec = StripeV2Spec.shared()) {}

  /** Reads a seed file (see the top of this file); its problems go to `errors`. */
  public addSeedFile(file: string, label = file): void {
    let items: unknown[];
    try {
      items = parseSeed(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      this.errors.push(`${label}: ${(err as Error).message}`);
      return;
    }
    items.forEach((item, i) => this.add(item, items.length === 1 ? label : `${label}[${i}]`, 'seed'));
  }

  /** Puts one object in (a seed, or a full event from the stream). */
  public add(item: unknown, where: string, origin: 'seed' | 'stream'): void {
    const value = item as Json;
    if (value === null || typeof value !== 'object' || Array.isArray(value) || typeof value.id !== 'string' || typeof value.object !== 'string') {
      this.errors.push(`${where}: not a Stripe object (expected a JSON object with a string "id" and "object")`);
      return;
    }
    if (value.object === V2_EVENT) {
      if (typeof value.type !== 'string') {
        this.errors.push(`${where}: ${value.id}: a v2.core.event without a "type"`);
        return;
      }
      this.put(this.events, value, where, origin, this.spec.event(value.type));
    } else if (value.object.startsWith('v2.')) {
      if (!this.spec.servesObject(value.object)) {
        const served = this.spec.operations.map((o) => o.objectName).filter((n) => n !== V2_EVENT);
        this.errors.push(`${where}: ${value.id}: the local Stripe API does not serve ${value.object} objects (it serves ${served.join(', ')}, v2.core.event and v1 objects)`);
        return;
      }
      this.put(this.objects, value, where, origin, this.spec.object(value.object));
    } else {
      this.objects.set(value.id, { value, where, origin });
    }
  }

  /**
   * What a thin notification (an EventBridge `detail`) tells: its full event and, for an account, the account,
   * unless already in.
   */
  public addNotification(detail: Json, where: string): void {
    if (typeof detail?.id !== 'string' || typeof detail.type !== 'string') return;
    const madeFrom = `made from ${detail.id} (${where})`;
    const data = this.spec.derivableData(detail.type);
    if (!this.events.has(detail.id) && data) {
      const event = { ...notificationFields(detail), ...data };
      const check = this.spec.event(detail.type).strict;
      // A notification the spec would not allow as an event (the wrapper refuses it too): nothing to serve.
      if (check(event)) this.events.set(detail.id, { value: event, where: madeFrom, origin: 'derived', check });
    }
    const related = detail.related_object;
    if (related?.type === V2_ACCOUNT && typeof related.id === 'string' && !this.objects.has(related.id)) {
      const account = { id: related.id, object: V2_ACCOUNT, applied_configurations: [], created: detail.created, livemode: detail.livemode === true };
      const check = this.spec.object(V2_ACCOUNT).strict;
      if (check(account)) this.objects.set(related.id, { value: account, where: madeFrom, origin: 'derived', check });
    }
  }

  /** The full event with this id, or why there is none. */
  public event(id: string): StoredObject | { missing: string } {
    return this.events.get(id) ?? { missing: `No such event: '${id}' in the local Stripe API of stripe-eventbridge replay: its data cannot be told from the notification; ${SEED_HINT}` };
  }

  /** The object with this id of this kind (`v2.core.account`; undefined for a v1 path), or why there is none. */
  public object(id: string, objectName: string | undefined): StoredObject | { missing: string } {
    const stored = this.objects.get(id);
    const kind = objectName ?? 'object';
    if (!stored || (objectName ? stored.value.object !== objectName : stored.value.object.startsWith('v2.'))) {
      return { missing: `No such ${kind}: '${id}' in the local Stripe API of stripe-eventbridge replay; ${SEED_HINT}` };
    }
    return stored;
  }

  /** Whether it holds nothing to serve. */
  public isEmpty(): boolean {
    return this.events.size === 0 && this.objects.size === 0;
  }

  /** How many were put in from each origin. */
  public counts(): Record<StoredObject['origin'], { events: number; objects: number }> {
    const counts = { seed: { events: 0, objects: 0 }, stream: { events: 0, objects: 0 }, derived: { events: 0, objects: 0 } };
    for (const e of this.events.values()) counts[e.origin].events++;
    for (const o of this.objects.values()) counts[o.origin].objects++;
    return counts;
  }

  private put(into: Map<string, StoredObject>, value: Json, where: string, origin: 'seed' | 'stream', check: SchemaCheck): void {
    const { id, object } = value as { id: string; object: string };
    if (check.strict(value)) {
      into.set(id, { value, where, origin, check: check.strict });
      return;
    }
    const newer = undeclaredProperties(check.strict);
    if (check.open(value)) {
      this.notes.push(`${where}: ${id}: ${newer.join(', ')} ${newer.length === 1 ? 'is' : 'are'} not in Stripe's v2 spec of ${this.spec.version} (newer than it?): served as given`);
      into.set(id, { value, where, origin, check: check.open });
      return;
    }
    this.errors.push(`${where}: ${id} does not match Stripe's v2 spec (${this.spec.version}) of ${object}: ${ajvErrors(check.open)}`);
  }
}

/** The fields of a notification that its full event has too (EventBridge's `detail` without what it adds). */
function notificationFields(detail: Json): Json {
  const out: Json = {};
  for (const key of ['id', 'object', 'type', 'created', 'livemode', 'context', 'reason', 'related_object', 'snapshot_event']) {
    if (detail[key] !== undefined && detail[key] !== null) out[key] = detail[key];
  }
  return out;
}

/** A seed file's objects: a JSON array, a Stripe list (`{ "data": [...] }`), one object, or JSON Lines. */
function parseSeed(text: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed === '') throw new Error('empty: expected Stripe objects (a JSON array, a list { "data": [...] }, one object, or JSON Lines)');
  try {
    const whole = JSON.parse(trimmed);
    if (Array.isArray(whole)) return whole;
    if (whole && typeof whole === 'object' && Array.isArray(whole.data) && whole.id === undefined) return whole.data;
    return [whole];
  } catch (err) {
    if (!trimmed.includes('\n')) throw new Error(`not JSON: ${(err as Error).message}`);
  }
  return trimmed.split('\n').flatMap((line, i) => {
    if (line.trim() === '') return [];
    try {
      return [JSON.parse(line)];
    } catch (err) {
      throw new Error(`line ${i + 1}: not JSON: ${(err as Error).message}`);
    }
  });
}
