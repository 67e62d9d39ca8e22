/**
 * `stripe-eventbridge test-pattern`, run as users run it: the bundled CLI (assets/cli/index/index.js, built
 * by `npx projen bundle`) in a child process. Output and exit codes are the contract.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EVENT_SOURCE, synthesizeApp, synthesizeThinApp } from '../../event-pattern/support/synth-app';
import { API_REFERENCE_EVENT, RUBY_RAW_NOTIFICATION_FILE, THIN_ENVELOPES } from '../../event-pattern/support/thin-samples';

const REPO = path.join(__dirname, '..', '..', '..');
const CLI = path.join(REPO, 'assets', 'cli', 'index', 'index.js');
const SAMPLES = path.join(REPO, 'test', 'fixtures', 'data', 'stripe-events');
const PATTERNS = path.join(REPO, 'test', 'fixtures', 'data', 'eventbridge-patterns');
const ENVELOPE = path.join(SAMPLES, 'eventbridge-envelope__stripe-node-v1-customer.created.json');
const CHECKOUT = path.join(SAMPLES, 'checkout.session.completed__stripe-ruby-mock.json');

let work: string;

function run(args: string[], input?: string): { code: number | null; out: string; err: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: work, input, encoding: 'utf8', timeout: 30_000 });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

function write(name: string, value: unknown): string {
  const file = path.join(work, name);
  fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

beforeAll(() => {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npx projen bundle\` first`);
  fs.mkdirSync(path.join(REPO, '.tmp'), { recursive: true });
  work = fs.mkdtempSync(path.join(REPO, '.tmp', 'cli-test-'));
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('stripe-eventbridge', () => {
  test('is an executable with a shebang', () => {
    expect(fs.readFileSync(CLI, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(() => fs.accessSync(CLI, fs.constants.X_OK)).not.toThrow();
    const result = spawnSync(CLI, ['--help'], { encoding: 'utf8' });
    expect(result.status).toBe(0);
  });

  test('lists its commands', () => {
    const { code, out } = run(['--help']);
    expect(code).toBe(0);
    expect(out).toMatch(/^Usage: stripe-eventbridge <command> \[options\]/);
    expect(out).toMatch(/^ {2}test-pattern +Match an event against an event pattern/m);
  });

  test('an unknown command is a usage error', () => {
    const { code, err } = run(['no-such-command']);
    expect(code).toBe(2);
    expect(err).toContain("unknown command 'no-such-command'");
    expect(run([]).code).toBe(2);
  });
});

describe('test-pattern --pattern', () => {
  const customerCreated = { 'source': [{ prefix: 'aws.partner/stripe.com' }], 'detail-type': ['customer.created'] };

  test('MATCH exits 0', () => {
    const { code, out, err } = run(['test-pattern', '--pattern', write('p.json', customerCreated), '--event', ENVELOPE]);
    expect({ code, out, err }).toEqual({ code: 0, out: 'MATCH\n', err: '' });
  });

  test('NO MATCH exits 1 and says why', () => {
    const pattern = write('p.json', { 'detail-type': [{ wildcard: 'customer.subscription.*' }] });
    const { code, out } = run(['test-pattern', '--pattern', pattern, '--event', ENVELOPE]);
    expect(code).toBe(1);
    expect(out).toBe('NO MATCH\n  detail-type is "customer.created", which does not match [{"wildcard":"customer.subscription.*"}]\n');
  });

  test('an invalid pattern prints EventBridge\'s message and exits 2', () => {
    // An AWS-validated invalid pattern (content_wildcard_repeating_star_EXC).
    const pattern = write('p.json', { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:**:event-bus/*' }] });
    const { code, out, err } = run(['test-pattern', '--pattern', pattern, '--event', ENVELOPE]);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(`INVALID PATTERN: Event pattern is not valid. Reason: Consecutive wildcard characters at pos 26 (${pattern}, line 1, column 70)\n`);
  });

  test.each([24, 100, 600])('a wildcard with %i stars gets EventBridge\'s answer (too complex) and exits 2', (stars) => {
    // The wildcard complexity walk used to take exponential time: 24 stars took about a minute, 100 did not finish.
    const pattern = write('p.json', { 'detail-type': [{ wildcard: Array.from({ length: stars + 1 }, () => 'a').join('*') }] });
    const { code, out, err } = run(['test-pattern', '--pattern', pattern, '--event', ENVELOPE]);
    expect({ code, out, err }).toEqual({
      code: 2,
      out: '',
      err: 'INVALID PATTERN: Event pattern is not valid. Reason: Rule is too complex - try using fewer wildcard characters or fewer repeating '
        + 'character sequences after a wildcard character\n',
    });
  });

  test('JSON syntax errors get Jackson\'s wording, as from AWS', () => {
    const { code, err } = run(['test-pattern', '--pattern', write('p.json', "{'bad': 'quotation'}"), '--event', ENVELOPE]);
    expect(code).toBe(2);
    expect(err).toContain("Reason: Unexpected character (''' (code 39)): was expecting double-quote to start field name");
  });

  test('reads the pattern from standard input and prints JSON', () => {
    const { code, out } = run(['test-pattern', '--pattern', '-', '--event', ENVELOPE, '--json'], JSON.stringify({ detail: { livemode: [false] } }));
    expect(code).toBe(1);
    expect(JSON.parse(out)).toEqual({ valid: true, matches: false, reason: 'detail.livemode is true, which does not match [false]' });
    const invalid = run(['test-pattern', '--pattern', '-', '--event', ENVELOPE, '--json'], '{"a": 1}');
    expect(invalid.code).toBe(2);
    expect(JSON.parse(invalid.out)).toEqual({ valid: false, error: 'Event pattern is not valid. Reason: "a" must be an object or an array' });
  });

  test('a bare Stripe event is matched as is, or as Stripe delivers it with --wrap', () => {
    const pattern = write('p.json', { 'source': [{ prefix: 'aws.partner/stripe.com' }], 'detail-type': ['checkout.session.completed'] });
    const bare = run(['test-pattern', '--pattern', pattern, '--event', CHECKOUT]);
    expect(bare.code).toBe(1);
    expect(bare.err).toContain('Add --wrap');
    expect(run(['test-pattern', '--pattern', pattern, '--event', CHECKOUT, '--wrap'])).toEqual({ code: 0, out: 'MATCH\n', err: '' });
  });

  test('an event that is not a JSON object exits 2', () => {
    const { code, err } = run(['test-pattern', '--pattern', write('p.json', customerCreated), '--event', write('e.json', '["not", "an", "object"]')]);
    expect(code).toBe(2);
    expect(err).toBe('INVALID EVENT: Parameter Event is not valid. The event must be a JSON object.\n');
  });

  test.each([
    [['--pattern', 'p.json'], '--event is required'],
    [['--pattern', 'p.json', '--synth', 'cdk.out', '--event', 'e.json'], 'give either --pattern or --synth'],
    [['--pattern', 'p.json', '--event', 'e.json', '--verbose'], 'unknown option --verbose'],
    [['--pattern', 'missing.json', '--event', 'e.json'], 'cannot read the pattern from missing.json'],
  ])('usage error %j', (args, message) => {
    write('e.json', {});
    const { code, err } = run(['test-pattern', ...args]);
    expect(code).toBe(2);
    expect(err).toContain(message);
    expect(err).toContain('Usage:');
  });
});

describe('test-pattern --synth', () => {
  let cdkOut: string;

  beforeAll(() => {
    cdkOut = synthesizeApp();
  }, 120_000);

  afterAll(() => fs.rmSync(cdkOut, { recursive: true, force: true }));

  test('lists the rules and handlers that would receive a bare Stripe event, in every stack and stage', () => {
    const { code, out } = run(['test-pattern', '--synth', cdkOut, '--event', CHECKOUT]);
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toBe('MATCH: 2 of 7 rules would receive evt_000000000000000000000000 (checkout.session.completed)');
    expect(lines.filter((l) => l.startsWith('  + '))).toEqual([
      '  + Payments/Stripe/Orders/Rule -> handler Orders',
      '  + Prod/Payments/Stripe/Orders/Rule -> handler Orders',
    ]);
    expect(lines).toContain('  - Payments/Stripe/Memberships/Rule: detail-type is "checkout.session.completed", which does not match '
      + '["invoice.payment_failed",{"wildcard":"customer.subscription.*"}]');
  });

  test('takes an event in its EventBridge envelope as it is', () => {
    const subscription = JSON.parse(fs.readFileSync(path.join(SAMPLES, 'customer.subscription.updated__stripe-ruby-mock.json'), 'utf8'));
    const envelope = write('envelope.json', {
      'version': '0',
      'id': '00000000-0000-0000-0000-000000000000',
      'detail-type': subscription.type,
      'source': EVENT_SOURCE,
      'account': '123456789012',
      'time': '2026-01-01T00:00:00Z',
      'region': 'us-east-1',
      'resources': [],
      'detail': subscription,
    });
    const { code, out } = run(['test-pattern', '--synth', cdkOut, '--event', envelope]);
    expect(code).toBe(0);
    expect(out.split('\n').filter((l) => l.startsWith('  + '))).toEqual([
      '  + Payments/Stripe/Memberships/Rule -> handler Memberships',
      '  + Prod/Payments/Stripe/Memberships/Rule -> handler Memberships',
    ]);
  });

  test('a rule on another bus does not receive Stripe\'s events, even when its pattern matches', () => {
    const { code, out } = run(['test-pattern', '--synth', cdkOut, '--event', path.join(SAMPLES, 'charge.dispute.created__stripe-ruby-mock.json')]);
    expect(code).toBe(1);
    expect(out).toMatch(/^NO MATCH: none of 7 rules would receive evt_\w+ \(charge\.dispute\.created\)$/m);
    expect(out).toContain('  - Prod/Payments/Audit/DisputeAudit: matches, but the rule is on the default bus, which does not receive Stripe\'s events');
  });

  test('--json', () => {
    const { code, out } = run(['test-pattern', '--synth', cdkOut, '--event', CHECKOUT, '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(out);
    expect(result.receiving).toBe(2);
    expect(result.rules).toHaveLength(7);
    expect(result.rules.filter((r: any) => r.matches)).toEqual([
      expect.objectContaining({ stack: 'Payments', constructPath: 'Payments/Stripe/Orders/Rule', eventBus: EVENT_SOURCE, stripeBus: true, handlers: ['Orders'] }),
      expect.objectContaining({ stack: 'Prod/Payments', constructPath: 'Prod/Payments/Stripe/Orders/Rule', handlers: ['Orders'] }),
    ]);
  });

  test('a directory that is not a cloud assembly is a usage error', () => {
    const { code, err } = run(['test-pattern', '--synth', work, '--event', CHECKOUT]);
    expect(code).toBe(2);
    expect(err).toContain('is not a cloud assembly (no manifest.json)');
  });
});

describe('thin events', () => {
  let cdkOut: string;

  beforeAll(() => {
    cdkOut = synthesizeThinApp();
  }, 120_000);

  afterAll(() => fs.rmSync(cdkOut, { recursive: true, force: true }));

  const receivers = (out: string) => out.split('\n').filter((l) => l.startsWith('  + '));

  test('--wrap puts a bare thin notification in the envelope a thin bus delivers', () => {
    // stripe-ruby's bare notification, and its EventBridge form in the same tests: the wrapped one matches what the real one matches.
    const raw = JSON.parse(fs.readFileSync(RUBY_RAW_NOTIFICATION_FILE, 'utf8'));
    const pattern = write('p.json', {
      'source': [{ prefix: 'aws.partner/stripe.com/' }],
      'detail-type': ['v1.billing.meter.error_report_triggered'],
      'detail': { object: ['v2.core.event'], id: [raw.id], related_object: { type: ['billing.meter'] } },
    });
    expect(run(['test-pattern', '--pattern', pattern, '--event', RUBY_RAW_NOTIFICATION_FILE, '--wrap'])).toEqual({ code: 0, out: 'MATCH\n', err: '' });
    const ruby = THIN_ENVELOPES.find((s) => s.file.includes('stripe-ruby'))!;
    expect(run(['test-pattern', '--pattern', pattern, '--event', ruby.path])).toEqual({ code: 0, out: 'MATCH\n', err: '' });
    const bare = run(['test-pattern', '--pattern', pattern, '--event', RUBY_RAW_NOTIFICATION_FILE]);
    expect(bare.code).toBe(1);
    expect(bare.err).toContain('note: this is a bare Stripe event; EventBridge delivers it wrapped (source, detail-type, detail). Add --wrap');
  });

  test('--wrap leaves out what Stripe\'s API adds to a thin event (data, changes): a destination never sends it', () => {
    const event = write('api-event.json', API_REFERENCE_EVENT);
    const hasData = write('p.json', { detail: { data: { developer_message_summary: [{ exists: true }] } } });
    expect(run(['test-pattern', '--pattern', hasData, '--event', event, '--wrap'])).toEqual({
      code: 1,
      out: 'NO MATCH\n  detail.data.developer_message_summary is not in the event (pattern: [{"exists":true}])\n',
      err: '',
    });
    const meter = write('p.json', { 'detail-type': [{ prefix: 'v1.billing.meter.' }], 'detail': { related_object: { type: ['billing.meter'] }, livemode: [false] } });
    expect(run(['test-pattern', '--pattern', meter, '--event', event, '--wrap'])).toEqual({ code: 0, out: 'MATCH\n', err: '' });
  });

  test.each(THIN_ENVELOPES.map((s) => [s.file, s] as const))('--synth routes %s, in its envelope or bare, to the rules of the thin bus only', (_file, sample) => {
    const expected: Record<string, string[]> = {
      'v2.core.event_destination.ping': ['  + Platform/Stripe/Pings/Rule -> handler Pings', '  + Platform/Stripe/Everything/ThinRule -> handler Everything'],
      'v1.billing.meter.error_report_triggered': ['  + Platform/Stripe/Meters/Rule -> handler Meters', '  + Platform/Stripe/Everything/ThinRule -> handler Everything'],
      // stripe-node's test type is none of Stripe's: only the `*` handler takes it.
      'v2.billing.meter.error_report_triggered': ['  + Platform/Stripe/Everything/ThinRule -> handler Everything'],
    };
    const type: string = sample.envelope['detail-type'];
    for (const event of [sample.path, write('bare.json', sample.envelope.detail)]) {
      const { code, out } = run(['test-pattern', '--synth', cdkOut, '--event', event]);
      expect(code).toBe(0);
      expect(out.split('\n')[0]).toBe(`MATCH: ${expected[type].length} of 9 rules would receive ${sample.envelope.detail.id} (${type})`);
      expect(receivers(out)).toEqual(expected[type]);
      // The `*` handler's rule on the snapshot bus has the same pattern, and never sees a thin event.
      expect(out).toContain('  - Platform/Stripe/Everything/Rule: matches, but the rule is on a bus of snapshot events; '
        + 'a thin event arrives on the bus of a destination whose payload is thin\n');
    }
  });

  test('--synth routes a snapshot event and its thin twin to the rules of their own buses', () => {
    const snapshot = run(['test-pattern', '--synth', cdkOut, '--event', CHECKOUT]);
    expect(receivers(snapshot.out)).toEqual(['  + Platform/Stripe/Orders/Rule -> handler Orders', '  + Platform/Stripe/Everything/Rule -> handler Everything']);
    expect(snapshot.out).toContain('  - Platform/Stripe/Everything/ThinRule: matches, but the rule is on a bus of thin events; '
      + 'a snapshot event arrives on the bus of a destination whose payload is snapshot\n');
    const twin = write('twin.json', {
      id: 'evt_1ThinTwin',
      object: 'v2.core.event',
      type: 'v1.checkout.session.completed',
      created: '2026-11-26T12:00:00.000Z',
      livemode: false,
      related_object: { id: 'cs_test_1', type: 'checkout.session', url: '/v1/checkout/sessions/cs_test_1' },
      snapshot_event: 'evt_1SnapshotTwin',
    });
    const thin = run(['test-pattern', '--synth', cdkOut, '--event', twin]);
    expect(receivers(thin.out)).toEqual(['  + Platform/Stripe/Orders/ThinRule -> handler Orders', '  + Platform/Stripe/Everything/ThinRule -> handler Everything']);
  });

  test('--synth --json says which payload style each rule\'s bus carries', () => {
    const { code, out } = run(['test-pattern', '--synth', cdkOut, '--event', RUBY_RAW_NOTIFICATION_FILE, '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(out);
    expect(result.receiving).toBe(2);
    expect(result.rules.filter((r: any) => r.constructPath.startsWith('Connect/'))).toEqual([
      expect.objectContaining({ constructPath: 'Connect/Stripe/Accounts/Rule', payloads: ['snapshot'], matches: false }),
      expect.objectContaining({ constructPath: 'Connect/Stripe/Accounts/ThinRule', payloads: ['thin'], matches: false }),
    ]);
  });
});

describe('test-pattern input files', () => {
  const customerCreated = { 'detail-type': ['customer.created'] };
  /** An object nested `depth` levels deep (itself included) under key `a`, as JSON text. */
  const nested = (depth: number): string => '{"a":'.repeat(depth - 1) + '{"b":1' + '}'.repeat(depth);
  const TOO_DEEP = 'INVALID EVENT: Parameter Event is not valid. The event nests objects and arrays deeper than 1000 levels, '
    + 'the most EventBridge\'s matcher reads';

  test('an event nested 5,000 levels deep is an invalid event (exit 2), with or without --wrap', () => {
    const deep = write('deep.json', `{"detail-type":"customer.created","detail":${nested(5000)}}`);
    expect(run(['test-pattern', '--pattern', write('p.json', customerCreated), '--event', deep])).toEqual({
      code: 2, out: '', err: `${TOO_DEEP} (line 1, column 5039).\n`,
    });
    // A bare Stripe event is checked before it is wrapped, so the position is in the file.
    const bare = write('bare.json', `{"id":"evt_1","object":"event","type":"customer.created","data":${nested(5000)}}`);
    expect(run(['test-pattern', '--pattern', write('p.json', customerCreated), '--event', bare, '--wrap'])).toEqual({
      code: 2, out: '', err: `${TOO_DEEP} (line 1, column 5060).\n`,
    });
  });

  test('a wildcard literal of 6,000 characters: longer than EventBridge takes, exit 2', () => {
    const pattern = write('p.json', { 'detail-type': [{ wildcard: `customer.*${'x'.repeat(6000)}` }] });
    expect(run(['test-pattern', '--pattern', pattern, '--event', ENVELOPE])).toEqual({
      code: 2,
      out: '',
      err: 'INVALID PATTERN: The pattern is 6,043 characters long; EventBridge takes event patterns of at most 4,096 characters, and rules at '
        + 'most 2,048 unless the account\'s "Event pattern size" quota is raised.\n',
    });
  });

  test('a pattern over 2,048 characters is answered, with a note on the quota', () => {
    const pattern = write('p.json', { 'detail-type': ['customer.created', 'x'.repeat(3000)] });
    expect(run(['test-pattern', '--pattern', pattern, '--event', ENVELOPE])).toEqual({
      code: 0,
      out: 'MATCH\n',
      err: 'note: the pattern is 3,039 characters long; EventBridge rules take at most 2,048 unless the account\'s "Event pattern size" quota is raised.\n',
    });
  });

  test.each([
    ['the event', (file: string) => ['--pattern', write('p.json', customerCreated), '--event', file]],
    ['the pattern', (file: string) => ['--pattern', file, '--event', ENVELOPE]],
  ])('%s: anything after the JSON value is an error naming the file, line and column (exit 2)', (_what, args) => {
    // Without the check, the event {"a":1} was read and found to have no detail-type.
    const file = write('input.json', '{"detail-type": ["customer.created"], "a": 1}\n\n} xyz\n');
    expect(run(['test-pattern', ...args(file)])).toEqual({
      code: 2, out: '', err: `stripe-eventbridge test-pattern: ${file} has more after its JSON value, at line 3, column 1: "} xyz"\n`,
    });
  });

  test('anything after the JSON value on standard input is an error too', () => {
    const { code, err } = run(['test-pattern', '--pattern', write('p.json', customerCreated), '--event', '-'], '{"detail-type":"customer.created"} xyz');
    expect({ code, err }).toEqual({ code: 2, err: 'stripe-eventbridge test-pattern: standard input has more after its JSON value, at line 1, column 36: "xyz"\n' });
  });

  test.each([
    ['a byte that cannot start a character', Buffer.from([0xff]), '0xff cannot start a character'],
    ['a character cut short', Buffer.from([0xe2, 0x82]), '0xe2 0x82 does not make a valid character'],
    ['an encoded surrogate', Buffer.from([0xed, 0xa0, 0x80]), '0xed does not make a valid character'],
  ])('a file that is not UTF-8 (%s) is an error naming the file and byte offset (exit 2)', (_what, bytes, problem) => {
    // Read as UTF-8 text, the bytes became U+FFFD and the prefix below matched.
    const prefix = { 'detail-type': [{ prefix: 'customer.' }] };
    const event = path.join(work, 'bad-event.json');
    fs.writeFileSync(event, Buffer.concat([Buffer.from('{"detail-type": "customer.'), bytes, Buffer.from('"}')]));
    expect(run(['test-pattern', '--pattern', write('p.json', prefix), '--event', event])).toEqual({
      code: 2, out: '', err: `stripe-eventbridge test-pattern: ${event} is not UTF-8: at byte offset 26, ${problem}\n`,
    });
    const pattern = path.join(work, 'bad-pattern.json');
    fs.writeFileSync(pattern, Buffer.concat([Buffer.from('{"detail-type": [{"prefix": "customer.'), bytes, Buffer.from('"}]}')]));
    expect(run(['test-pattern', '--pattern', pattern, '--event', ENVELOPE])).toEqual({
      code: 2, out: '', err: `stripe-eventbridge test-pattern: ${pattern} is not UTF-8: at byte offset 38, ${problem}\n`,
    });
    const stdin = spawnSync(process.execPath, [CLI, 'test-pattern', '--pattern', '-', '--event', ENVELOPE],
      { cwd: work, input: fs.readFileSync(pattern), encoding: 'utf8', timeout: 30_000 });
    expect({ code: stdin.status, err: stdin.stderr }).toEqual({ code: 2, err: `stripe-eventbridge test-pattern: standard input is not UTF-8: at byte offset 38, ${problem}\n` });
  });

  test('--synth: a deeply nested event is invalid (exit 2); hostile rule patterns are listed as invalid', () => {
    // A cloud assembly written by hand: one stack with rules on a Stripe partner bus.
    const dir = fs.mkdtempSync(path.join(work, 'cdk.out-'));
    const bus = 'aws.partner/stripe.com/ed_test';
    const rule = (pattern: unknown) => ({ Type: 'AWS::Events::Rule', Properties: { EventBusName: bus, EventPattern: pattern } });
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({
      version: '36.0.0',
      artifacts: { Stack: { type: 'aws:cloudformation:stack', properties: { templateFile: 'Stack.template.json' } } },
    }));
    fs.writeFileSync(path.join(dir, 'Stack.template.json'), JSON.stringify({
      Resources: {
        Long: rule({ 'detail-type': [{ wildcard: `customer.*${'x'.repeat(6000)}` }] }),
        Stars: rule({ 'detail-type': [{ wildcard: Array.from({ length: 101 }, () => 'a').join('*') }] }),
        Plain: rule({ 'detail-type': ['customer.created'] }),
      },
    }));
    expect(run(['test-pattern', '--synth', dir, '--event', write('deep.json', `{"detail-type":"customer.created","detail":${nested(5000)}}`)])).toEqual({
      code: 2, out: '', err: `${TOO_DEEP} (line 1, column 5039).\n`,
    });
    const { code, out } = run(['test-pattern', '--synth', dir, '--event', ENVELOPE]);
    expect(code).toBe(0);
    expect(out.trimEnd().split('\n')).toEqual([
      'MATCH: 1 of 3 rules would receive evt_test_123 (customer.created)',
      '  + Stack Plain -> no targets',
      '  - Stack Long: invalid pattern: The pattern is 6,043 characters long; EventBridge takes event patterns of at most 4,096 characters, and rules '
        + 'at most 2,048 unless the account\'s "Event pattern size" quota is raised.',
      '  - Stack Stars: invalid pattern: Event pattern is not valid. Reason: Rule is too complex - try using fewer wildcard characters or fewer '
        + 'repeating character sequences after a wildcard character',
    ]);
  });
});

test('the AWS-validated invalid patterns exit 2 with AWS\'s message through the CLI too', () => {
  const snapshot = JSON.parse(fs.readFileSync(path.join(PATTERNS, 'test_events_patterns.snapshot.json'), 'utf8'));
  const key = 'tests/aws/services/events/test_events_patterns.py::TestEventPattern::test_event_pattern[content_numeric_syntax_EXC]';
  const message = snapshot[key]['recorded-content'].content_numeric_syntax_EXC.exception_message.Error.Message;
  const pattern = write('p.json', { detail: { 'c-count': [{ numeric: ['>', 0, '<'] }] } });
  const { code, err } = run(['test-pattern', '--pattern', pattern, '--event', ENVELOPE]);
  expect(code).toBe(2);
  expect(err).toContain(`INVALID PATTERN: ${message} (`);
});
