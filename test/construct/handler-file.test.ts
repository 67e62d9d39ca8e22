/**
 * A handler string naming a file that is not in the code's local asset directory fails at synth, with the fix, instead
 * of on every event after deploy: Node.js files as the wrapper loads them, Python modules as Python imports them.
 * What synth cannot see is left alone: tokens, code that is not a local directory, bundling, user layers.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DockerImage, Lazy, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { StripeEventHandler } from '../../src';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'handler-file-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** A directory with these files (empty), as `Code.fromAsset` would read it. */
function dir(name: string, files: string[]): string {
  const d = path.join(root, name);
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(d, file)), { recursive: true });
    fs.writeFileSync(path.join(d, file), '');
  }
  return d;
}

const node = (code: lambda.Code, handler: string, layers?: lambda.ILayerVersion[]) => () => StripeEventHandler.fromCode({ code, handler, layers });
const python = (code: lambda.Code, handler: string) => () => StripeEventHandler.fromPythonCode({ code, handler });

test("Node.js: 'order.handler' where there is orders.js names the file that is missing and the handler meant", () => {
  const code = lambda.Code.fromAsset(dir('node', ['orders.js', 'refunds.mjs', 'lib/memberships.cjs', 'README.md']));
  const shown = path.relative(process.cwd(), path.join(root, 'node'));
  expect(node(code, 'order.handler')).toThrow(`handler: 'order.handler' names order.js, which is not in the code's directory ${shown} (did you mean 'orders.handler', for orders.js?).`);
  expect(node(code, 'lib/membership.handler')).toThrow(/names lib\/membership\.js, .* \(did you mean 'lib\/memberships\.handler', for lib\/memberships\.cjs\?\)\.$/);
  expect(node(code, 'payouts.handler')).toThrow(/names payouts\.js, which is not in the code's directory .*\. Its JavaScript files: orders\.js, refunds\.mjs\. Give the handler as '<file without extension>\.<function>', relative to that directory\.$/);
  for (const handler of ['orders.handler', 'refunds.handler', 'lib/memberships.handler', 'orders.handlers.checkout']) expect(node(code, handler)).not.toThrow();
});

test('Node.js: a TypeScript file where JavaScript is expected says to compile or bundle it', () => {
  const code = lambda.Code.fromAsset(dir('typescript', ['orders.ts']));
  expect(node(code, 'orders.handler')).toThrow(/names orders\.js, which is not in the code's directory .*; orders\.ts is there, and Lambda runs JavaScript: compile it to orders\.js in that directory first, or bundle it with aws-lambda-nodejs's NodejsFunction and pass the function with StripeEventHandler\.fromFunction\(\)\.$/);
});

test('Node.js: a directory module and a package in node_modules are found as the wrapper finds them', () => {
  const code = lambda.Code.fromAsset(dir('modules', ['orders/index.js', 'node_modules/shared-handlers/package.json']));
  expect(node(code, 'orders.handler')).not.toThrow();
  expect(node(code, 'shared-handlers.handler')).not.toThrow();
});

test('Python: a missing module names its file and the module meant; packages and dotted modules are found', () => {
  const code = lambda.Code.fromAsset(dir('python', ['memberships.py', 'shop/orders.py', 'shop/__init__.py', 'refunds/__init__.py']));
  expect(python(code, 'membership.handler')).toThrow(/handler: 'membership\.handler' names membership\.py, which is not in the code's directory .* \(did you mean 'memberships\.handler', for memberships\.py\?\)\.$/);
  expect(python(code, 'shop.order.handler')).toThrow(/names shop\/order\.py, .*\(did you mean 'shop\.orders\.handler', for shop\/orders\.py\?\)\.$/);
  for (const handler of ['memberships.handler', 'shop.orders.handler', 'refunds.handler', 'shop/orders.handler']) expect(python(code, handler)).not.toThrow();
});

test('left alone: inline code, a zip file, code bundled at synth, user layers (they may hold the module), a token', () => {
  const zip = path.join(dir('zip', ['code.zip']), 'code.zip');
  const bundled = lambda.Code.fromAsset(dir('bundled', ['src/orders.ts']), { bundling: { image: DockerImage.fromRegistry('node:22') } });
  const layer = lambda.LayerVersion.fromLayerVersionArn(new Stack(), 'Layer', 'arn:aws:lambda:us-east-1:123456789012:layer:handlers:1');
  const plain = lambda.Code.fromAsset(dir('plain', ['index.js']));
  expect(node(lambda.Code.fromInline('exports.handler = async () => null;'), 'orders.handler')).not.toThrow();
  expect(node(lambda.Code.fromAsset(zip), 'orders.handler')).not.toThrow();
  expect(node(bundled, 'orders.handler')).not.toThrow();
  expect(node(plain, 'orders.handler', [layer])).not.toThrow();
  expect(node(plain, Lazy.string({ produce: () => 'orders.handler' }))).not.toThrow();
});
