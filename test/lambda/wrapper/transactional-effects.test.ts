/**
 * Transactional effects: a handler hands its DynamoDB writes to `context.effects.transactWrite` and the
 * wrapper commits them in one TransactWriteItems with the completion of the event's idempotency record. The
 * real bundled wrapper in local Lambda environments against DynamoDB Local; every request counted at a
 * proxy. The sample handler is test/fixtures/handlers/transactional.js.
 *
 * The third reproduction ("a failure after the effect repeats the effect") is here: DynamoDB failing
 * at the commit, and the execution environment dying before and after it, each end with the effect exactly
 * once; a plain handler in the same situation has it twice.
 */
import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { LocalLambdaFunction } from '../../../src/cli/local/local-lambda';
import { effectsFor, idempotencyRecords, jsonLines, openGate, outcomeLine, scanAll, useLocalStack, WrappedFunctionOptions } from '../../support/local-stack';
import { envelope, loadSample, StripeEventSample, withId } from '../../support/stripe-samples';

const SAMPLE = loadSample<StripeEventSample>('checkout.session.completed__stripe-ruby-mock.json');

const stack = useLocalStack({ proxy: true });
afterEach(() => stack.proxy.setFault(undefined));

function fn(keyPrefix: string, mode: string, options: Partial<WrappedFunctionOptions> = {}): LocalLambdaFunction {
  return stack.wrapped({
    handlerName: 'Orders',
    keyPrefix,
    userHandler: 'transactional.handler',
    dynamoDbEndpoint: stack.proxy.endpoint,
    ...options,
    environment: { SAMPLE_MODE: mode, ...options.environment },
  });
}

/** The requests the wrapper sent, `Operation status [error]`. */
function calls(): string[] {
  return stack.proxy.requests.map((r) => `${r.operation} ${r.status}${r.errorType ? ' ' + r.errorType : ''}`);
}

async function status(keyPrefix: string): Promise<string[]> {
  return (await idempotencyRecords(stack.client, stack.idempotencyTable, keyPrefix)).map((r) => r.status);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a fresh event and its duplicate', () => {
  test('fresh: 2 DynamoDB requests in all, effect included (PutItem, TransactWriteItems); duplicate: 1; the effect once', async () => {
    const f = fn('Test.Tx.Fresh', 'ok');
    await f.invoke(envelope(withId(SAMPLE, 'evt_1TxWarmUp'))); // cold start out of the way
    const event = withId(SAMPLE, 'evt_1TxFresh');

    stack.proxy.reset();
    const first = await f.invoke(envelope(event));
    expect(first.error).toBeUndefined();
    expect(calls()).toEqual(['PutItem 200', 'TransactWriteItems 200']);
    expect(stack.proxy.requests[1].tables).toEqual([stack.businessTable, stack.idempotencyTable]);
    expect(first.result).toEqual({ handled: 'evt_1TxFresh', type: 'checkout.session.completed' });
    expect(outcomeLine(first.logs)).toMatchObject({ outcome: 'processed', transaction_actions: 1 });

    const [record] = await idempotencyRecords(stack.client, stack.idempotencyTable, 'Test.Tx.Fresh').then((r) => r.filter((x) => x.data?.handled === 'evt_1TxFresh'));
    expect(record).toMatchObject({ status: 'COMPLETED', data: { handled: 'evt_1TxFresh', type: 'checkout.session.completed' } });

    stack.proxy.reset();
    const duplicate = await f.invoke(envelope(event));
    expect(calls()).toEqual(['PutItem 400 ConditionalCheckFailedException']);
    expect(outcomeLine(duplicate.logs)?.outcome).toBe('duplicate');
    expect(duplicate.result).toEqual(first.result);
    expect(await effectsFor(stack.client, stack.businessTable, 'evt_1TxFresh')).toBe(1);
  });
});

describe('a failure after the effect (the issue\'s reproduction 3): exactly once with transactional effects', () => {
  test('DynamoDB fails the commit: nothing is written, the record is released, and the retry has the effect once', async () => {
    const event = withId(SAMPLE, 'evt_1TxCommitFails');
    const f = fn('Test.Tx.CommitFails', 'ok');
    stack.proxy.setFault(({ operation }) => (operation === 'TransactWriteItems' ? 'server-error' : 'pass'));
    stack.proxy.reset();

    const failed = await f.invoke(envelope(event));
    expect(failed.ok).toBe(false);
    expect(failed.error?.name).toBe('TransactionOutcomeUnknownError');
    expect(failed.error?.message).toMatch(/got no answer \(InternalServerError: .*\): it committed entirely or not at all/);
    expect(outcomeLine(failed.logs)).toMatchObject({ outcome: 'failed', handler_ran: true });
    expect(await effectsFor(stack.client, stack.businessTable, 'evt_1TxCommitFails')).toBe(0);
    // The in-progress record is removed (only while it is still this invocation's), so the retry need not wait.
    expect(calls().at(-1)).toBe('DeleteItem 200');
    expect(await status('Test.Tx.CommitFails')).toEqual([]);

    stack.proxy.setFault(undefined);
    const retry = await f.invoke(envelope(event));
    expect(outcomeLine(retry.logs)?.outcome).toBe('processed');
    const again = await f.invoke(envelope(event));
    expect(outcomeLine(again.logs)?.outcome).toBe('duplicate');
    expect(await effectsFor(stack.client, stack.businessTable, 'evt_1TxCommitFails')).toBe(1);
  });

  test('the environment dies after the commit: the retry is a duplicate and returns the committed result', async () => {
    const event = withId(SAMPLE, 'evt_1TxCrashAfter');
    const f = fn('Test.Tx.CrashAfter', 'crash-after-commit');
    const crashed = await f.invoke(envelope(event));
    expect(crashed.ok).toBe(false);
    expect(crashed.error?.name).toBe('Runtime.ExitError');
    expect(await effectsFor(stack.client, stack.businessTable, 'evt_1TxCrashAfter')).toBe(1);
    expect(await status('Test.Tx.CrashAfter')).toEqual(['COMPLETED']);

    const retry = await f.invoke(envelope(event));
    expect(outcomeLine(retry.logs)?.outcome).toBe('duplicate');
    expect(retry.result).toEqual({ handled: 'evt_1TxCrashAfter', type: 'checkout.session.completed' });
    expect(await effectsFor(stack.client, stack.businessTable, 'evt_1TxCrashAfter')).toBe(1);
  });

  test('the environment dies before the commit: nothing was written; after the deadline the retry has the effect once', async () => {
    const event = withId(SAMPLE, 'evt_1TxCrashBefore');
    const f = fn('Test.Tx.CrashBefore', 'crash-before-commit');
    const crashed = await f.invoke(envelope(event), { timeoutMs: 2_000 });
    expect(crashed.error?.name).toBe('Runtime.ExitError');
    expect(await effectsFor(stack.client, stack.businessTable, 'evt_1TxCrashBefore')).toBe(0);
    const [record] = await idempotencyRecords(stack.client, stack.idempotencyTable, 'Test.Tx.CrashBefore');
    expect(record.status).toBe('INPROGRESS');

    // Lambda retries after about a minute, past the crashed attempt's deadline.
    await sleep(Math.max(0, record.in_progress_expiration - Date.now()) + 50);
    const retry = await f.invoke(envelope(event));
    expect(outcomeLine(retry.logs)).toMatchObject({ outcome: 'processed', replaced_record: 'expired_in_progress', transaction_actions: 1 });
    expect(await effectsFor(stack.client, stack.businessTable, 'evt_1TxCrashBefore')).toBe(1);
  });

  test('for comparison, a plain handler that dies after its own write has its effect twice (at least once)', async () => {
    const event = withId(SAMPLE, 'evt_1PlainCrashAfter');
    const f = fn('Test.Plain.CrashAfter', 'ok', { environment: { PLAIN_CRASH_AFTER_EFFECT: '1' } });
    const crashed = await f.invoke(envelope(event), { timeoutMs: 2_000 });
    expect(crashed.error?.name).toBe('Runtime.ExitError');
    const [record] = await idempotencyRecords(stack.client, stack.idempotencyTable, 'Test.Plain.CrashAfter');
    await sleep(Math.max(0, record.in_progress_expiration - Date.now()) + 50);

    const retry = await f.invoke(envelope(event));
    // Reported: the retry says it replaced an attempt that never finished.
    expect(outcomeLine(retry.logs)).toMatchObject({ outcome: 'processed', replaced_record: 'expired_in_progress' });
    expect(outcomeLine(retry.logs)?.transaction_actions).toBeUndefined();
    expect(await effectsFor(stack.client, stack.businessTable, 'evt_1PlainCrashAfter')).toBe(2);
  });

  test('a handler that swallows an unknown commit outcome still fails the event, and the retry has the effect once', async () => {
    const event = withId(SAMPLE, 'evt_1TxSwallow');
    const f = fn('Test.Tx.Swallow', 'swallow');
    stack.proxy.setFault(({ operation }) => (operation === 'TransactWriteItems' ? 'drop' : 'pass'));
    const failed = await f.invoke(envelope(event));
    expect(failed.error?.name).toBe('TransactionOutcomeUnknownError');
    stack.proxy.setFault(undefined);
    const retry = await f.invoke(envelope(event));
    expect(retry.result).toEqual({ handled: 'evt_1TxSwallow', type: 'checkout.session.completed' });
    expect(await effectsFor(stack.client, stack.businessTable, 'evt_1TxSwallow')).toBe(1);
  });
});

test('a record that is no longer this invocation\'s (removed, or taken over after its deadline) lets nothing commit', async () => {
  const event = withId(SAMPLE, 'evt_1TxRecordLost');
  const f = fn('Test.Tx.RecordLost', 'gate');
  const running = f.invoke(envelope(event));
  let record: Record<string, any> | undefined;
  while (!record) {
    await sleep(25);
    [record] = await idempotencyRecords(stack.client, stack.idempotencyTable, 'Test.Tx.RecordLost');
  }
  await stack.client.send(new DeleteItemCommand({ TableName: stack.idempotencyTable, Key: { id: { S: record.id } } }));
  await openGate(stack.client, stack.businessTable, 'evt_1TxRecordLost');
  const out = await running;
  expect(out.error?.name).toBe('IdempotencyRecordLostError');
  expect(out.error?.message).toMatch(/is no longer this invocation's in-progress record .* so neither the effects nor the completion were committed/);
  expect(await effectsFor(stack.client, stack.businessTable, 'evt_1TxRecordLost')).toBe(0);
});

test('the context.effects of an invocation that has ended write nothing, whatever the environment runs next', async () => {
  const f = fn('Test.Tx.Late', 'late');
  const first = await f.invoke(envelope(withId(SAMPLE, 'evt_1TxLateFirst')));
  expect(first.result).toEqual({ handled: 'evt_1TxLateFirst', type: 'checkout.session.completed' });

  // The next invocation in the same environment calls the first one's transactWrite, then its own.
  stack.proxy.reset();
  const second = await f.invoke(envelope(withId(SAMPLE, 'evt_1TxLateSecond')));
  expect(second.error).toBeUndefined();
  expect(second.result).toEqual({
    handled: 'evt_1TxLateSecond',
    type: 'checkout.session.completed',
    late: 'InvalidTransactionError: transactWrite: this event\'s invocation has already ended (the handler returned or threw without awaiting transactWrite). Await it. Nothing was written.',
  });
  expect(calls()).toEqual(['PutItem 200', 'TransactWriteItems 200']);
  expect(await effectsFor(stack.client, stack.businessTable, 'late#evt_1TxLateSecond')).toBe(0);
  expect(await effectsFor(stack.client, stack.businessTable, 'evt_1TxLateSecond')).toBe(1);
  const records = await idempotencyRecords(stack.client, stack.idempotencyTable, 'Test.Tx.Late');
  expect(records.map((r) => [r.status, r.data?.handled]).sort()).toEqual([['COMPLETED', 'evt_1TxLateFirst'], ['COMPLETED', 'evt_1TxLateSecond']]);
});

describe('conditions on the handler\'s own items work as DynamoDB\'s do', () => {
  test('a failed condition rejects transactWrite with DynamoDB\'s TransactionCanceledException; the handler decides to complete without writes', async () => {
    const event = withId(SAMPLE, 'evt_1TxConditionCaught');
    const f = fn('Test.Tx.Condition', 'condition');
    stack.proxy.reset();
    const out = await f.invoke(envelope(event));
    expect(out.error).toBeUndefined();
    expect(out.result).toEqual({ ignored: 'no order yet', reasons: ['ConditionalCheckFailed', 'None'] });
    // The cancelled transaction wrote nothing; the handler's decision completes the record the plain way.
    expect(calls()).toEqual(['PutItem 200', 'TransactWriteItems 400 TransactionCanceledException', 'UpdateItem 200']);
    expect(await effectsFor(stack.client, stack.businessTable, 'evt_1TxConditionCaught')).toBe(0);
    expect(outcomeLine((await f.invoke(envelope(event))).logs)?.outcome).toBe('duplicate');
  });

  test('not caught, it fails the event (retried, then dead-lettered) and releases the record', async () => {
    const f = fn('Test.Tx.ConditionUncaught', 'condition-uncaught');
    const out = await f.invoke(envelope(withId(SAMPLE, 'evt_1TxConditionUncaught')));
    expect(out.error?.name).toBe('TransactionCanceledException');
    expect(outcomeLine(out.logs)).toMatchObject({ outcome: 'failed', handler_ran: true, error_name: 'TransactionCanceledException' });
    expect(await status('Test.Tx.ConditionUncaught')).toEqual([]);
  });
});

describe('DynamoDB\'s transaction limits are checked before the call: a clear error, no request, nothing written', () => {
  test.each<[string, RegExp]>([
    ['too-many', /^transactWrite: 100 actions plus the idempotency record's completion make 101; DynamoDB's TransactWriteItems takes at most 100, so an event's effects must fit in 99 actions\. Nothing was written\.$/],
    ['same-item', /^transactWrite: TransactItems\[0\] \(Put\) and TransactItems\[1\] \(Update\) target the same item \{"pk":"evt_1TxLimit_same_item"\} in business-\S+; DynamoDB allows one action per item in a transaction\. Merge them into one action\. Nothing was written\.$/],
    ['other-region', /^transactWrite: TransactItems\[0\]\.Update\.TableName 'arn:aws:dynamodb:eu-west-1:000000000000:table\/\S+' is in account 000000000000, Region eu-west-1; this function and its idempotency table are in account 000000000000, Region us-east-1\. A DynamoDB transaction cannot span accounts or Regions\. Nothing was written\.$/],
    ['too-large', /^transactWrite: the actions add up to about 4\d{6} bytes; DynamoDB's TransactWriteItems takes items of at most 4194304 bytes \(4 MB\) in all\. Write less per event\. Nothing was written\.$/],
  ])('%s', async (mode, message) => {
    const id = `evt_1TxLimit_${mode.replace(/-/g, '_')}`;
    const f = fn(`Test.Tx.Limit.${mode}`, mode);
    stack.proxy.reset();
    const out = await f.invoke(envelope(withId(SAMPLE, id)));
    expect(out.error?.name).toBe('InvalidTransactionError');
    expect(out.error?.message).toMatch(message);
    expect(calls()).toEqual(['PutItem 200', 'DeleteItem 200']);
    expect((await scanAll(stack.client, stack.businessTable)).filter((i) => String(i.pk).startsWith(id))).toEqual([]);
  });
});

test('a handler that returns another result than the one it committed: the committed one is returned and stored, with a warning', async () => {
  const f = fn('Test.Tx.OtherResult', 'other-result');
  const out = await f.invoke(envelope(withId(SAMPLE, 'evt_1TxOtherResult')));
  expect(out.result).toEqual({ handled: 'evt_1TxOtherResult', type: 'checkout.session.completed' });
  expect(jsonLines(out.logs).find((l) => l.level === 'WARN')?.message).toBe(
    'The handler returned another result than the one it committed with transactWrite; returning the committed one',
  );
});
