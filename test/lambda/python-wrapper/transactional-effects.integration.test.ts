/**
 * Transactional effects in Python, where the Python wrapper differs from the Node.js one: boto3's two shapes,
 * `context.effects.transact_write(TransactItems=[...], result=...)` (the client's typed values) and
 * `transact_write_resource` (the resource API's plain values), and the Python handler of docs/handlers.md. Every
 * scenario both wrappers share runs on both in test/lambda/transactional-effects.integration.test.ts. The real Python layer in local
 * Python execution environments against DynamoDB Local, every request of the wrapper counted at a proxy; the sample
 * handler is test/fixtures/handlers/transactional.py.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LocalLambdaFunction } from '../../../src/cli/local/local-lambda';
import { createBusinessTable, effectsFor, outcomeLine, PYTHON_RUNTIME, scanAll, useLocalStack, WrappedFunctionOptions } from '../../support/local-stack';
import { readmeBlocks, REPO_ROOT } from '../../support/readme';
import { envelope, loadSample, StripeEventSample, withId } from '../../support/stripe-samples';

const SAMPLE = loadSample<StripeEventSample>('checkout.session.completed__stripe-ruby-mock.json');

const stack = useLocalStack({ proxy: true });
afterEach(() => stack.proxy.setFault(undefined));

function fn(keyPrefix: string, mode: string, options: Partial<WrappedFunctionOptions> = {}): LocalLambdaFunction {
  return stack.wrapped({
    runtime: PYTHON_RUNTIME,
    handlerName: 'PyOrders',
    keyPrefix,
    userHandler: 'transactional.handler',
    dynamoDbEndpoint: stack.proxy.endpoint,
    ...options,
    // boto3's standard retries, two attempts: a failing DynamoDB answers within the test's time.
    environment: { SAMPLE_MODE: mode, AWS_MAX_ATTEMPTS: '2', ...options.environment },
  });
}

test('transact_write_resource takes boto3\'s resource values (int, Decimal, set) and commits them the same way', async () => {
  const f = fn('Test.PyTx.Resource', 'resource');
  const out = await f.invoke(envelope(withId(SAMPLE, 'evt_1PyTxResource')));
  expect(out.error).toBeUndefined();
  expect(outcomeLine(out.logs)).toMatchObject({ outcome: 'processed', transaction_actions: 1 });
  const [item] = (await scanAll(stack.client, stack.businessTable)).filter((i) => i.pk === 'evt_1PyTxResource');
  expect(item).toMatchObject({ effects: 1, eventType: 'checkout.session.completed', amount: 19.99 });
  expect([...item.tags].sort()).toEqual(['paid', 'web']);
  expect(outcomeLine((await f.invoke(envelope(withId(SAMPLE, 'evt_1PyTxResource')))).logs)?.outcome).toBe('duplicate');
  expect(await effectsFor(stack.client, stack.businessTable, 'evt_1PyTxResource')).toBe(1);
});

test('transact_write takes boto3\'s client shape only: a plain value is refused (InvalidTransactionError, no request, nothing written), naming the method that takes it', async () => {
  const id = 'evt_1PyTxNotTyped';
  stack.proxy.reset();
  const out = await fn('Test.PyTx.NotTyped', 'not-typed').invoke(envelope(withId(SAMPLE, id)));
  expect(out.error?.name).toBe('InvalidTransactionError');
  expect(out.error?.message).toMatch(/^transact_write: TransactItems\[0\]\.Put\.Item\['pk'\] is not a DynamoDB attribute value such as \{"S": "text"\} or \{"N": "12"\} \(boto3's client shape\): got 'evt_1PyTxNotTyped'\. For plain Python values \(as boto3's Table\.put_item takes them\), use context\.effects\.transact_write_resource\. Nothing was written\.$/);
  expect(outcomeLine(out.logs)).toMatchObject({ outcome: 'failed', handler_ran: true, error_name: 'InvalidTransactionError' });
  expect(stack.proxy.requests.map((r) => `${r.operation} ${r.status}`)).toEqual(['PutItem 200', 'DeleteItem 200']);
  expect((await scanAll(stack.client, stack.businessTable)).filter((i) => String(i.pk).startsWith(id))).toEqual([]);
});

test('the docs\' Python transactional handler (docs/handlers.md) runs through the wrapper: 2 requests for a fresh event, effect included, 1 for a duplicate, each write once', async () => {
  const [code] = readmeBlocks().filter((b) => b.section === 'python-handlers' && b.lang === 'python');
  expect(code.code).toContain('context.effects.transact_write_resource(');
  const dir = fs.mkdtempSync(path.join(REPO_ROOT, '.tmp', 'readme-python-effects-'));
  fs.writeFileSync(path.join(dir, 'orders.py'), code.code);
  const ordersTable = await createBusinessTable(stack.client);
  const f = fn('Payments/Stripe.Orders', 'ok', { userHandler: 'orders.handler', taskRoot: dir, environment: { ORDERS_TABLE: ordersTable } });
  const event = withId(SAMPLE, 'evt_1ReadmePyExactlyOnce');
  await f.invoke(envelope(withId(SAMPLE, 'evt_1ReadmePyWarmUp')));

  stack.proxy.reset();
  const first = await f.invoke(envelope(event));
  expect(first.error).toBeUndefined();
  expect(first.result).toEqual({ order: SAMPLE.data.object.id });
  expect(stack.proxy.requests.map((r) => r.operation)).toEqual(['PutItem', 'TransactWriteItems']);
  stack.proxy.reset();
  const duplicate = await f.invoke(envelope(event));
  expect(outcomeLine(duplicate.logs)?.outcome).toBe('duplicate');
  expect(duplicate.result).toEqual(first.result);
  expect(stack.proxy.requests.map((r) => r.operation)).toEqual(['PutItem']);

  const items = await scanAll(stack.client, ordersTable);
  expect(items.filter((i) => i.pk === `ORDER#${SAMPLE.data.object.id}`)).toEqual([{ pk: `ORDER#${SAMPLE.data.object.id}`, total: SAMPLE.data.object.amount_total ?? null }]);
  // Two events for the same session in all (warm-up and this one), each counted once.
  expect(items.find((i) => i.pk === `SALES#${SAMPLE.data.object.currency}`)?.orders).toBe(2);
  fs.rmSync(dir, { recursive: true, force: true });
});
