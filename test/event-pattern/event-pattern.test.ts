/**
 * The TypeScript API of the offline matcher (lib/event-pattern), and EventBridge behaviours worth stating
 * one by one. The bulk of the proof is elsewhere: AWS's validated cases (aws-cases.test.ts) and the
 * cross-check against Event Ruler (event-ruler.integration.test.ts).
 */
import {
  EventPattern,
  InvalidEventError,
  InvalidEventPatternError,
  isStripeEvent,
  matchesPattern,
  parseEvent,
  toEventBridgeEvent,
  validateEventPattern,
} from '../../src/event-pattern';

const envelope = (detailType: string, detail: object = {}) => ({
  'version': '0',
  'id': '1',
  'detail-type': detailType,
  'source': 'aws.partner/stripe.com/ed_123',
  'account': '123456789012',
  'time': '2026-01-01T00:00:00Z',
  'region': 'us-east-1',
  'resources': [],
  detail,
});

describe('matchesPattern', () => {
  const rule = { 'source': [{ prefix: 'aws.partner/stripe.com' }], 'detail-type': ['checkout.session.completed', { wildcard: 'customer.subscription.*' }] };

  test('takes patterns and events as objects or JSON text', () => {
    expect(matchesPattern(rule, envelope('customer.subscription.deleted'))).toEqual({ matches: true });
    expect(matchesPattern(JSON.stringify(rule), JSON.stringify(envelope('checkout.session.completed')))).toEqual({ matches: true });
  });

  test('says which field does not match', () => {
    expect(matchesPattern(rule, envelope('invoice.paid'))).toEqual({
      matches: false,
      reason: 'detail-type is "invoice.paid", which does not match ["checkout.session.completed",{"wildcard":"customer.subscription.*"}]',
    });
    expect(matchesPattern({ detail: { livemode: [true] } }, envelope('x'))).toEqual({ matches: false, reason: 'detail.livemode is not in the event (pattern: [true])' });
    expect(matchesPattern({ detail: { livemode: [{ exists: false }] } }, envelope('x', { livemode: true }))).toEqual({
      matches: false, reason: 'detail.livemode is true but the pattern requires it to be absent',
    });
  });

  test('explains each $or alternative', () => {
    const result = matchesPattern({ detail: { $or: [{ livemode: [true] }, { amount: [{ numeric: ['>', 100] }] }] } }, envelope('x', { livemode: false, amount: 5 }));
    expect(result).toEqual({
      matches: false,
      reason: 'no $or alternative matches: (1) detail.livemode is false, which does not match [true]; (2) detail.amount is 5, which does not match [{"numeric":[">",100]}]',
    });
  });

  test('throws AWS\'s message for an invalid pattern', () => {
    expect(() => matchesPattern({ detail: { livemode: true } }, envelope('x'))).toThrow(new InvalidEventPatternError('"livemode" must be an object or an array'));
    expect(() => matchesPattern({ detail: { livemode: true } }, envelope('x'))).toThrow('Event pattern is not valid. Reason: "livemode" must be an object or an array');
  });

  test('rejects events that are not JSON objects, as TestEventPattern does', () => {
    expect(() => matchesPattern(rule, '["an", "array"]')).toThrow(InvalidEventError);
    expect(() => matchesPattern(rule, '{"a":')).toThrow('Parameter Event is not valid. Unexpected end-of-input within/between Object entries');
  });
});

describe('EventPattern', () => {
  test('compiles once and matches a parsed event many times', () => {
    const live = EventPattern.compile({ detail: { livemode: [true] } });
    const test = EventPattern.compile({ detail: { livemode: [false] } });
    const event = parseEvent(JSON.stringify(envelope('charge.succeeded', { livemode: true })));
    expect([live.matches(event), test.matches(event)]).toEqual([true, false]);
    expect(live.branches).toHaveLength(1);
    expect(EventPattern.compile({ $or: [{ a: ['1'] }, { b: ['2'] }] }).branches).toHaveLength(2);
  });

  test('validateEventPattern returns AWS\'s message or undefined', () => {
    expect(validateEventPattern({ a: ['x'] })).toBeUndefined();
    expect(validateEventPattern({ a: [] })).toBe('Event pattern is not valid. Reason: Empty arrays are not allowed');
    expect(validateEventPattern('{}')).toBe('Event pattern is not valid. Reason: Empty objects are not allowed');
  });

  test('reports where in the JSON text a problem is', () => {
    try {
      EventPattern.compile('{\n  "a": [{"prefix": 1}]\n}');
      throw new Error('expected an invalid pattern');
    } catch (e) {
      expect(e).toMatchObject({ reason: 'prefix match pattern must be a string', line: 2, column: 21 });
    }
  });
});

describe('EventBridge semantics, case by case', () => {
  const matches = (pattern: object | string, event: object | string): boolean => EventPattern.compile(pattern).matches(event);

  test('fields of one array element are matched together (Stripe line items)', () => {
    const pattern = { detail: { items: { price: ['price_gold'], quantity: [2] } } };
    expect(matches(pattern, { detail: { items: [{ price: 'price_gold', quantity: 1 }, { price: 'price_silver', quantity: 2 }] } })).toBe(false);
    expect(matches(pattern, { detail: { items: [{ price: 'price_silver', quantity: 1 }, { price: 'price_gold', quantity: 2 }] } })).toBe(true);
  });

  test('numbers compare by value when they are exact doubles, by their text otherwise', () => {
    expect(matches({ amount: [5] }, '{"amount": 5.0}')).toBe(true);
    expect(matches({ amount: [{ numeric: ['>=', 0, '<', 1e9] }] }, '{"amount": 1e2}')).toBe(true);
    expect(matches({ amount: [{ numeric: ['<', 1] }] }, '{"amount": 0.30000000000000001}')).toBe(false);
    expect(matches('{"amount": [0.30000000000000001]}', '{"amount": 0.30000000000000001}')).toBe(true);
    expect(validateEventPattern({ amount: [{ numeric: ['>', 5, '<', 5] }] })).toBe('Event pattern is not valid. Reason: Bottom must be less than top');
  });

  test('strings match exactly; anything-but lets through everything else, null included', () => {
    expect(matches({ currency: ['usd'] }, { currency: 'USD' })).toBe(false);
    expect(matches({ status: [{ 'anything-but': 'unpaid' }] }, { status: null })).toBe(true);
    expect(matches({ status: [{ 'anything-but': 'unpaid' }] }, { status: 7 })).toBe(true);
    expect(matches({ status: [{ 'anything-but': 'unpaid' }] }, {})).toBe(false);
  });

  test('equals-ignore-case takes each pattern character in its lower or upper case', () => {
    expect(matches({ name: [{ 'equals-ignore-case': 'straße' }] }, { name: 'STRASSE' })).toBe(true);
    expect(matches({ name: [{ 'equals-ignore-case': 'STRASSE' }] }, { name: 'straße' })).toBe(false);
    expect(matches({ unit: [{ 'equals-ignore-case': '\u212a' }] }, { unit: 'k' })).toBe(true);
  });

  test('an IP address in a pattern matches however the event writes it', () => {
    expect(matches({ ip: ['10.0.0.1'] }, { ip: '10.000.0.1' })).toBe(true);
    expect(matches({ ip: [{ cidr: '2001:db8::/32' }] }, { ip: '2001:0db8:0000:0000:0000:0000:0000:0001' })).toBe(true);
    expect(validateEventPattern({ ip: [{ cidr: '10.0.0.0/32' }] })).toBe('Event pattern is not valid. Reason: IPv4 mask bits must be < 32');
  });

  test('wildcards: * for any run, \\* for an asterisk', () => {
    expect(matches({ key: [{ wildcard: 'orders/*.json' }] }, { key: 'orders/2026/01.json' })).toBe(true);
    expect(matches({ key: [{ wildcard: 'a\\*b' }] }, { key: 'a*b' })).toBe(true);
    expect(matches({ key: [{ wildcard: 'a\\*b' }] }, { key: 'axb' })).toBe(false);
    expect(validateEventPattern({ key: [{ wildcard: 'a\\b' }] })).toBe('Event pattern is not valid. Reason: Invalid escape character at pos 2');
  });

  test('a key repeated in an event gives the field two values', () => {
    expect(matches({ a: ['y'] }, '{"a": "x", "a": "y"}')).toBe(true);
  });

  test('a path written again later replaces the earlier one, also across $or', () => {
    expect(matches('{"a": ["1"], "a": ["2"]}', { a: '2' })).toBe(true);
    expect(matches('{"a": ["1"], "a": ["2"]}', { a: '1' })).toBe(false);
    const pattern = '{"$or": [{"a": ["1"]}, {"b": ["2"]}], "a": ["9"]}';
    expect(matches(pattern, { a: '1' })).toBe(false);
    expect(matches(pattern, { a: '9', b: '2' })).toBe(true);
  });

  test('wildcard complexity above 10 is rejected', () => {
    expect(validateEventPattern({ a: [{ wildcard: '*:*:*:*:*:e' }] })).toBeUndefined();
    expect(validateEventPattern({ a: [{ wildcard: '*:*:*:*:*:event-bus/*' }] })).toMatch(/Rule is too complex/);
  });

  // Jackson's messages, as Event Ruler 1.8.1 reports them (checked against it while building this).
  test.each([
    ['{', 'Unexpected end-of-input: expected close marker for Object (start marker at [Source: (String)"{"; line: 1, column: 1])'],
    ['{"a"', 'Unexpected end-of-input within/between Object entries'],
    ['{"a":["x",', 'Unexpected end-of-input within/between Array entries'],
    ['{"a":[-', 'Unexpected end-of-inputNo digit following sign'],
    ['{"a":[01]}', 'Invalid numeric value: Leading zeroes not allowed'],
    ['{"a":[+1]}', "Unexpected character ('+' (code 43)) in numeric value: JSON spec does not allow numbers to have plus signs: "
      + 'enable `JsonReadFeature.ALLOW_LEADING_PLUS_SIGN_FOR_NUMBERS` to allow'],
    ['{"a":[NaN]}', "Non-standard token 'NaN': enable `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow"],
    ['{"a":[1}', 'Unexpected close marker \'}\': expected \']\' (for Array starting at [Source: (String)"{"a":[1}"; line: 1, column: 6])'],
    ['{"a":[1 2]}', "Unexpected character ('2' (code 50)): was expecting comma to separate Array entries"],
    ['', 'Filter is not an object'],
  ])('JSON error in %j', (pattern, reason) => {
    expect(validateEventPattern(pattern)).toBe(`Event pattern is not valid. Reason: ${reason}`);
  });

  test('reading stops at the end of the pattern object, as in EventBridge', () => {
    expect(matches('{"a": ["x"]} and then anything', { a: 'x' })).toBe(true);
  });
});

describe('hostile input', () => {
  /** `depth` levels of objects (the top object included) around `leaf`, as JSON text. */
  const nestedText = (depth: number, leaf: string): string => '{"a":'.repeat(depth - 1) + `{"b":${leaf}` + '}'.repeat(depth);
  const nestedObject = (depth: number, leaf: unknown): object => {
    let o: object = { b: leaf };
    for (let i = 1; i < depth; i++) o = { a: o };
    return o;
  };
  const path = (depth: number): string => `${'a.'.repeat(depth - 1)}b`;

  test('a pattern too deep for EventBridge\'s JSON reader (1,000 levels) is longer than its API takes, however deep it goes', () => {
    // With 5 characters a level at least, 4,096 characters nest about 800 deep: that compiles.
    const deepest = '{"":'.repeat(818) + '["x"]' + '}'.repeat(818);
    expect(deepest.length).toBeLessThanOrEqual(4096);
    expect(validateEventPattern(deepest)).toBeUndefined();
    const tooLong = /^The pattern is [\d,]+ characters long; EventBridge takes event patterns of at most 4,096 characters/;
    expect(validateEventPattern(nestedText(1000, '["x"]'))).toMatch(tooLong);
    expect(validateEventPattern(nestedText(100_000, '["x"]'))).toMatch(tooLong);
    expect(validateEventPattern(nestedObject(5000, ['x']))).toMatch(tooLong);
  });

  test('an event nested deeper than 1,000 levels is invalid, however deep it goes', () => {
    const pattern = EventPattern.compile(`{"${path(1000)}": ["x"]}`);
    expect(pattern.matches(nestedText(1000, '"x"'))).toBe(true);
    expect(pattern.matches(nestedObject(1000, 'x'))).toBe(true);
    const message = 'Parameter Event is not valid. The event nests objects and arrays deeper than 1000 levels, the most EventBridge\'s matcher reads '
      + '(line 1, column 5001).';
    for (const event of [nestedText(1001, '"x"'), nestedText(200_000, '"x"'), nestedObject(1001, 'x'), nestedObject(200_000, 'x')]) {
      expect(() => pattern.test(event)).toThrow(new InvalidEventError(message.slice('Parameter Event is not valid. '.length)));
    }
  });
});

describe('limits without an EventBridge message', () => {
  /** `count` $or of two alternatives each, side by side: 2^count alternatives. */
  const sideBySide = (count: number, after = ''): string => {
    const ors = Array.from({ length: count }, (_, i) => `"k${i}":{"$or":[{"x":[{"wildcard":"${i}*"}]},{"y":[1]}]}`);
    return `{${ors.join(',')}${after}}`;
  };
  const TOO_MANY = 'The pattern\'s $or combinations make more than 256 alternatives, the most the offline matcher evaluates (each $or multiplies '
    + 'the alternatives built before it; EventBridge documents no limit of its own, and builds each alternative as well). Use fewer $or side by side, '
    + 'or split the rule.';

  test('$or alternatives multiply up to 256; past that the matcher says it stops, however many there are', () => {
    expect(EventPattern.compile(sideBySide(8)).branches).toHaveLength(256);
    for (const count of [9, 70]) {
      expect(() => EventPattern.compile(sideBySide(count))).toThrow(expect.objectContaining({ name: 'EventPatternLimitError', message: TOO_MANY }));
    }
    expect(() => EventPattern.compile(sideBySide(9))).toThrow(InvalidEventPatternError);
    expect(validateEventPattern(sideBySide(70))).toBe(TOO_MANY);
    // The pattern is still read to the end: a problem EventBridge would report comes first.
    expect(validateEventPattern(sideBySide(9, ',"z":1'))).toBe('Event pattern is not valid. Reason: "z" must be an object or an array');
  });

  test('a pattern longer than EventBridge\'s API takes (4,096 characters) is rejected, saying so', () => {
    const pattern = (length: number): string => {
      const frame = '{"a":["x",""]}';
      return `{"a":["x","${'y'.repeat(length - frame.length)}"]}`;
    };
    expect(pattern(4096)).toHaveLength(4096);
    expect(validateEventPattern(pattern(4096))).toBeUndefined();
    expect(validateEventPattern(pattern(4097))).toBe('The pattern is 4,097 characters long; EventBridge takes event patterns of at most 4,096 characters, '
      + 'and rules at most 2,048 unless the account\'s "Event pattern size" quota is raised.');
    expect(validateEventPattern({ 'detail-type': [{ wildcard: `a*${'b'.repeat(6000)}` }] })).toMatch(/^The pattern is 6,035 characters long; /);
  });
});

describe('Stripe envelope', () => {
  const stripeEvent = { id: 'evt_1', object: 'event', type: 'invoice.paid', created: 1767225600, livemode: false, data: { object: {} } };

  test('wraps a bare Stripe event the way a Stripe event destination delivers it', () => {
    expect(isStripeEvent(stripeEvent)).toBe(true);
    const event = toEventBridgeEvent(stripeEvent);
    expect(event).toEqual({
      'version': '0',
      'id': expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      'detail-type': 'invoice.paid',
      'source': 'aws.partner/stripe.com/ed_local',
      'account': '000000000000',
      'time': '2026-01-01T00:00:00Z',
      'region': 'us-east-1',
      'resources': [],
      'detail': stripeEvent,
    });
    expect(toEventBridgeEvent(stripeEvent).id).toBe(event.id);
    expect(toEventBridgeEvent(stripeEvent, { source: 'aws.partner/stripe.com/ed_9' }).source).toBe('aws.partner/stripe.com/ed_9');
  });
});
