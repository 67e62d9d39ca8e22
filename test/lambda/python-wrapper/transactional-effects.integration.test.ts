/**
 * Transactional effects for Python handlers: `context.effects.transact_write(TransactItems=[...], result=...)` (boto3's
 * client shapes) or `transact_write_resource` (its resource values), committed by the Python wrapper layer in one
 * TransactWriteItems with the completion of the event's idempotency record. The Node.js cases of
 * test/lambda/wrapper/transactional-effects.test.ts against the real Python layer in local Python execution environments
 * and DynamoDB Local, every request of the wrapper counted at a proxy. The sample handler is
 * test/fixtures/handlers/transactional.py.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { LocalLambdaFunction } from '../../../src/cli/local/local-lambda';
import { createBusinessTable, effectsFor, idempotencyRecords, jsonLines, openGate, outcomeLine, PYTHON_RUNTIME, scanAll, useLocalStack, WrappedFunctionOptions } from '../../support/local-stack';
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

/** The requests the wrapper sent, `Operation status [error]`. */
function calls(): string[] {
  return stack.proxy.requests.map((r) => `${r.operation} ${r.status}${r.errorType ? ' ' + r.errorType : ''}`);
}

async function records(keyPrefix: string): Promise<Record<string, any>[]> {
  return idempotencyRecords(stack.client, stack.idempotencyTable, keyPrefix);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a fresh event and its duplicate', () => {
  test('fresh: PutItem and one TransactWriteItems holding the effect and the record; duplicate: one PutItem; the effect once', async () => {
    const f = fn('Test.PyTx.Fresh', 'ok');
    await f.invoke(envelope(withId(SAMPLE, 'evt_1PyTxWarmUp'))); // cold start out of the way
    const event = withId(SAMPLE, 'evt_1PyTxFresh');

    stack.proxy.reset();
    const before = Date.now();
    const first = await f.invoke(envelope(event));
    expect(first.error).toBeUndefined();
    expect(calls()).toEqual(['PutItem 200', 'TransactWriteItems 200']);
    expect(stack.proxy.requests[1].tables).toEqual([stack.businessTable, stack.idempotencyTable]);
    expect(first.result).toEqual({ handled: 'evt_1PyTxFresh', type: 'checkout.session.completed' });
    expect(outcomeLine(first.logs)).toMatchObject({ outcome: 'processed', transaction_actions: 1 });

    // Powertools (Python)'s record: the result as JSON text (keys sorted), expiration in seconds, the deadline in ms.
    const [record, ...others] = await records('Test.PyTx.Fresh').then((r) => r.filter((x) => x.data?.includes('evt_1PyTxFresh')));
    expect(others).toEqual([]);
    expect(record).toMatchObject({ status: 'COMPLETED', data: '{"handled": "evt_1PyTxFresh", "type": "checkout.session.completed"}' });
    expect(record.expiration).toBeGreaterThanOrEqual(Math.floor(before / 1000) + 36 * 86_400);
    expect(record.expiration).toBeLessThan(Date.now() / 1000 + 36 * 86_400 + 1);
    expect(record.in_progress_expiration).toBeGreaterThan(before);

    stack.proxy.reset();
    const duplicate = await f.invoke(envelope(event));
    expect(calls()).toEqual(['PutItem 400 ConditionalCheckFailedException']);
    expect(outcomeLine(duplicate.logs)?.outcome).toBe('duplicate');
    expect(outcomeLine(duplicate.logs)?.transaction_actions).toBeUndefined();
    expect(duplicate.result).toEqual(first.result);
    expect(await effectsFor(stack.client, stack.businessTable, 'evt_1PyTxFresh')).toBe(1);
  });

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
});

describe('a failure before the commit writes nothing; one after it makes the retry a duplicate: exactly once', () => {
  test('a handler that raises before handing anything over: no effect, the record is released, the retry has the effect once', async () => {
    const event = withId(SAMPLE, 'evt_1PyTxRaiseBefore');
    stack.proxy.reset();
    const out = await fn('Test.PyTx.RaiseBefore', 'raise-before').invoke(envelope(event));
    expect(out.error).toMatchObject({ name: 'RuntimeError', message: 'payment provider unavailable for evt_1PyTxRaiseBefore' });
    expect(calls()).toEqual(['PutItem 200', 'DeleteItem 200']);
    expect(await records('Test.PyTx.RaiseBefore')).toEqual([]);
    await fn('Test.PyTx.RaiseBefore', 'ok').invoke(envelope(event));
    expect(await effectsFor(stack.client, stack.businessTable, 'evt_1PyTxRaiseBefore')).toBe(1);
  });

  test('a handler that raises after the commit: the event fails, but the record stays completed and the retry is a duplicate', async () => {
    const event = withId(SAMPLE, 'evt_1PyTxRaiseAfter');
    const f = fn('Test.PyTx.RaiseAfter', 'raise-after-commit');
    stack.proxy.reset();
    const out = await f.invoke(envelope(event));
    expect(out.error?.name).toBe('RuntimeError');
    expect(outcomeLine(out.logs)).toMatchObject({ outcome: 'failed', handler_ran: true, transaction_actions: 1 });
    // The delete is conditioned on the record still being in progress: the completed record stays.
    expect(calls()).toEqual(['PutItem 200', 'TransactWriteItems 200', 'DeleteItem 400 ConditionalCheckFailedException']);
    expect((await records('Test.PyTx.RaiseAfter')).map((r) => r.status)).toEqual(['COMPLETED']);
    const retry = await f.invoke(envelope(event));
    expect(outcomeLine(retry.logs)?.outcome).toBe('duplicate');
    expect(retry.result).toEqual({ handled: 'evt_1PyTxRaiseAfter', type: 'checkout.session.completed' });
    expect(await effectsFor(stack.client, stack.businessTable, 'evt_1PyTxRaiseAfter')).toBe(1);
  });

  test('DynamoDB fails the commit: TransactionOutcomeUnknownError, nothing written, the record released, the retry has the effect once', async () => {
    const event = withId(SAMPLE, 'evt_1PyTxCommitFails');
    const f = fn('Test.PyTx.CommitFails', 'ok');
    stack.proxy.setFault(({ operation }) => (operation === 'TransactWriteItems' ? 'server-error' : 'pass'));
    stack.proxy.reset();
    const failed = await f.invoke(envelope(event));
    expect(failed.error?.name).toBe('TransactionOutcomeUnknownError');
    expect(failed.error?.message).toMatch(/got no answer \(InternalServerError: .*\): it committed entirely or not at all/);
    expect(outcomeLine(failed.logs)).toMatchObject({ outcome: 'failed', handler_ran: true });
    expect(await effectsFor(stack.client, stack.businessTable, 'evt_1PyTxCommitFails')).toBe(0);
    expect(calls().at(-1)).toBe('DeleteItem 200');
    expect(await records('Test.PyTx.CommitFails')).toEqual([]);

    stack.proxy.setFault(undefined);
    expect(outcomeLine((await f.invoke(envelope(event))).logs)?.outcome).toBe('processed');
    expect(outcomeLine((await f.invoke(envelope(event))).logs)?.outcome).toBe('duplicate');
    expect(await effectsFor(stack.client, stack.businessTable, 'evt_1PyTxCommitFails')).toBe(1);
  });

  test('a handler that swallows an unknown commit outcome still fails the event, and the retry has the effect once', async () => {
    const event = withId(SAMPLE, 'evt_1PyTxSwallow');
    const f = fn('Test.PyTx.Swallow', 'swallow');
    stack.proxy.setFault(({ operation }) => (operation === 'TransactWriteItems' ? 'drop' : 'pass'));
    const failed = await f.invoke(envelope(event));
    expect(failed.error?.name).toBe('TransactionOutcomeUnknownError');
    stack.proxy.setFault(undefined);
    const retry = await f.invoke(envelope(event));
    expect(retry.result).toEqual({ handled: 'evt_1PyTxSwallow', type: 'checkout.session.completed' });
    expect(await effectsFor(stack.client, stack.businessTable, 'evt_1PyTxSwallow')).toBe(1);
  });

  test('the environment dies after the commit: the retry is a duplicate and returns the committed result', async () => {
    const event = withId(SAMPLE, 'evt_1PyTxCrashAfter');
    const f = fn('Test.PyTx.CrashAfter', 'crash-after-commit');
    const crashed = await f.invoke(envelope(event));
    expect(crashed.error?.name).toBe('Runtime.ExitError');
    expect(await effectsFor(stack.client, stack.businessTable, 'evt_1PyTxCrashAfter')).toBe(1);
    expect((await records('Test.PyTx.CrashAfter')).map((r) => r.status)).toEqual(['COMPLETED']);
    const retry = await f.invoke(envelope(event));
    expect(outcomeLine(retry.logs)?.outcome).toBe('duplicate');
    expect(retry.result).toEqual({ handled: 'evt_1PyTxCrashAfter', type: 'checkout.session.completed' });
    expect(await effectsFor(stack.client, stack.businessTable, 'evt_1PyTxCrashAfter')).toBe(1);
  });

  test('the environment dies before the commit: nothing was written; after the deadline the retry has the effect once', async () => {
    const event = withId(SAMPLE, 'evt_1PyTxCrashBefore');
    const f = fn('Test.PyTx.CrashBefore', 'crash-before-commit');
    const crashed = await f.invoke(envelope(event), { timeoutMs: 2_000 });
    expect(crashed.error?.name).toBe('Runtime.ExitError');
    expect(await effectsFor(stack.client, stack.businessTable, 'evt_1PyTxCrashBefore')).toBe(0);
    const [record] = await records('Test.PyTx.CrashBefore');
    expect(record.status).toBe('INPROGRESS');
    await sleep(Math.max(0, record.in_progress_expiration - Date.now()) + 50);
    const retry = await f.invoke(envelope(event));
    expect(outcomeLine(retry.logs)).toMatchObject({ outcome: 'processed', transaction_actions: 1 });
    expect(await effectsFor(stack.client, stack.businessTable, 'evt_1PyTxCrashBefore')).toBe(1);
  });
});

test('a record that is no longer this invocation\'s (removed, or taken over after its deadline) lets nothing commit', async () => {
  const event = withId(SAMPLE, 'evt_1PyTxRecordLost');
  const f = fn('Test.PyTx.RecordLost', 'gate');
  const running = f.invoke(envelope(event));
  let record: Record<string, any> | undefined;
  while (!record) {
    await sleep(25);
    [record] = await records('Test.PyTx.RecordLost');
  }
  await stack.client.send(new DeleteItemCommand({ TableName: stack.idempotencyTable, Key: { id: { S: record.id } } }));
  await openGate(stack.client, stack.businessTable, 'evt_1PyTxRecordLost');
  const out = await running;
  expect(out.error?.name).toBe('IdempotencyRecordLostError');
  expect(out.error?.message).toMatch(/is no longer this invocation's in-progress record .* so neither the effects nor the completion were committed/);
  expect(outcomeLine(out.logs)).toMatchObject({ outcome: 'failed', handler_ran: true, error_name: 'IdempotencyRecordLostError' });
  expect(await effectsFor(stack.client, stack.businessTable, 'evt_1PyTxRecordLost')).toBe(0);
});

describe('conditions on the handler\'s own items work as DynamoDB\'s do', () => {
  test('a failed condition raises boto3\'s TransactionCanceledException with the handler\'s own reasons; the handler completes without writes', async () => {
    const event = withId(SAMPLE, 'evt_1PyTxConditionCaught');
    const f = fn('Test.PyTx.Condition', 'condition');
    stack.proxy.reset();
    const out = await f.invoke(envelope(event));
    expect(out.error).toBeUndefined();
    // One reason per item the handler handed over: the record's own is left out.
    expect(out.result).toEqual({ ignored: 'no order yet', reasons: ['ConditionalCheckFailed', 'None'] });
    expect(calls()).toEqual(['PutItem 200', 'TransactWriteItems 400 TransactionCanceledException', 'UpdateItem 200']);
    expect(await effectsFor(stack.client, stack.businessTable, 'evt_1PyTxConditionCaught')).toBe(0);
    expect(outcomeLine((await f.invoke(envelope(event))).logs)?.outcome).toBe('duplicate');
  });

  test('not caught, it fails the event (retried, then dead-lettered) and releases the record', async () => {
    const out = await fn('Test.PyTx.ConditionUncaught', 'condition-uncaught').invoke(envelope(withId(SAMPLE, 'evt_1PyTxConditionUncaught')));
    expect(out.error?.name).toBe('TransactionCanceledException');
    expect(outcomeLine(out.logs)).toMatchObject({ outcome: 'failed', handler_ran: true, error_name: 'TransactionCanceledException' });
    expect(await records('Test.PyTx.ConditionUncaught')).toEqual([]);
  });
});

describe('DynamoDB\'s transaction rules are checked before the call: InvalidTransactionError, no request, nothing written', () => {
  test.each<[string, RegExp]>([
    ['too-many', /^transact_write: 100 actions plus the idempotency record's completion make 101; DynamoDB's TransactWriteItems takes at most 100, so an event's effects must fit in 99 actions\. Nothing was written\.$/],
    ['same-item', /^transact_write: TransactItems\[0\] \(Put\) and TransactItems\[1\] \(Update\) target the same item \{"pk":"evt_1PyTxLimit_same_item"\} in business-\S+; DynamoDB allows one action per item in a transaction\. Merge them into one action\. Nothing was written\.$/],
    ['other-region', /^transact_write: TransactItems\[0\]\.Update\.TableName 'arn:aws:dynamodb:eu-west-1:000000000000:table\/\S+' is in account 000000000000, Region eu-west-1; this function and its idempotency table are in account 000000000000, Region us-east-1\. A DynamoDB transaction cannot span accounts or Regions\. Nothing was written\.$/],
    ['too-large', /^transact_write: the actions add up to about 4\d{6} bytes; DynamoDB's TransactWriteItems takes items of at most 4194304 bytes \(4 MB\) in all\. Write less per event\. Nothing was written\.$/],
    ['own-record', /^transact_write: TransactItems\[1\] writes this event's idempotency record \(Test\.PyTx\.Limit\.own-record#…\), which the wrapper completes in the same transaction\. Nothing was written\.$/],
    ['not-typed', /^transact_write: TransactItems\[0\]\.Put\.Item\['pk'\] is not a DynamoDB attribute value such as \{"S": "text"\} or \{"N": "12"\} \(boto3's client shape\): got 'evt_1PyTxLimit_not_typed'\. For plain Python values \(as boto3's Table\.put_item takes them\), use context\.effects\.transact_write_resource\. Nothing was written\.$/],
    ['float', /^transact_write_resource: TransactItems\[0\]\.Put cannot be serialised for DynamoDB: Float types are not supported\. Use Decimal types instead\.\. Nothing was written\.$/],
    ['twice', /^transact_write: this event's effects are already committed \(with its idempotency record\)\. Hand over all of an event's writes in one call\. Nothing was written\.$/],
  ])('%s', async (mode, message) => {
    const id = `evt_1PyTxLimit_${mode.replace(/-/g, '_')}`;
    const f = fn(`Test.PyTx.Limit.${mode}`, mode);
    stack.proxy.reset();
    const out = await f.invoke(envelope(withId(SAMPLE, id)));
    expect(out.error?.name).toBe('InvalidTransactionError');
    expect(out.error?.message).toMatch(message);
    expect(outcomeLine(out.logs)).toMatchObject({ outcome: 'failed', handler_ran: true, error_name: 'InvalidTransactionError' });
    if (mode === 'twice') {
      // The first call committed; the second is refused: the record stays completed with the first call's effect.
      expect(calls()).toEqual(['PutItem 200', 'TransactWriteItems 200', 'DeleteItem 400 ConditionalCheckFailedException']);
      expect(await effectsFor(stack.client, stack.businessTable, id)).toBe(1);
    } else {
      expect(calls()).toEqual(['PutItem 200', 'DeleteItem 200']);
      expect((await scanAll(stack.client, stack.businessTable)).filter((i) => String(i.pk).startsWith(id))).toEqual([]);
    }
  });
});

test('a handler that returns another result than the one it committed: the committed one is returned and stored, with a warning', async () => {
  const out = await fn('Test.PyTx.OtherResult', 'other-result').invoke(envelope(withId(SAMPLE, 'evt_1PyTxOtherResult')));
  expect(out.result).toEqual({ handled: 'evt_1PyTxOtherResult', type: 'checkout.session.completed' });
  expect(jsonLines(out.logs).find((l) => l.level === 'WARN')?.message).toBe(
    'The handler returned another result than the one it committed with transact_write; returning the committed one',
  );
});

describe('a result DynamoDB refuses is stored as null and returned as null by every delivery; the effect happens once', () => {
  // Real DynamoDB answers ValidationException for an item above 400 KB; DynamoDB Local does not check the size, so
  // the proxy gives that answer to the first completion.
  test.each([
    ['a plain completion (UpdateItem)', 'UpdateItem', 'effect_counter.handler'],
    ['a transactional completion (TransactWriteItems)', 'TransactWriteItems', 'transactional.handler'],
  ])('%s', async (_, operation, userHandler) => {
    const id = `evt_1PyRefused${operation}`;
    const f = fn(`Test.PyTx.Refused.${operation}`, 'ok', { userHandler });
    let refused = false;
    stack.proxy.setFault((request) => {
      if (request.operation !== operation || refused) return 'pass';
      refused = true;
      return 'validation-error';
    });
    const first = await f.invoke(envelope(withId(SAMPLE, id)));
    expect(first.error).toBeUndefined();
    expect(outcomeLine(first.logs)?.outcome).toBe('processed');
    expect(first.result).toBeNull();
    expect(jsonLines(first.logs).find((l) => l.level === 'WARN')).toMatchObject({
      message: 'DynamoDB refused to store the handler result; storing null instead',
      reason: expect.stringMatching(/^ClientError: An error occurred \(ValidationException\)/),
    });
    const [record] = await records(`Test.PyTx.Refused.${operation}`);
    expect(record).toMatchObject({ status: 'COMPLETED', data: 'null' });
    const duplicate = await f.invoke(envelope(withId(SAMPLE, id)));
    expect(outcomeLine(duplicate.logs)?.outcome).toBe('duplicate');
    expect(duplicate.result).toBeNull();
    expect(await effectsFor(stack.client, stack.businessTable, id)).toBe(1);
  });
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
