/** A reconciliation report as people read it (the command's output, the scheduled function's summary). */
import { formatDuration, isoSeconds } from './durations';
import type { ReconcileReport, StripeEventRef } from './reconcile';

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 || c === r.length - 1 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd());
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
// A thin event with a snapshot twin has the twin's record: say which, so that a reader finds it.
const describe = (e: StripeEventRef) => `${e.id} (${e.type}, ${isoSeconds(e.created)}${e.snapshotEvent ? `, snapshot twin ${e.snapshotEvent}` : ''})`;

/**
 * The report as lines: the window, a table per handler (events its rules take, processed, in progress,
 * missing), then each missing and in-progress event, and the events no rule would take.
 */
export function formatReport(report: ReconcileReport, now: number): string[] {
  const span = formatDuration(now - report.since);
  // Stripe's list can return events of other types (one request for every type when a pattern filters the type in a way it cannot).
  const otherTypes = report.unrouted.filter((e) => e.reason === 'type');
  const grace = now - report.until;
  const lines = [
    `Stripe events from ${isoSeconds(report.since)} to ${isoSeconds(report.until)} (the last ${span}` +
      `${grace > 0 ? `, less the last ${formatDuration(grace)}` : ''}): ${plural(report.listed - otherTypes.length, 'event')} of the handlers' types`,
    '',
  ];
  const rows = [['handler', 'events', 'processed', 'in progress', 'missing', 'event types']];
  for (const h of report.handlers) {
    const n = (v: number) => (h.checked ? String(v) : '-');
    rows.push([h.handler, String(h.routed), n(h.processed), n(h.inProgress.length), n(h.missing.length), h.eventTypes.join(', ')]);
  }
  lines.push(...table(rows).map((l) => `  ${l}`), '');
  for (const h of report.handlers) {
    if (!h.checked) lines.push(`${h.handler}: not checked: ${h.uncheckedReason}`);
    if (h.processedUnderPreviousScopes > 0) {
      lines.push(`${h.handler}: ${plural(h.processedUnderPreviousScopes, 'event')} of those processed ${h.processedUnderPreviousScopes === 1 ? 'has its record' : 'have their records'} under a previous key scope (previousKeyScopes)`);
    }
    for (const e of h.missing) lines.push(`${h.handler}: missing ${describe(e)}`);
    for (const e of h.inProgress) lines.push(`${h.handler}: in progress ${describe(e)}`);
    if (h.expired.length > 0) {
      lines.push(`${h.handler}: ${plural(h.expired.length, 'event')} without a record older than its record lifetime (cannot tell): ${h.expired.map((e) => e.id).join(', ')}`);
    }
  }
  const filtered = report.unrouted.filter((e) => e.reason === 'filter');
  if (otherTypes.length > 0) {
    const types = [...new Set(otherTypes.map((e) => e.type))].sort().join(', ');
    lines.push(`No handler takes ${plural(otherTypes.length, 'event')} of ${otherTypes.length === 1 ? 'its type' : 'their types'} (${types}); not checked:`);
    for (const e of otherTypes) lines.push(`  ${e.id} (${e.type}, ${isoSeconds(e.created)}, livemode ${e.livemode})`);
  }
  if (filtered.length > 0) {
    lines.push(`No rule would take ${plural(filtered.length, 'event')} of the handlers' types (a content filter leaves ${filtered.length === 1 ? 'it' : 'them'} out):`);
    for (const e of filtered) lines.push(`  ${e.id} (${e.type}, ${isoSeconds(e.created)}, livemode ${e.livemode}): ${e.detail}`);
  }
  if (lines[lines.length - 1] !== '') lines.push('');
  lines.push(
    report.missing > 0
      ? `MISSING: ${plural(report.missing, 'event')} never reached ${report.missing === 1 ? 'its handler' : 'their handlers'}.`
      : 'OK: every event the rules take reached its handler.',
  );
  return lines;
}

/** The report as JSON for machines: ids, types and times, never payloads. */
export function reportJson(report: ReconcileReport): Record<string, unknown> {
  const ev = (e: StripeEventRef) => ({
    id: e.id,
    type: e.type,
    created: isoSeconds(e.created),
    livemode: e.livemode,
    ...(e.snapshotEvent ? { snapshotEvent: e.snapshotEvent } : {}),
  });
  return {
    since: isoSeconds(report.since),
    until: isoSeconds(report.until),
    listed: report.listed,
    missing: report.missing,
    handlers: report.handlers.map((h) => ({
      handler: h.handler,
      function: h.functionName,
      eventTypes: h.eventTypes,
      checked: h.checked,
      ...(h.uncheckedReason ? { uncheckedReason: h.uncheckedReason } : {}),
      events: h.routed,
      processed: h.processed,
      processedUnderPreviousScopes: h.processedUnderPreviousScopes,
      inProgress: h.inProgress.map(ev),
      missing: h.missing.map(ev),
      expired: h.expired.map(ev),
    })),
    unrouted: report.unrouted.map((e) => ({ ...ev(e), reason: e.reason, detail: e.detail })),
  };
}
