/**
 * Python CDK apps run by the CLI: the interpreter of the environment the wheel's `stripe-eventbridge` was started from,
 * and a library error said once. End to end (the wheel in a fresh virtual environment): test/python/test_cli.py.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { appEnvironment } from '../../../src/cli/local/cdk-app';
import { callingPython, condenseJsiiTraceback, missingModuleHint } from '../../../src/cli/local/python-app';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'python-app-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** A virtual environment's layout: bin/python3 and pyvenv.cfg. */
function venv(name: string): string {
  const python = path.join(work, name, 'bin', 'python3');
  fs.mkdirSync(path.dirname(python), { recursive: true });
  fs.writeFileSync(python, '', { mode: 0o755 });
  fs.writeFileSync(path.join(work, name, 'pyvenv.cfg'), 'home = /usr/bin\n');
  return python;
}

test('from the wheel (jsii\'s runtime sets JSII_AGENT=Python/…), the interpreter running its script; from npx, none', () => {
  const python = venv('venv');
  const script = path.join(work, 'venv', 'bin', 'stripe-eventbridge');
  expect(callingPython({ JSII_AGENT: 'Python/3.12.3' }, () => [python, script, 'replay'])).toBe(python);
  expect(callingPython({}, () => [python, script, 'replay'])).toBeUndefined();
  expect(callingPython({ JSII_AGENT: 'Python/3.12.3' }, () => ['python3', script])).toBeUndefined(); // not a path: PATH decides
  expect(callingPython({ JSII_AGENT: 'Python/3.12.3' }, () => ['/usr/bin/node', script])).toBeUndefined();
  // This process's real parent (jest's worker host, a Node.js): not a Python.
  expect(callingPython({ JSII_AGENT: 'Python/3.12.3' })).toBeUndefined();
});

test('a Python app runs with that interpreter\'s directory first on PATH and its environment as VIRTUAL_ENV; jsii quiet', () => {
  const python = venv('app-venv');
  const app = path.join(work, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'cdk.json'), JSON.stringify({ app: 'python3 app.py' }));
  const fromWheel = { PATH: '/usr/bin:/bin', JSII_AGENT: 'Python/3.12.3', JSII_RUNTIME_PACKAGE_CACHE: 'disabled' };
  // The parent of this test process is not a Python: as from npx, PATH stays the user's.
  const env = appEnvironment(app, fromWheel);
  expect(env.PATH).toBe('/usr/bin:/bin');
  expect(env.JSII_AGENT).toBeUndefined();
  // The wheel's script turns jsii's package cache off for itself only: the app keeps it.
  expect(env.JSII_RUNTIME_PACKAGE_CACHE).toBeUndefined();
  expect(appEnvironment(app, { ...fromWheel, JSII_AGENT: undefined }).JSII_RUNTIME_PACKAGE_CACHE).toBe('disabled');
  expect(env.JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION).toBe(process.versions.node.split('.')[0]);
  expect(env.JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION).toBeDefined();
  // A TypeScript app never takes another Python's place.
  fs.writeFileSync(path.join(app, 'cdk.json'), JSON.stringify({ app: 'npx ts-node app.ts' }));
  expect(appEnvironment(app, fromWheel, python).PATH).toBe('/usr/bin:/bin');
  fs.writeFileSync(path.join(app, 'cdk.json'), JSON.stringify({ app: 'python3 app.py' }));
  // The same with the wheel's interpreter found (callingPython's own test above covers how).
  const activated = appEnvironment(app, fromWheel, python);
  expect(activated.PATH).toBe(`${path.dirname(python)}:/usr/bin:/bin`);
  expect(activated.VIRTUAL_ENV).toBe(path.join(work, 'app-venv'));
});

// What `python3 app.py` printed for an unknown event type (jsii 1.12x, Python 3.11): the JavaScript error, then the
// Python traceback through jsii's modules, both ending in the same message.
const JSII_FAILURE = `Resolving the stack...
jsii.errors.JavaScriptError: 
  ValidationError: [Payments/Stripe] handlers: 'checkout.session.complete' is not a Stripe event type (did you mean 'checkout.session.completed'?).
      at invalid (/tmp/jsii-kernel-Hrc7KA/node_modules/@babes/stripe-eventbridge/lib/private/errors.js:77:11)
      at new StripeEventBridgeIntegration (/tmp/jsii-kernel-Hrc7KA/node_modules/@babes/stripe-eventbridge/lib/stripe-eventbridge-integration.js:82:59)
      at Kernel._Kernel_create (/tmp/tmpd_qw3fzm/lib/program.js:1:63996)

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/home/ava/shop/app.py", line 102, in <module>
    PaymentsStack(app, "Payments")
  File "/home/ava/shop/.venv/lib/python3.11/site-packages/jsii/_runtime.py", line 135, in __call__
    inst = super(JSIIMeta, cast(JSIIMeta, cls)).__call__(*args, **kwargs)
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/home/ava/shop/app.py", line 76, in __init__
    self.stripe = StripeEventBridgeIntegration(
                  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/home/ava/shop/.venv/lib/python3.11/site-packages/jsii/_kernel/providers/process.py", line 359, in send
    raise RuntimeError(resp.error) from JavaScriptError(resp.stack)
RuntimeError: [Payments/Stripe] handlers: 'checkout.session.complete' is not a Stripe event type (did you mean 'checkout.session.completed'?).
`.split('\n');

test('a library error from a Python app: said once, with the app\'s own frames as Python shows them', () => {
  expect(condenseJsiiTraceback(JSII_FAILURE, '/home/ava/shop')).toEqual([
    'Resolving the stack...',
    "Traceback (most recent call last), in the app's files:",
    '  File "app.py", line 102, in <module>',
    '    PaymentsStack(app, "Payments")',
    '  File "app.py", line 76, in __init__',
    '    self.stripe = StripeEventBridgeIntegration(',
    "RuntimeError: [Payments/Stripe] handlers: 'checkout.session.complete' is not a Stripe event type (did you mean 'checkout.session.completed'?).",
  ]);
  // A Python error of the app's own (no JavaScript cause) is left as Python printed it.
  const own = ['Traceback (most recent call last):', '  File "/home/ava/shop/app.py", line 3, in <module>', '    x = 1 / 0', 'ZeroDivisionError: division by zero'];
  expect(condenseJsiiTraceback(own, '/home/ava/shop')).toEqual(own);
});

test('an app that ran on a Python without aws-cdk-lib: which one it was, and the fixes', () => {
  const app = path.join(work, 'shop');
  fs.mkdirSync(path.join(app, '.venv', 'bin'), { recursive: true });
  fs.writeFileSync(path.join(app, '.venv', 'bin', 'python'), '');
  const output = "Traceback (most recent call last):\n  File \"app.py\", line 22, in <module>\n    import aws_cdk as cdk\nModuleNotFoundError: No module named 'aws_cdk'";
  const hint = missingModuleHint(output, app, { PATH: path.join(work, 'venv', 'bin') });
  expect(hint).toBe(
    `The app ran on ${path.join(work, 'venv', 'bin', 'python3')}, which has no 'aws_cdk'. Run stripe-eventbridge from the virtual environment ` +
      'that has aws-cdk-lib and babes-stripe-eventbridge (activate it, or run its bin/stripe-eventbridge), or name its interpreter in cdk.json: ' +
      '"app": ".venv/bin/python app.py".',
  );
  expect(missingModuleHint("ModuleNotFoundError: No module named 'requests'", app, {})).toBeUndefined();
});
