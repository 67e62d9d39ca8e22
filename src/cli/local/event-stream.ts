/**
 * Reads a stream of events to replay: JSON Lines (one event per line), a JSON array, one JSON event per file, or a
 * directory of such files (in name order). Each event is an EventBridge event as Stripe's destination delivers it, or a
 * bare Stripe event, which is put in the envelope EventBridge would deliver it in: a snapshot event (`"object":
 * "event"`, e.g. from `stripe events retrieve` or Stripe's docs) on the app's snapshot bus, a thin event (`"object":
 * "v2.core.event"`: a notification, or a full event from `GET /v2/core/events`, of which the envelope carries the
 * notification's fields and the local Stripe API serves the rest) on its thin bus. What cannot be replayed is reported
 * by where it is (`file:line`) and why, and the rest is still read.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isEventBridgeEvent, isStripeEvent, isThinEvent, toEventBridgeEvent } from '../../event-pattern/stripe-envelope';

export interface StreamEvent {
  /** The EventBridge event. */
  readonly event: Record<string, unknown>;
  /** Where it was read: `file:line`, `file` or `file[index]`. */
  readonly where: string;
  /** A full thin event read bare (with its `data`, `changes`): what `GET /v2/core/events/{id}` returns for it. */
  readonly fullEvent?: Record<string, unknown>;
}

export interface StreamProblem {
  readonly where: string;
  readonly why: string;
}

export interface EventStream {
  readonly events: StreamEvent[];
  readonly problems: StreamProblem[];
}

export interface ReadStreamOptions {
  /** The partner event source a bare snapshot event is put on (its envelope's `source`). */
  readonly eventSource: string;
  /** The partner event source a bare thin event is put on. @default eventSource */
  readonly thinEventSource?: string;
  /** Reads standard input, for "-". */
  readonly readStdin?: () => string;
}

const EXTENSIONS = ['.json', '.jsonl', '.ndjson'];

/** An EventBridge event as it stands, a bare Stripe event in its envelope, or why the value is neither. */
function toEvent(value: unknown, where: string, options: ReadStreamOptions): StreamEvent | StreamProblem {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { where, why: `expected an event (a JSON object), got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)?.slice(0, 40)}` };
  }
  const v = value as Record<string, any>;
  if (isEventBridgeEvent(v)) return { event: v, where };
  if (isStripeEvent(v)) return { event: toEventBridgeEvent(v, { source: options.eventSource }), where };
  if (isThinEvent(v)) {
    // A full event (what GET /v2/core/events returns) has more than its notification: EventBridge carries the notification.
    const event = toEventBridgeEvent(v, { source: options.thinEventSource ?? options.eventSource });
    const full = Object.keys(v).length > Object.keys(event.detail as object).length;
    return { event, where, ...(full ? { fullEvent: v } : {}) };
  }
  const keys = Object.keys(v).slice(0, 5).join(', ');
  return {
    where,
    why: `neither an EventBridge event (with "detail-type" and "source") nor a Stripe event (with "id", "object": "event" or "v2.core.event", and "type"); its fields: ${keys || 'none'}`,
  };
}

function parseText(text: string, name: string, options: ReadStreamOptions, out: { events: StreamEvent[]; problems: StreamProblem[] }): void {
  const add = (value: unknown, where: string) => {
    const item = toEvent(value, where, options);
    if ('event' in item) out.events.push(item);
    else out.problems.push(item);
  };
  const trimmed = text.trim();
  if (trimmed === '') {
    out.problems.push({ where: name, why: 'empty: no events' });
    return;
  }
  // A JSON array, or one JSON event (possibly over several lines)…
  if (trimmed.startsWith('[') || !trimmed.includes('\n')) {
    try {
      const whole = JSON.parse(trimmed);
      if (Array.isArray(whole)) whole.forEach((v, i) => add(v, `${name}[${i}]`));
      else add(whole, name);
      return;
    } catch (err) {
      if (trimmed.startsWith('[')) {
        out.problems.push({ where: name, why: `not a JSON array: ${(err as Error).message}` });
        return;
      }
    }
  } else {
    try {
      add(JSON.parse(trimmed), name);
      return;
    } catch {
      // …else JSON Lines.
    }
  }
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${name}:${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      out.problems.push({ where, why: `not JSON: ${(err as Error).message}` });
      return;
    }
    add(value, where);
  });
}

/** Reads `input` (a file, a directory, or "-" for standard input). */
export function readEventStream(input: string, options: ReadStreamOptions): EventStream {
  const out = { events: [] as StreamEvent[], problems: [] as StreamProblem[] };
  if (input === '-') {
    parseText(options.readStdin ? options.readStdin() : fs.readFileSync(0, 'utf8'), 'standard input', options, out);
    return out;
  }
  if (!fs.existsSync(input)) throw new Error(`${input} does not exist: give a JSON Lines file, a JSON file or a directory of them`);
  if (fs.statSync(input).isDirectory()) {
    const files = fs.readdirSync(input).filter((f) => EXTENSIONS.includes(path.extname(f))).sort();
    if (files.length === 0) throw new Error(`${input} holds no ${EXTENSIONS.join(', ')} files`);
    for (const file of files) parseText(fs.readFileSync(path.join(input, file), 'utf8'), path.join(input, file), options, out);
    return out;
  }
  parseText(fs.readFileSync(input, 'utf8'), input, options, out);
  return out;
}
