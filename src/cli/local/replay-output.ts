/** How `stripe-eventbridge replay` (and `npm run demo`) prints a replay: one line per event, in stream order, and a summary. */
import type { StreamProblem } from './event-stream';
import type { Delivery, EventReport, ReplayReport } from './replay';

/** `1 event`, `2 events`; `1 entry`, `2 entries` with the plural given. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function attemptsNote(d: Delivery): string {
  if (d.failedAttempts.length === 0) return '';
  const earlier = d.failedAttempts.map((a, i) =>
    a.outcome === 'in_progress' ? `attempt ${i + 1} found the event in progress in another delivery` : `attempt ${i + 1} failed: ${a.error}`,
  );
  return ` on attempt ${d.attempts} (${earlier.join('; ')}; Lambda retried)`;
}

/** Where an event was read, shortly: the file's name and the line (`events.jsonl:3`), or the array index. */
export function shortWhere(where: string): string {
  return where.startsWith('standard input') ? where.replace('standard input', 'stdin') : where.split(/[\\/]/).pop()!;
}

/** `events.jsonl:3  evt_…  checkout.session.completed  → CheckoutPaid: processed` */
export function describeEvent(report: EventReport, where: string, whereWidth = where.length): string {
  const what = `${where.padEnd(whereWidth)}  ${(report.stripeEventId ?? '(no evt_ id)').padEnd(28)} ${(report.type ?? '?').padEnd(42)}`;
  if (report.noBusFor === 'thin') return `${what} → no bus of thin events in the app (Stripe sends them only to a thin destination's bus: thinEventBus): not delivered`;
  if (report.noBusFor === 'snapshot') return `${what} → no bus of snapshot events in the app (Stripe sends them only to a snapshot destination's bus): not delivered`;
  if (report.deliveries.length === 0) return `${what} → no rule matches: not delivered`;
  return `${what} → ${report.deliveries
    .map((d) => {
      if (d.outcome !== 'dlq') return `${d.handler}: ${d.outcome}${attemptsNote(d)}`;
      const why = report.invalidReason ? 'not a Stripe event, as the wrapper checks' : `failed ${d.attempts} attempts`;
      return `${d.handler}: dead-letter queue (${why}; ${d.error})`;
    })
    .join('; ')}`;
}

type ShownAttempt = { readonly number: number; readonly error: string; readonly at: readonly string[]; readonly output: readonly string[] };

/** The failed attempts of a delivery (not those that found the event in progress), the last one of a dead letter included. */
function failedAttempts(d: Delivery): ShownAttempt[] {
  const all: ShownAttempt[] = d.failedAttempts.flatMap((a, i) => (a.outcome === 'failed' ? [{ number: i + 1, ...a }] : []));
  if (d.outcome === 'dlq') all.push({ number: d.attempts, error: d.error ?? '', at: d.at ?? [], output: d.output });
  return all;
}

const same = (a: ShownAttempt, b: ShownAttempt) => a.error === b.error && a.at.join('\n') === b.at.join('\n') && a.output.join('\n') === b.output.join('\n');

/**
 * The lines under an event's line: each failed attempt's error, where it was thrown in the handler's own files, and
 * what the handler printed in that attempt (consecutive attempts that failed alike, once); with `logs`, also what the
 * handlers printed in the attempt that succeeded. An event that is not a Stripe event fails as it should: none.
 */
export function detailLines(report: EventReport, logs = false): string[] {
  const lines: string[] = [];
  const output = (printed: readonly string[]) => printed.forEach((line) => lines.push(`      | ${line}`));
  for (const d of report.deliveries) {
    const failed = report.invalidReason ? [] : failedAttempts(d);
    for (let i = 0; i < failed.length;) {
      let j = i + 1;
      while (j < failed.length && same(failed[j], failed[i]) && failed[j].number === failed[j - 1].number + 1) j++;
      const which = j - i === 1 ? `attempt ${failed[i].number}` : `attempts ${failed[i].number}-${failed[j - 1].number}`;
      lines.push(`    ${d.handler} ${which}: ${failed[i].error}`);
      failed[i].at.forEach((frame) => lines.push(`      ${frame}`));
      output(failed[i].output);
      i = j;
    }
    if (logs && d.outcome !== 'dlq' && d.output.length > 0) {
      lines.push(`    ${d.handler} attempt ${d.attempts}:`);
      output(d.output);
    }
  }
  return lines;
}

/**
 * Calls `print` with each event's line in stream order, as soon as it and every event before it are done (events
 * run concurrently and finish in any order).
 */
export function inStreamOrder(print: (report: EventReport) => void): (report: EventReport) => void {
  const done = new Map<number, EventReport>();
  let next = 0;
  return (report) => {
    done.set(report.index, report);
    while (done.has(next)) {
      print(done.get(next)!);
      done.delete(next);
      next++;
    }
  };
}

export function problemLines(problems: readonly StreamProblem[]): string[] {
  return problems.map((p) => `${p.where}: ${p.why}`);
}

/** Dead-lettered deliveries of valid Stripe events: real failures. */
export function failedDeliveries(report: ReplayReport): number {
  return report.counts.dlq - report.counts.expectedDlq;
}

export function summaryLine(report: ReplayReport, problems: readonly StreamProblem[]): string {
  const c = report.counts;
  const n = report.events.length;
  const seconds = report.durationMs / 1000;
  const parts = [
    `${c.processed} processed`,
    plural(c.duplicate, 'duplicate'),
    `${c.unmatched} matched no rule`,
    `${c.expectedDlq} dead-lettered as not Stripe events`,
    `${failedDeliveries(report)} failed`,
  ];
  const unread = problems.length > 0 ? `; ${plural(problems.length, 'entry', 'entries')} of the stream could not be replayed (listed above)` : '';
  return `${plural(n, 'event')} in ${seconds.toFixed(2)} s: ${parts.join(', ')}; ${plural(c.retried, 'retry', 'retries')}${unread}`;
}
