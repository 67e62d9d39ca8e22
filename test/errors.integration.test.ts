/**
 * The Python wrapper's side of test/errors.test.ts: every exception the layer defines descends from its one base,
 * `stripe_eventbridge.errors.StripeEventBridgeError`, checked by importing the bundled layer in Python (a process,
 * hence the integration tier).
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { PYTHON_WRAPPER_ASSET_DIR } from '../src/private/handler/wrapper-layer';

test('Python: every exception of the wrapper is a stripe_eventbridge.errors.StripeEventBridgeError', () => {
  const script = `
import inspect, json, stripe_eventbridge.config, stripe_eventbridge.effects, stripe_eventbridge.envelope, stripe_eventbridge.idempotency, stripe_eventbridge.user_handler
from stripe_eventbridge.errors import StripeEventBridgeError
modules = [stripe_eventbridge.config, stripe_eventbridge.effects, stripe_eventbridge.envelope, stripe_eventbridge.idempotency, stripe_eventbridge.user_handler]
found = sorted({f"{c.__module__}.{n}" for m in modules for n, c in inspect.getmembers(m, inspect.isclass) if issubclass(c, Exception) and not n.startswith('_') and c.__module__.startswith('stripe_eventbridge')})
outside = [n for m in modules for n, c in inspect.getmembers(m, inspect.isclass) if issubclass(c, Exception) and not n.startswith('_') and c.__module__.startswith('stripe_eventbridge') and not issubclass(c, StripeEventBridgeError)]
try:
    stripe_eventbridge.user_handler.load_user_handler('/tmp', 'nohandler')
    caught = False
except StripeEventBridgeError:
    caught = True
print(json.dumps({"found": found, "outside": outside, "caught": caught}))
`;
  const out = spawnSync(process.env.STRIPE_EB_LOCAL_PYTHON ?? 'python3', ['-c', script], {
    env: { ...process.env, PYTHONPATH: path.join(PYTHON_WRAPPER_ASSET_DIR, 'python'), PYTHONDONTWRITEBYTECODE: '1' },
    encoding: 'utf8',
  });
  expect(out.stderr).toBe('');
  const result = JSON.parse(out.stdout);
  expect(result.found.length).toBeGreaterThanOrEqual(6);
  expect(result.outside).toEqual([]);
  expect(result.caught).toBe(true);
});
