/**
 * Every EventBridge pattern case validated against AWS's TestEventPattern API that this repository
 * vendors (test/fixtures/data/eventbridge-patterns, from LocalStack's test suite: see SOURCES.md):
 * - `<name>.json5` must match, `<name>_NEG.json5` must not, `<name>_EXC.json5` is an invalid pattern whose
 *   message must be AWS's, as recorded in test_events_patterns.snapshot.json;
 * - complex_multi_key_event*.json: a pattern with a duplicate key, sent as raw text;
 * - the snapshot's invalid-JSON patterns, with AWS's messages.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as JSON5 from 'json5';
import { EventPattern, InvalidEventPatternError } from '../../src/event-pattern';

const DIR = path.join(__dirname, '..', 'fixtures', 'data', 'eventbridge-patterns');
const SNAPSHOT = JSON.parse(fs.readFileSync(path.join(DIR, 'test_events_patterns.snapshot.json'), 'utf8'));
const SNAPSHOT_KEY = 'tests/aws/services/events/test_events_patterns.py::TestEventPattern';

/** AWS's message, first line (the rest is Jackson's position, which AWS's API adds). */
function awsMessage(recorded: { Error: { Message: string } }): string {
  return recorded.Error.Message.split('\n')[0];
}

function verdict(pattern: string, event: string): string {
  try {
    return EventPattern.compile(pattern).matches(event) ? 'MATCH' : 'NO MATCH';
  } catch (e) {
    if (e instanceof InvalidEventPatternError) return `INVALID: ${e.message}`;
    throw e;
  }
}

const cases = fs.readdirSync(DIR).filter((f) => f.endsWith('.json5')).sort().map((file) => {
  const name = file.replace(/\.json5$/, '');
  const { Event, EventPattern: pattern } = JSON5.parse(fs.readFileSync(path.join(DIR, file), 'utf8'));
  let expected: string;
  if (name.endsWith('_EXC')) {
    expected = `INVALID: ${awsMessage(SNAPSHOT[`${SNAPSHOT_KEY}::test_event_pattern[${name}]`]['recorded-content'][name].exception_message)}`;
  } else {
    expected = name.endsWith('_NEG') ? 'NO MATCH' : 'MATCH';
  }
  return { name, pattern: JSON.stringify(pattern), event: JSON.stringify(Event), expected };
});

test('the vendored selection is all there', () => {
  expect(cases).toHaveLength(117);
  expect(cases.filter((c) => c.expected.startsWith('INVALID'))).toHaveLength(28);
  expect(cases.filter((c) => c.expected === 'NO MATCH')).toHaveLength(39);
});

describe('AWS-validated cases', () => {
  test.each(cases)('$name: $expected', ({ pattern, event, expected }) => {
    expect(verdict(pattern, event)).toBe(expected);
  });

  test('complex_multi_key_event: a duplicate key keeps its last value (MATCH)', () => {
    // Parsed as raw text: a JSON object cannot hold the duplicate key.
    const pattern = fs.readFileSync(path.join(DIR, 'complex_multi_key_event_pattern.json'), 'utf8');
    const event = fs.readFileSync(path.join(DIR, 'complex_multi_key_event.json'), 'utf8');
    expect(pattern.match(/"location"/g)).toHaveLength(2);
    expect(verdict(pattern, event)).toBe('MATCH');
  });

  const invalidJson = Object.entries<any>(SNAPSHOT)
    .filter(([key]) => key.startsWith(`${SNAPSHOT_KEY}::test_invalid_json_event_pattern[`))
    .map(([key, value]) => ({ pattern: /\[(.*)\]$/.exec(key)![1], message: awsMessage(value['recorded-content']['invalid-pattern']) }));

  test('the snapshot records four invalid JSON patterns', () => {
    expect(invalidJson).toHaveLength(4);
  });

  test.each(invalidJson)('invalid JSON $pattern', ({ pattern, message }) => {
    expect(verdict(pattern, '{}')).toBe(`INVALID: ${message}`);
  });
});
