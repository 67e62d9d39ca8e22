/**
 * What a function writes reaches its invocation's logs, whole and in order, however the Node.js execution
 * environment (src/cli/local/lambda-sandbox.ts) batches it: many writes in one turn of the event loop and across
 * awaits, stdout and stderr, output left before a timeout, and nothing written at init counted as an invocation's.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LocalLambdaFunction } from '../../../src/cli/local/local-lambda';

const ROOT = path.join(__dirname, '..', '..', '..');
const taskRoot = fs.mkdtempSync(path.join(ROOT, '.tmp', 'node-sandbox-'));
fs.writeFileSync(path.join(taskRoot, 'index.js'), `
console.log('at init');
exports.many = async (event) => {
  for (let i = 0; i < 50; i++) console.log('line ' + i);
  console.error('to stderr');
  await new Promise((resolve) => setTimeout(resolve, 5));
  process.stdout.write('after the await\\npartial');
  return { n: event.n };
};
exports.stuck = async () => {
  console.log('before the deadline');
  await new Promise(() => undefined);
};
exports.failing = async () => {
  console.log('about to fail');
  throw new Error('boom');
};
`);
const functions: LocalLambdaFunction[] = [];
const fn = (handler: string) => {
  const f = new LocalLambdaFunction({ name: handler, taskRoot, handler: `index.${handler}`, timeoutSeconds: 2 });
  functions.push(f);
  return f;
};
afterAll(() => {
  functions.forEach((f) => f.close());
  fs.rmSync(taskRoot, { recursive: true, force: true });
});

test('every line of an invocation, stdout and stderr, in order, across awaits; none of init', async () => {
  const many = fn('many');
  const expected = [...Array.from({ length: 50 }, (_, i) => `line ${i}`), 'to stderr', 'after the await', 'partial'];
  const first = await many.invoke({ n: 1 });
  expect(first).toMatchObject({ ok: true, result: { n: 1 } });
  expect(first.logs).toEqual(expected);
  const second = await many.invoke({ n: 2 });
  expect(second.logs).toEqual(expected);
});

test('what a function wrote before its deadline is in the timed-out invocation\'s logs', async () => {
  const out = await fn('stuck').invoke({}, { timeoutMs: 500 });
  expect(out.ok).toBe(false);
  expect(out.error?.name).toBe('Sandbox.Timedout');
  expect(out.logs).toEqual(['before the deadline']);
});

test('a failing invocation keeps its output', async () => {
  const out = await fn('failing').invoke({});
  expect(out).toMatchObject({ ok: false, error: { message: 'boom' } });
  expect(out.logs).toEqual(['about to fail']);
});
