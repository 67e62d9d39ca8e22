/**
 * Transactional effects, one table of scenarios over both wrappers: a handler hands its DynamoDB writes to
 * `context.effects` (`transactWrite` in Node.js, lib-dynamodb's document shape; `transact_write` in Python, boto3's
 * client shape) and the wrapper commits them in one TransactWriteItems with the completion of the event's
 * idempotency record. Each scenario runs against the real bundled Node.js wrapper and the real Python wrapper layer,
 * in local execution environments against DynamoDB Local, every request of the wrapper counted at a proxy. The
 * sample handlers are test/fixtures/handlers/transactional.js and transactional.py, with the same modes. What only
 * one language has (boto3's resource shape, the Python handler of the docs) is in that wrapper's own folder.
 *
 * "A failure after the effect repeats the effect" is answered here: DynamoDB failing at the commit, and the
 * execution environment dying before and after it, each end with the effect exactly once; a plain handler in the
 * same situation has it twice.
 */
import { isDeepStrictEqual } from 'node:util';
import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { LocalLambdaFunction } from '../../src/cli/local/local-lambda';
import { effectsFor, idempotencyRecords, jsonLines, openGate, outcomeLine, PYTHON_RUNTIME, scanAll, useLocalStack, WrappedFunctionOptions } from '../support/local-stack';
import { envelope, loadSample, StripeEventSample, withId } from '../support/stripe-samples';

const SAMPLE = loadSample<StripeEventSample>('checkout.session.completed__stripe-ruby-mock.json');
const DAYS_36 = 36 * 86_400;

const stack = useLocalStack({ proxy: true });
afterEach(() => stack.proxy.setFault(undefined));

/** What differs between the two wrappers; everything else a scenario expects of both. */
interface Runtime {
  readonly name: string;
  /** In the event ids and key prefixes, so that both wrappers' records and effects stay apart on the shared tables. */
  readonly tag: string;
  readonly runtime?: string;
  /** The method a handler calls. */
  readonly api: string;
  /** The error name of the sample handler's own exception. */
  readonly handlerError: string;
  /** The plain (non-transactional) sample handler. */
  readonly effectCounter: string;
  readonly environment: Record<string, string>;
  /** How the wrapper reports DynamoDB refusing a result (the SDK's error as it prints). */
  readonly refusedReason: RegExp;
  /** Whether the outcome line names the record an attempt replaced (`replaced_record`). */
  readonly reportsReplacedRecord: boolean;
  /** A value the language's SDK cannot serialise for DynamoDB: the sample handler's mode, and the wrapper's message. */
  readonly unserialisable: { readonly mode: string; readonly message: RegExp };
}

const RUNTIMES: Runtime[] = [
  {
    name: 'Node.js',
    tag: 'Tx',
    api: 'transactWrite',
    handlerError: 'Error',
    effectCounter: 'effect-counter.handler',
    environment: {},
    refusedReason: /^ValidationException: Item size to update has exceeded the maximum allowed size/,
    reportsReplacedRecord: true,
    unserialisable: {
      mode: 'not-marshallable',
      message: /^transactWrite: TransactItems\[0\]\.Put\.Item cannot be marshalled for DynamoDB: .*convertClassInstanceToMap.*\. Nothing was written\.$/,
    },
  },
  {
    name: 'Python',
    tag: 'PyTx',
    runtime: PYTHON_RUNTIME,
    api: 'transact_write',
    handlerError: 'RuntimeError',
    effectCounter: 'effect_counter.handler',
    // boto3's standard retries, two attempts: a failing DynamoDB answers within the test's time.
    environment: { AWS_MAX_ATTEMPTS: '2' },
    refusedReason: /^ClientError: An error occurred \(ValidationException\)/,
    // The Python wrapper does not report the record it replaced yet: this turns true when it does.
    reportsReplacedRecord: false,
    unserialisable: {
      mode: 'float',
      message: /^transact_write_resource: TransactItems\[0\]\.Put cannot be serialised for DynamoDB: Float types are not supported\. Use Decimal types instead\.\. Nothing was written\.$/,
    },
  },
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One scenario's view of its wrapper: functions, event ids and records under the scenario's own names. */
function harness(rt: Runtime, scenario: string) {
  const keyPrefix = `Test.${rt.tag}.${scenario}`;
  /** `evt_1<tag><scenario>`, the Stripe event id of this scenario (and wrapper). */
  const eventId = `evt_1${rt.tag}${scenario}`;
  const h = {
    rt,
    keyPrefix,
    id: eventId,
    event: (id = eventId) => envelope(withId(SAMPLE, id)),
    fn(mode: string, options: Partial<WrappedFunctionOptions> = {}): LocalLambdaFunction {
      return stack.wrapped({
        runtime: rt.runtime,
        handlerName: 'Orders',
        keyPrefix,
        userHandler: 'transactional.handler',
        dynamoDbEndpoint: stack.proxy.endpoint,
        ...options,
        environment: { SAMPLE_MODE: mode, ...rt.environment, ...options.environment },
      });
    },
    records: () => idempotencyRecords(stack.client, stack.idempotencyTable, keyPrefix),
    effects: (id = eventId) => effectsFor(stack.client, stack.businessTable, id),
    /** The requests the wrapper sent, `Operation status [error]`. */
    calls: () => stack.proxy.requests.map((r) => `${r.operation} ${r.status}${r.errorType ? ' ' + r.errorType : ''}`),
    result: (id = eventId) => ({ handled: id, type: 'checkout.session.completed' }),
  };
  return h;
}
type Harness = ReturnType<typeof harness>;

interface Scenario {
  /** In the scenario's event id (`evt_1<tag><key>`) and key prefix (`Test.<tag>.<key>`). */
  readonly key: string;
  readonly name: string;
  run(h: Harness): Promise<void>;
}

/** DynamoDB's transaction rules, checked before the call: InvalidTransactionError, no request, nothing written. */
const INVALID_TRANSACTIONS: Array<[mode: string, message: (h: Harness) => RegExp]> = [
  ['too-many', (h) => new RegExp(`^${h.rt.api}: 100 actions plus the idempotency record's completion make 101; DynamoDB's TransactWriteItems takes at most 100, so an event's effects must fit in 99 actions\\. Nothing was written\\.$`)],
  ['same-item', (h) => new RegExp(`^${h.rt.api}: TransactItems\\[0\\] \\(Put\\) and TransactItems\\[1\\] \\(Update\\) target the same item \\{"pk":"${h.id}"\\} in business-\\S+; DynamoDB allows one action per item in a transaction\\. Merge them into one action\\. Nothing was written\\.$`)],
  ['other-region', (h) => new RegExp(`^${h.rt.api}: TransactItems\\[0\\]\\.Update\\.TableName 'arn:aws:dynamodb:eu-west-1:000000000000:table/\\S+' is in account 000000000000, Region eu-west-1; this function and its idempotency table are in account 000000000000, Region us-east-1\\. A DynamoDB transaction cannot span accounts or Regions\\. Nothing was written\\.$`)],
  ['too-large', (h) => new RegExp(`^${h.rt.api}: the actions add up to about 4\\d{6} bytes; DynamoDB's TransactWriteItems takes items of at most 4194304 bytes \\(4 MB\\) in all\\. Write less per event\\. Nothing was written\\.$`)],
  ['own-record', (h) => new RegExp(`^${h.rt.api}: TransactItems\\[1\\] writes this event's idempotency record \\(${h.keyPrefix.replace(/\./g, '\\.')}#…\\), which the wrapper completes in the same transaction\\. Nothing was written\\.$`)],
  ['unserialisable', (h) => h.rt.unserialisable.message],
];

const SCENARIOS: Scenario[] = [
  {
    key: 'Fresh',
    name: 'fresh: PutItem and one TransactWriteItems holding the effect and the record; duplicate: one PutItem; the effect once',
    async run(h) {
      const f = h.fn('ok');
      await f.invoke(h.event(`${h.id}WarmUp`)); // cold start out of the way
      stack.proxy.reset();
      const before = Date.now();
      const first = await f.invoke(h.event());
      expect(first.error).toBeUndefined();
      expect(h.calls()).toEqual(['PutItem 200', 'TransactWriteItems 200']);
      expect(stack.proxy.requests[1].tables).toEqual([stack.businessTable, stack.idempotencyTable]);
      expect(first.result).toEqual(h.result());
      expect(outcomeLine(first.logs)).toMatchObject({ outcome: 'processed', transaction_actions: 1 });

      // The record contract both wrappers write (src/contract/idempotency.ts): the result as a DynamoDB value, the
      // expiration in seconds (36 days, the integration's default lifetime), the in-progress deadline in milliseconds.
      const records = await h.records();
      expect(records.map((r) => r.status)).toEqual(['COMPLETED', 'COMPLETED']);
      const record = records.find((r) => isDeepStrictEqual(r.data, h.result()))!;
      expect(record).toBeDefined();
      expect(record.expiration).toBeGreaterThanOrEqual(Math.floor(before / 1000) + DAYS_36);
      expect(record.expiration).toBeLessThan(Date.now() / 1000 + DAYS_36 + 1);
      expect(record.in_progress_expiration).toBeGreaterThan(before);

      stack.proxy.reset();
      const duplicate = await f.invoke(h.event());
      expect(h.calls()).toEqual(['PutItem 400 ConditionalCheckFailedException']);
      expect(outcomeLine(duplicate.logs)?.outcome).toBe('duplicate');
      expect(outcomeLine(duplicate.logs)?.transaction_actions).toBeUndefined();
      expect(duplicate.result).toEqual(first.result);
      expect(await h.effects()).toBe(1);
    },
  },
  {
    key: 'RaiseBefore',
    name: 'a handler that raises before handing anything over: no effect, the record is released, the retry has the effect once',
    async run(h) {
      stack.proxy.reset();
      const out = await h.fn('raise-before').invoke(h.event());
      expect(out.error).toMatchObject({ name: h.rt.handlerError, message: `payment provider unavailable for ${h.id}` });
      expect(outcomeLine(out.logs)).toMatchObject({ outcome: 'failed', handler_ran: true });
      expect(h.calls()).toEqual(['PutItem 200', 'DeleteItem 200']);
      expect(await h.records()).toEqual([]);
      expect((await h.fn('ok').invoke(h.event())).error).toBeUndefined();
      expect(await h.effects()).toBe(1);
    },
  },
  {
    key: 'RaiseAfter',
    name: 'a handler that raises after the commit: the event fails, but the record stays completed and the retry is a duplicate',
    async run(h) {
      const f = h.fn('raise-after-commit');
      stack.proxy.reset();
      const out = await f.invoke(h.event());
      expect(out.error).toMatchObject({ name: h.rt.handlerError, message: `the receipt e-mail failed for ${h.id}` });
      expect(outcomeLine(out.logs)).toMatchObject({ outcome: 'failed', handler_ran: true, transaction_actions: 1 });
      // The delete is conditioned on the record still being in progress: the completed record stays.
      expect(h.calls()).toEqual(['PutItem 200', 'TransactWriteItems 200', 'DeleteItem 400 ConditionalCheckFailedException']);
      expect((await h.records()).map((r) => r.status)).toEqual(['COMPLETED']);
      const retry = await f.invoke(h.event());
      expect(outcomeLine(retry.logs)?.outcome).toBe('duplicate');
      expect(retry.result).toEqual(h.result());
      expect(await h.effects()).toBe(1);
    },
  },
  {
    key: 'CommitFails',
    name: 'DynamoDB fails the commit: TransactionOutcomeUnknownError, nothing written, the record released, the retry has the effect once',
    async run(h) {
      const f = h.fn('ok');
      stack.proxy.setFault(({ operation }) => (operation === 'TransactWriteItems' ? 'server-error' : 'pass'));
      stack.proxy.reset();
      const failed = await f.invoke(h.event());
      expect(failed.ok).toBe(false);
      expect(failed.error?.name).toBe('TransactionOutcomeUnknownError');
      expect(failed.error?.message).toMatch(/got no answer \(InternalServerError: .*\): it committed entirely or not at all/);
      expect(outcomeLine(failed.logs)).toMatchObject({ outcome: 'failed', handler_ran: true });
      expect(await h.effects()).toBe(0);
      // The in-progress record is removed (only while it is still this invocation's), so the retry need not wait.
      expect(h.calls().at(-1)).toBe('DeleteItem 200');
      expect(await h.records()).toEqual([]);

      stack.proxy.setFault(undefined);
      expect(outcomeLine((await f.invoke(h.event())).logs)?.outcome).toBe('processed');
      expect(outcomeLine((await f.invoke(h.event())).logs)?.outcome).toBe('duplicate');
      expect(await h.effects()).toBe(1);
    },
  },
  {
    key: 'Swallow',
    name: 'a handler that swallows an unknown commit outcome still fails the event, and the retry has the effect once',
    async run(h) {
      const f = h.fn('swallow');
      stack.proxy.setFault(({ operation }) => (operation === 'TransactWriteItems' ? 'drop' : 'pass'));
      const failed = await f.invoke(h.event());
      expect(failed.error?.name).toBe('TransactionOutcomeUnknownError');
      stack.proxy.setFault(undefined);
      const retry = await f.invoke(h.event());
      expect(retry.result).toEqual(h.result());
      expect(await h.effects()).toBe(1);
    },
  },
  {
    key: 'CrashAfter',
    name: 'the environment dies after the commit: the retry is a duplicate and returns the committed result',
    async run(h) {
      const f = h.fn('crash-after-commit');
      const crashed = await f.invoke(h.event());
      expect(crashed.ok).toBe(false);
      expect(crashed.error?.name).toBe('Runtime.ExitError');
      expect(await h.effects()).toBe(1);
      expect((await h.records()).map((r) => r.status)).toEqual(['COMPLETED']);
      const retry = await f.invoke(h.event());
      expect(outcomeLine(retry.logs)?.outcome).toBe('duplicate');
      expect(retry.result).toEqual(h.result());
      expect(await h.effects()).toBe(1);
    },
  },
  {
    key: 'CrashBefore',
    name: 'the environment dies before the commit: nothing was written; after the deadline the retry has the effect once',
    async run(h) {
      const f = h.fn('crash-before-commit');
      const crashed = await f.invoke(h.event(), { timeoutMs: 2_000 });
      expect(crashed.error?.name).toBe('Runtime.ExitError');
      expect(await h.effects()).toBe(0);
      const [record] = await h.records();
      expect(record.status).toBe('INPROGRESS');
      // Lambda retries after about a minute, past the crashed attempt's deadline.
      await sleep(Math.max(0, record.in_progress_expiration - Date.now()) + 50);
      const retry = outcomeLine((await f.invoke(h.event())).logs);
      expect(retry).toMatchObject({ outcome: 'processed', transaction_actions: 1 });
      expect(retry?.replaced_record).toBe(h.rt.reportsReplacedRecord ? 'expired_in_progress' : undefined);
      expect(await h.effects()).toBe(1);
    },
  },
  {
    key: 'PlainCrashAfter',
    name: 'for comparison, a plain handler that dies after its own write has its effect twice (at least once)',
    async run(h) {
      const f = h.fn('ok', { environment: { PLAIN_CRASH_AFTER_EFFECT: '1' } });
      const crashed = await f.invoke(h.event(), { timeoutMs: 2_000 });
      expect(crashed.error?.name).toBe('Runtime.ExitError');
      const [record] = await h.records();
      await sleep(Math.max(0, record.in_progress_expiration - Date.now()) + 50);
      const retry = outcomeLine((await f.invoke(h.event())).logs);
      // Where reported, the retry says it replaced an attempt that never finished.
      expect(retry).toMatchObject({ outcome: 'processed' });
      expect(retry?.replaced_record).toBe(h.rt.reportsReplacedRecord ? 'expired_in_progress' : undefined);
      expect(retry?.transaction_actions).toBeUndefined();
      expect(await h.effects()).toBe(2);
    },
  },
  {
    key: 'RecordLost',
    name: 'a record that is no longer this invocation\'s (removed, or taken over after its deadline) lets nothing commit',
    async run(h) {
      const running = h.fn('gate').invoke(h.event());
      let record: Record<string, any> | undefined;
      while (!record) {
        await sleep(25);
        [record] = await h.records();
      }
      await stack.client.send(new DeleteItemCommand({ TableName: stack.idempotencyTable, Key: { id: { S: record.id } } }));
      await openGate(stack.client, stack.businessTable, h.id);
      const out = await running;
      expect(out.error?.name).toBe('IdempotencyRecordLostError');
      expect(out.error?.message).toMatch(/is no longer this invocation's in-progress record .* so neither the effects nor the completion were committed/);
      expect(outcomeLine(out.logs)).toMatchObject({ outcome: 'failed', handler_ran: true, error_name: 'IdempotencyRecordLostError' });
      expect(await h.effects()).toBe(0);
    },
  },
  {
    key: 'Condition',
    name: 'a failed condition on the handler\'s own item rejects the write with DynamoDB\'s TransactionCanceledException and its reasons; the handler completes without writes',
    async run(h) {
      const f = h.fn('condition');
      stack.proxy.reset();
      const out = await f.invoke(h.event());
      expect(out.error).toBeUndefined();
      // One reason per item the handler handed over: the record's own is left out.
      expect(out.result).toEqual({ ignored: 'no order yet', reasons: ['ConditionalCheckFailed', 'None'] });
      // The cancelled transaction wrote nothing; the handler's decision completes the record the plain way.
      expect(h.calls()).toEqual(['PutItem 200', 'TransactWriteItems 400 TransactionCanceledException', 'UpdateItem 200']);
      expect(await h.effects()).toBe(0);
      expect(outcomeLine((await f.invoke(h.event())).logs)?.outcome).toBe('duplicate');
    },
  },
  {
    key: 'ConditionUncaught',
    name: 'a failed condition not caught fails the event (retried, then dead-lettered) and releases the record',
    async run(h) {
      const out = await h.fn('condition-uncaught').invoke(h.event());
      expect(out.error?.name).toBe('TransactionCanceledException');
      expect(outcomeLine(out.logs)).toMatchObject({ outcome: 'failed', handler_ran: true, error_name: 'TransactionCanceledException' });
      expect(await h.records()).toEqual([]);
    },
  },
  ...INVALID_TRANSACTIONS.map(([mode, message]): Scenario => ({
    key: `Limit_${mode.replace(/-/g, '_')}`,
    name: `invalid transaction, refused before any request (InvalidTransactionError, nothing written): ${mode}`,
    async run(h) {
      const f = h.fn(mode === 'unserialisable' ? h.rt.unserialisable.mode : mode);
      stack.proxy.reset();
      const out = await f.invoke(h.event());
      expect(out.error?.name).toBe('InvalidTransactionError');
      expect(out.error?.message).toMatch(message(h));
      expect(outcomeLine(out.logs)).toMatchObject({ outcome: 'failed', handler_ran: true, error_name: 'InvalidTransactionError' });
      expect(h.calls()).toEqual(['PutItem 200', 'DeleteItem 200']);
      expect((await scanAll(stack.client, stack.businessTable)).filter((i) => String(i.pk).startsWith(h.id))).toEqual([]);
    },
  })),
  {
    key: 'Twice',
    name: 'a second call after the commit is refused (InvalidTransactionError): the record stays completed with the first call\'s effect',
    async run(h) {
      stack.proxy.reset();
      const out = await h.fn('twice').invoke(h.event());
      expect(out.error?.name).toBe('InvalidTransactionError');
      expect(out.error?.message).toBe(`${h.rt.api}: this event's effects are already committed (with its idempotency record). Hand over all of an event's writes in one call. Nothing was written.`);
      expect(outcomeLine(out.logs)).toMatchObject({ outcome: 'failed', handler_ran: true, error_name: 'InvalidTransactionError' });
      expect(h.calls()).toEqual(['PutItem 200', 'TransactWriteItems 200', 'DeleteItem 400 ConditionalCheckFailedException']);
      expect((await h.records()).map((r) => r.status)).toEqual(['COMPLETED']);
      expect(await h.effects()).toBe(1);
      expect(await h.effects(`${h.id}#2`)).toBe(0);
    },
  },
  {
    key: 'OtherResult',
    name: 'a handler that returns another result than the one it committed: the committed one is returned and stored, with a warning',
    async run(h) {
      const out = await h.fn('other-result').invoke(h.event());
      expect(out.result).toEqual(h.result());
      expect(jsonLines(out.logs).find((l) => l.level === 'WARN')?.message).toBe(
        `The handler returned another result than the one it committed with ${h.rt.api}; returning the committed one`,
      );
      const [record] = await h.records();
      expect(record).toMatchObject({ status: 'COMPLETED', data: h.result() });
    },
  },
  // Real DynamoDB answers ValidationException for an item above 400 KB; DynamoDB Local does not check the size, so
  // the proxy gives that answer to the first completion.
  ...([['a plain completion (UpdateItem)', 'UpdateItem'], ['a transactional completion (TransactWriteItems)', 'TransactWriteItems']] as const).map(([what, operation]): Scenario => ({
    key: `Refused${operation}`,
    name: `a result DynamoDB refuses is stored as null and returned as null by every delivery; the effect happens once: ${what}`,
    async run(h) {
      const f = h.fn('ok', { userHandler: operation === 'UpdateItem' ? h.rt.effectCounter : 'transactional.handler' });
      let refused = false;
      stack.proxy.setFault((request) => {
        if (request.operation !== operation || refused) return 'pass';
        refused = true;
        return 'validation-error';
      });
      const first = await f.invoke(h.event());
      expect(first.error).toBeUndefined();
      expect(outcomeLine(first.logs)?.outcome).toBe('processed');
      // What the record holds, as duplicates return it: not the result DynamoDB refused.
      expect(first.result).toBeNull();
      expect(jsonLines(first.logs).find((l) => l.level === 'WARN')).toMatchObject({
        message: 'DynamoDB refused to store the handler result; storing null instead',
        reason: expect.stringMatching(h.rt.refusedReason),
      });
      const [record] = await h.records();
      expect(record).toMatchObject({ status: 'COMPLETED', data: null });
      const duplicate = await f.invoke(h.event());
      expect(outcomeLine(duplicate.logs)?.outcome).toBe('duplicate');
      expect(duplicate.result).toBeNull();
      expect(await h.effects()).toBe(1);
    },
  })),
];

describe.each(RUNTIMES)('$name wrapper', (rt) => {
  test.each(SCENARIOS)('$name', ({ key, run }) => run(harness(rt, key)));
});

describe('Node.js wrapper', () => {
  // An execution environment runs one invocation at a time and the Node.js wrapper reuses its idempotency store from
  // one to the next: what an ended invocation's handler kept must not write through the next one's store.
  test('the context.effects of an invocation that has ended write nothing, whatever the environment runs next', async () => {
    const h = harness(RUNTIMES[0], 'Late');
    const f = h.fn('late');
    const first = await f.invoke(h.event(`${h.id}First`));
    expect(first.result).toEqual(h.result(`${h.id}First`));

    // The next invocation in the same environment calls the first one's transactWrite, then its own.
    stack.proxy.reset();
    const second = await f.invoke(h.event());
    expect(second.error).toBeUndefined();
    expect(second.result).toEqual({
      ...h.result(),
      late: 'InvalidTransactionError: transactWrite: this event\'s invocation has already ended (the handler returned or threw without awaiting transactWrite). Await it. Nothing was written.',
    });
    expect(h.calls()).toEqual(['PutItem 200', 'TransactWriteItems 200']);
    expect(await h.effects(`late#${h.id}`)).toBe(0);
    expect(await h.effects()).toBe(1);
    const records = await h.records();
    expect(records.map((r) => [r.status, r.data?.handled]).sort()).toEqual([['COMPLETED', h.id], ['COMPLETED', `${h.id}First`]]);
  });

  test('the layer\'s effects.js is loaded on a handler\'s first transactWrite, not at cold init nor for a handler that writes none', async () => {
    const h = harness(RUNTIMES[0], 'Probe');
    const f = h.fn('probe');
    const none = await f.invoke(h.event(`${h.id}None`));
    expect(none.error).toBeUndefined();
    expect(none.result).toEqual({ ...h.result(`${h.id}None`), effectsLoaded: [false, false] });
    // A handler that writes returns what transactWrite stored (before the wrapper loaded effects.js); the next
    // invocation of the environment finds it loaded.
    const write = await f.invoke(h.event(`${h.id}Write`));
    expect(write.error).toBeUndefined();
    expect(write.result).toEqual(h.result(`${h.id}Write`));
    expect(await h.effects(`${h.id}Write`)).toBe(1);
    const after = await f.invoke(h.event(`${h.id}After`));
    expect(after.result).toEqual({ ...h.result(`${h.id}After`), effectsLoaded: [true, true] });
  });
});
