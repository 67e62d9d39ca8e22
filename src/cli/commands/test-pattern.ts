/**
 * `stripe-eventbridge test-pattern`: EventBridge's TestEventPattern, offline. Either one pattern against
 * one event, or an event against every rule of a synthesized app (`--synth cdk.out`).
 */
import { StripeEventBridgeError } from '../../contract/errors';
import {
  asDelivered,
  DEFAULT_PATTERN_SIZE_QUOTA,
  EventPattern,
  InvalidEventError,
  InvalidEventPatternError,
  isBareStripeEvent,
  isEventBridgeEvent,
  judgeRules,
  notReceivedBecause,
  parseEvent,
  payloadStyleOf,
  readSynthesizedRules,
  receives,
  RuleVerdict,
  StripePayloadStyle,
} from '../../event-pattern';
import { textAfterValue } from '../../event-pattern/json-reader';
import { CliCommand, CliIo, EXIT_INVALID, EXIT_NO, EXIT_OK, findInvalidUtf8, inputName, parseOptions, readInputBytes, UsageError } from '../command';

const HELP = `Usage:
  stripe-eventbridge test-pattern --pattern <file> --event <file> [--wrap] [--json]
  stripe-eventbridge test-pattern --synth <cdk.out> --event <file> [--json]

Matches an event against EventBridge event patterns the way EventBridge does, without an AWS account.

Options:
  --pattern <file>  An event pattern (JSON). "-" reads standard input.
  --event <file>    The event (JSON). "-" reads standard input.
  --synth <dir>     A synthesized app (cdk.out): list the rules, and the handlers behind them, that
                    would receive the event. A bare Stripe event is wrapped the way Stripe delivers it.
                    A snapshot event ("object": "event") reaches the rules on the bus of a snapshot
                    destination, a thin one ("object": "v2.core.event") those on a thin destination's.
  --wrap            With --pattern: wrap a bare Stripe event in its EventBridge envelope first (a thin
                    one as the notification a thin destination sends: without "data" and "changes").
  --json            Print the result as JSON.

Output and exit code:
  MATCH (0), NO MATCH and the reason (1); with --synth, exit 0 when at least one rule receives the event.
  An invalid pattern prints EventBridge's message and exits 2, as do an invalid event (not a JSON object,
  or nested deeper than 1,000 levels), files that cannot be read, are not UTF-8 or hold more than one
  JSON value, and bad options.`;

interface Input {
  /** The file's text. */
  readonly text: string;
  /** The parsed value, when the text is JSON. */
  readonly value: unknown;
}

/** A problem with what an input file holds: printed without the help, exit code 2. */
class InputError extends StripeEventBridgeError {}

/**
 * Reads a JSON file (or standard input): its bytes must be UTF-8, and nothing but whitespace may follow its
 * one JSON value. Other problems in the JSON are left to the matcher, which reports them as EventBridge does.
 */
function readJson(io: CliIo, file: string, what: string): Input {
  let bytes: Uint8Array;
  try {
    bytes = readInputBytes(io, file);
  } catch (e) {
    throw new UsageError(`cannot read the ${what} from ${file}: ${(e as Error).message}`);
  }
  const bad = findInvalidUtf8(bytes);
  if (bad) {
    const shown = Array.from(bytes.subarray(bad.offset, bad.offset + bad.length), (b) => `0x${b.toString(16).padStart(2, '0')}`).join(' ');
    const lead = bytes[bad.offset];
    const problem = lead < 0xc2 || lead > 0xf4 ? `${shown} cannot start a character` : `${shown} does not make a valid character`;
    throw new InputError(`${inputName(file)} is not UTF-8: at byte offset ${bad.offset}, ${problem}`);
  }
  // (A byte order mark is kept, as before: it is not JSON, and the matcher says so.)
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
  const after = textAfterValue(text);
  if (after) {
    const found = text.slice(after.offset, after.offset + 20).split(/\r?\n/)[0];
    throw new InputError(`${inputName(file)} has more after its JSON value, at line ${after.line}, column ${after.column}: ${JSON.stringify(found)}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined; // the matcher reports syntax errors with EventBridge's wording
  }
  return { text, value };
}

/**
 * The event as EventBridge would deliver it: with `wrap`, a bare Stripe event gets its envelope. An event
 * that is not JSON, or is nested too deep to match, is reported as it is written, before it is wrapped.
 */
function eventText(event: Input, wrap: boolean): string {
  if (!wrap) return event.text;
  parseEvent(event.text);
  return asDelivered(event.text);
}

function testOnePattern(io: CliIo, patternFile: string, event: Input, wrap: boolean, json: boolean): number {
  const pattern = readJson(io, patternFile, 'pattern');
  let compiled: EventPattern;
  try {
    compiled = EventPattern.compile(pattern.text);
  } catch (e) {
    if (!(e instanceof InvalidEventPatternError)) throw e;
    const where = e.line !== undefined ? ` (${patternFile}, line ${e.line}, column ${e.column})` : '';
    if (json) io.out(JSON.stringify({ valid: false, error: e.message }));
    else io.err(`INVALID PATTERN: ${e.message}${where}`);
    return EXIT_INVALID;
  }
  if (pattern.text.length > DEFAULT_PATTERN_SIZE_QUOTA) {
    io.err(`note: the pattern is ${pattern.text.length.toLocaleString('en-US')} characters long; EventBridge rules take at most `
      + `${DEFAULT_PATTERN_SIZE_QUOTA.toLocaleString('en-US')} unless the account's "Event pattern size" quota is raised.`);
  }
  const result = compiled.test(eventText(event, wrap));
  if (json) {
    io.out(JSON.stringify({ valid: true, matches: result.matches, ...(result.reason ? { reason: result.reason } : {}) }));
  } else if (result.matches) {
    io.out('MATCH');
  } else {
    io.out(`NO MATCH\n  ${result.reason}`);
    if (!wrap && isBareStripeEvent(event.value) && !isEventBridgeEvent(event.value)) {
      io.err('note: this is a bare Stripe event; EventBridge delivers it wrapped (source, detail-type, detail). Add --wrap to match it that way.');
    }
  }
  return result.matches ? EXIT_OK : EXIT_NO;
}

function ruleLabel(v: RuleVerdict): string {
  return v.rule.constructPath ?? `${v.rule.stack} ${v.rule.logicalId}`;
}

function handlersOf(v: RuleVerdict): string {
  const targets = v.rule.targets.map((t) => (t.handlerName ? `handler ${t.handlerName}` : t.logicalId ? `${t.type} ${t.logicalId}` : 'external target'));
  return targets.length > 0 ? targets.join(', ') : 'no targets';
}

function testSynthesized(io: CliIo, dir: string, event: Input, json: boolean): number {
  let rules;
  try {
    rules = readSynthesizedRules(dir);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const verdicts = judgeRules(rules, parseEvent(eventText(event, true)));
  const style: StripePayloadStyle | undefined = payloadStyleOf(event.value);
  const receiving = verdicts.filter((v) => receives(v, style));
  if (json) {
    io.out(JSON.stringify({
      receiving: receiving.length,
      rules: verdicts.map((v) => ({
        stack: v.rule.stack,
        logicalId: v.rule.logicalId,
        constructPath: v.rule.constructPath,
        eventBus: v.rule.eventBus,
        stripeBus: v.rule.stripeBus,
        ...(v.rule.payloads ? { payloads: v.rule.payloads } : {}),
        enabled: v.rule.enabled,
        matches: v.matches,
        handlers: v.rule.targets.map((t) => t.handlerName).filter((n) => n !== undefined),
        ...(v.reason ? { reason: v.reason } : {}),
      })),
    }, undefined, 2));
    return receiving.length > 0 ? EXIT_OK : EXIT_NO;
  }
  const stripe = event.value as { detail?: { id?: unknown; type?: unknown }; id?: unknown; type?: unknown };
  const subject = isBareStripeEvent(stripe) ? `${stripe.id} (${stripe.type})` : isBareStripeEvent(stripe?.detail) ? `${stripe.detail.id} (${stripe.detail.type})` : 'the event';
  const headline = receiving.length > 0
    ? `MATCH: ${receiving.length} of ${verdicts.length} rules would receive ${subject}`
    : `NO MATCH: none of ${verdicts.length} rules would receive ${subject}`;
  io.out(headline);
  for (const v of receiving) io.out(`  + ${ruleLabel(v)} -> ${handlersOf(v)}`);
  for (const v of verdicts.filter((x) => !receiving.includes(x))) {
    const why = v.invalid ? `invalid pattern: ${v.reason}` : !v.matches ? v.reason : notReceivedBecause(v, style);
    io.out(`  - ${ruleLabel(v)}: ${why}`);
  }
  return receiving.length > 0 ? EXIT_OK : EXIT_NO;
}

export const command: CliCommand = {
  summary: 'Match an event against an event pattern, or against the rules of a synthesized app',
  help: HELP,
  async run(args, io) {
    const options = parseOptions(args, { values: ['pattern', 'event', 'synth'], flags: ['wrap', 'json'] });
    const { pattern, synth } = options.values;
    if (options.values.event === undefined) throw new UsageError('--event is required');
    if ((pattern === undefined) === (synth === undefined)) throw new UsageError('give either --pattern or --synth');
    if (pattern === '-' && options.values.event === '-') throw new UsageError('only one of --pattern and --event can read standard input');
    try {
      const event = readJson(io, options.values.event, 'event');
      return synth !== undefined
        ? testSynthesized(io, synth, event, options.flags.has('json'))
        : testOnePattern(io, pattern!, event, options.flags.has('wrap'), options.flags.has('json'));
    } catch (e) {
      if (e instanceof InvalidEventError) {
        io.err(`INVALID EVENT: ${e.message}`);
        return EXIT_INVALID;
      }
      if (e instanceof InputError) {
        io.err(`stripe-eventbridge test-pattern: ${e.message}`);
        return EXIT_INVALID;
      }
      throw e;
    }
  },
};
