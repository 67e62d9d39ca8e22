/** Durations as the command takes them (`3d`, `12h`, `90m`, `30s`) and as reports print them. */
import { StripeEventBridgeError } from '../contract/errors';

const UNITS: Record<string, { seconds: number; name: string }> = {
  d: { seconds: 86400, name: 'day' },
  h: { seconds: 3600, name: 'hour' },
  m: { seconds: 60, name: 'minute' },
  s: { seconds: 1, name: 'second' },
};

/** A duration whose text is not `<whole number><d|h|m|s>`. */
export class DurationFormatError extends StripeEventBridgeError {
  public readonly name = 'DurationFormatError';
}

/** Seconds in `3d`, `12h`, `90m` or `30s`; `what` names the option in the error. */
export function parseDuration(text: string, what: string): number {
  const match = /^(\d+)([dhms])$/.exec(text.trim());
  if (!match) {
    throw new DurationFormatError(`${what} takes a duration such as 3d, 12h, 90m or 0s (a whole number and d, h, m or s), got '${text}'`);
  }
  return Number(match[1]) * UNITS[match[2]].seconds;
}

/** `3 days`, `15 minutes`, `1 hour 30 minutes`, `0 seconds`. */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return '0 seconds';
  const parts: string[] = [];
  let rest = Math.round(seconds);
  for (const unit of Object.values(UNITS)) {
    const n = Math.floor(rest / unit.seconds);
    if (n > 0) parts.push(`${n} ${unit.name}${n === 1 ? '' : 's'}`);
    rest -= n * unit.seconds;
  }
  return parts.slice(0, 2).join(' ');
}

/** A Unix time as `2026-11-26T12:00:00Z`. */
export function isoSeconds(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
