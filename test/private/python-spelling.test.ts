/**
 * Messages in the caller's language: for a Python app (jsii's Python runtime sets JSII_AGENT=Python/<version>), the
 * API's names in snake_case and the settings a message shows as Python writes them. The names come from the package's
 * `.jsii` assembly at run time (checked end to end through the wheel by test/python/test_validation.py and
 * test_cli.py); here they are given, so the spelling rules are tested without a compiled assembly.
 */
import { forCaller, pythonSpelling } from '../../src/private/errors';

const API_NAMES = new Set(['allowUnknownEventTypes', 'backfillLimit', 'disabledAlarms', 'evaluationPeriods']);
const asPython = (message: string) => pythonSpelling(message, API_NAMES);

test('a setting to turn on reads as a keyword argument: allow_unknown_event_types=True, not allow_unknown_event_types: true', () => {
  expect(asPython('If it is a newer Stripe event type, set allowUnknownEventTypes: true.')).toBe('If it is a newer Stripe event type, set allow_unknown_event_types=True.');
  expect(asPython('backfillLimit is set but backfill is off, so nothing is sent; set backfill: true.')).toBe('backfill_limit is set but backfill is off, so nothing is sent; set backfill=True.');
});

test('an object literal reads as a dict, and the prop that takes it as a keyword argument', () => {
  expect(asPython("Turn the alarms off (alarms: { enabled: false }) and build your own from the routes' metrics.")).toBe(
    'Turn the alarms off (alarms={"enabled": False}) and build your own from the routes\' metrics.',
  );
  expect(asPython('to drop alarms, use `alarms: { enabled: false }` or `alarms.disabledAlarms`.')).toBe('to drop alarms, use `alarms={"enabled": False}` or `alarms.disabled_alarms`.');
});

test('prose with a colon, and the user\'s own camelCase values, stay as they are', () => {
  const prose = "handlers: 'checkout.sesion.completed' is not a Stripe event type; alarms.evaluationPeriods: 0 must be at least 1 ({ not: code here }); handler 'myOrders' fails.";
  expect(asPython(prose)).toBe("handlers: 'checkout.sesion.completed' is not a Stripe event type; alarms.evaluation_periods: 0 must be at least 1 ({ not: code here }); handler 'myOrders' fails.");
});

test('forCaller translates only for a Python app: TypeScript callers get the message unchanged', () => {
  const before = process.env.JSII_AGENT;
  try {
    delete process.env.JSII_AGENT;
    expect(forCaller('set allowUnknownEventTypes: true.')).toBe('set allowUnknownEventTypes: true.');
    process.env.JSII_AGENT = 'Python/3.12.3';
    expect(forCaller('set backfill: true.')).toBe('set backfill=True.');
  } finally {
    if (before === undefined) delete process.env.JSII_AGENT;
    else process.env.JSII_AGENT = before;
  }
});
