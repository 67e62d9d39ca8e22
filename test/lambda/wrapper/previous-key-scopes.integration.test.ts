/**
 * Previous key scopes (`idempotency.previousKeyScopes`, `STRIPE_EB_IDEMPOTENCY_PREVIOUS_KEY_PREFIXES`): after a key
 * scope change, an event processed under the previous scope is a duplicate, not a second effect, in both runtimes and
 * across them (src/contract/idempotency.ts, request 1b). The real wrappers as bundled, in local execution environments,
 * against DynamoDB Local, every request counted at a proxy; the sample handler is test/fixtures/handlers/guarantee.{js,py}.
 */
import { guaranteeHandler, GuaranteeHandlerOptions, Runtime, wrapperCalls } from './guarantee-handler';
import { LocalLambdaFunction } from '../../../src/cli/local/local-lambda';
import { ENV_IDEMPOTENCY_PREVIOUS_KEY_PREFIXES } from '../../../src/contract/wrapper';
import { parsePreviousKeyPrefixes } from '../../../src/lambda/wrapper/config';
import { effectsFor, idempotencyRecords, openGate, outcomeLine, PYTHON_RUNTIME, useLocalStack } from '../../support/local-stack';
import { envelope, loadSample, StripeEventSample, withId } from '../../support/stripe-samples';

const CHECKOUT = loadSample<StripeEventSample>('checkout.session.completed__stripe-ruby-mock.json');
const CUSTOMER = loadSample<StripeEventSample>('customer.updated__stripe-ruby-mock.json');

const stack = useLocalStack({ proxy: true });
afterEach(() => stack.proxy.setFault(undefined));

interface Options extends GuaranteeHandlerOptions {
  /** STRIPE_EB_IDEMPOTENCY_PREVIOUS_KEY_PREFIXES, as a list. */
  readonly previous?: string[];
}

function fn(runtime: Runtime, keyPrefix: string, options: Options = {}): LocalLambdaFunction {
  const previous: Record<string, string> = options.previous ? { [ENV_IDEMPOTENCY_PREVIOUS_KEY_PREFIXES]: JSON.stringify(options.previous) } : {};
  return guaranteeHandler(stack, runtime, keyPrefix, { ...options, environment: { ...previous, ...options.environment } });
}

const calls = () => wrapperCalls(stack);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each([
  ['Node.js', 'Node.js', 'node', 'node'],
  ['Node.js', 'Python', 'node', 'python'],
  ['Python', 'Node.js', 'python', 'node'],
] as const)('%s under the previous scope, %s under the new one', (_a, _b, before, after) => {
  test('an event processed before the change is a duplicate: the stored result, the record copied, later copies one request; a new event costs one read more', async () => {
    const tag = `${before}${after}`;
    const [oldPrefix, newPrefix] = [`Old${tag}/Stripe.Orders`, `New${tag}/Stripe.Orders`];
    const [processed, fresh] = [withId(CHECKOUT, `evt_1Prev${tag}`), withId(CHECKOUT, `evt_1PrevFresh${tag}`)];
    const first = await fn(before, oldPrefix).invoke(envelope(processed));
    expect(outcomeLine(first.logs)?.outcome).toBe('processed');
    const v2 = fn(after, newPrefix, { previous: [oldPrefix] });

    stack.proxy.reset();
    const copy = await v2.invoke(envelope(processed));
    expect(copy.error).toBeUndefined();
    expect(outcomeLine(copy.logs)).toMatchObject({ outcome: 'duplicate', previous_key_prefix: oldPrefix });
    expect(copy.result).toEqual(first.result);
    expect(calls()).toEqual(['PutItem 200', 'GetItem 200', 'UpdateItem 200']);
    const [copied] = await idempotencyRecords(stack.client, stack.idempotencyTable, newPrefix);
    expect(copied).toMatchObject({ status: 'COMPLETED', data: first.result });

    stack.proxy.reset();
    const later = await v2.invoke(envelope(processed));
    expect(outcomeLine(later.logs)?.outcome).toBe('duplicate');
    expect(outcomeLine(later.logs)?.previous_key_prefix).toBeUndefined();
    expect(later.result).toEqual(first.result);
    expect(calls()).toEqual(['PutItem 400 ConditionalCheckFailedException']);

    stack.proxy.reset();
    const out = await v2.invoke(envelope(fresh));
    expect(outcomeLine(out.logs)?.outcome).toBe('processed');
    expect(calls()).toEqual(['PutItem 200', 'GetItem 200', 'UpdateItem 200']);

    expect(await effectsFor(stack.client, stack.businessTable, processed.id)).toBe(1);
    expect(await effectsFor(stack.client, stack.businessTable, fresh.id)).toBe(1);
  });
});

test('several previous prefixes are read in one BatchGetItem; each event is found under the scope it was processed in', async () => {
  const [a, b, c] = ['ScopeA.Orders', 'ScopeB.Orders', 'ScopeC.Orders'];
  const [e1, e2, e3] = ['evt_1PrevManyA', 'evt_1PrevManyB', 'evt_1PrevManyC'].map((id) => withId(CHECKOUT, id));
  await fn('node', a).invoke(envelope(e1));
  await fn('python', b).invoke(envelope(e2));
  for (const runtime of ['node', 'python'] as const) {
    const v3 = fn(runtime, `${c}.${runtime}`, { previous: [b, a] });
    stack.proxy.reset();
    const outs = [await v3.invoke(envelope(e1)), await v3.invoke(envelope(e2)), await v3.invoke(envelope(e3))];
    expect(outs.map((o) => outcomeLine(o.logs)?.outcome)).toEqual(['duplicate', 'duplicate', 'processed']);
    expect(outs.map((o) => outcomeLine(o.logs)?.previous_key_prefix)).toEqual([a, b, undefined]);
    expect(stack.proxy.requests.filter((r) => r.operation.includes('Get')).map((r) => r.operation)).toEqual(['BatchGetItem', 'BatchGetItem', 'BatchGetItem']);
  }
  expect(await effectsFor(stack.client, stack.businessTable, e1.id)).toBe(1);
  expect(await effectsFor(stack.client, stack.businessTable, e2.id)).toBe(1);
  // Once by each of the two new functions (their own prefixes).
  expect(await effectsFor(stack.client, stack.businessTable, e3.id)).toBe(2);
});

describe.each([['Node.js', 'node'], ['Python', 'python']] as const)('%s', (_label, runtime) => {
  test('an event still in progress under the previous prefix is in progress: the new record is released, Lambda retries, the retry is a duplicate', async () => {
    const [oldPrefix, newPrefix] = [`OldRunning.${runtime}`, `NewRunning.${runtime}`];
    const event = withId(CHECKOUT, `evt_1PrevRunning${runtime}`);
    const running = fn('node', oldPrefix, { mode: 'gate-plain' }).invoke(envelope(event));
    while ((await idempotencyRecords(stack.client, stack.idempotencyTable, oldPrefix)).length === 0) await sleep(25);
    const v2 = fn(runtime, newPrefix, { previous: [oldPrefix] });

    stack.proxy.reset();
    const blocked = await v2.invoke(envelope(event));
    expect(blocked.error?.name).toBe('IdempotencyAlreadyInProgressError');
    expect(outcomeLine(blocked.logs)).toMatchObject({ outcome: 'in_progress', previous_key_prefix: oldPrefix, handler_ran: false });
    expect(calls()).toEqual(['PutItem 200', 'GetItem 200', 'DeleteItem 200']);
    expect(await idempotencyRecords(stack.client, stack.idempotencyTable, newPrefix)).toEqual([]);

    await openGate(stack.client, stack.businessTable, event.id);
    expect(outcomeLine((await running).logs)?.outcome).toBe('processed');
    const retry = await v2.invoke(envelope(event));
    expect(outcomeLine(retry.logs)).toMatchObject({ outcome: 'duplicate', previous_key_prefix: oldPrefix });
    expect(await effectsFor(stack.client, stack.businessTable, event.id)).toBe(1);
  });

  test('another event under the same id in the previous scope is refused (EVENT_ID_REUSED) and the new record released', async () => {
    const [oldPrefix, newPrefix] = [`OldReused.${runtime}`, `NewReused.${runtime}`];
    const event = withId(CHECKOUT, `evt_1PrevReused${runtime}`);
    await fn('node', oldPrefix).invoke(envelope(event));
    stack.proxy.reset();
    const out = await fn(runtime, newPrefix, { previous: [oldPrefix] }).invoke(envelope({ ...CUSTOMER, id: event.id }));
    expect(out.error?.name).toBe('InvalidStripeEventError');
    expect(outcomeLine(out.logs)).toMatchObject({ outcome: 'invalid', reason: 'EVENT_ID_REUSED', previous_key_prefix: oldPrefix });
    expect(calls()).toEqual(['PutItem 200', 'GetItem 200', 'DeleteItem 200']);
    expect(await idempotencyRecords(stack.client, stack.idempotencyTable, newPrefix)).toEqual([]);
    expect(await effectsFor(stack.client, stack.businessTable, event.id)).toBe(1);
  });

  test('when the previous records cannot be read the handler does not run, the new record is released, and the retry is safe', async () => {
    const [oldPrefix, newPrefix] = [`OldUnreadable.${runtime}`, `NewUnreadable.${runtime}`];
    const event = withId(CHECKOUT, `evt_1PrevUnreadable${runtime}`);
    await fn('node', oldPrefix).invoke(envelope(event));
    const v2 = fn(runtime, newPrefix, { previous: [oldPrefix], environment: { AWS_MAX_ATTEMPTS: '2' } });
    stack.proxy.setFault(({ operation }) => (operation === 'GetItem' ? 'server-error' : 'pass'));
    const failed = await v2.invoke(envelope(event));
    expect(failed.error?.name).toBe('IdempotencyStoreError');
    expect(failed.error?.message).toMatch(new RegExp(
      `^could not read the records of ${event.id} under the previous key prefixes ${oldPrefix.replace('.', '\\.')} in the idempotency table \\S+ \\(.*\\); the handler did not run\\. A retry is safe\\.$`,
    ));
    expect(outcomeLine(failed.logs)).toMatchObject({ outcome: 'failed', handler_ran: false });
    expect(await idempotencyRecords(stack.client, stack.idempotencyTable, newPrefix)).toEqual([]);
    stack.proxy.setFault(undefined);
    expect(outcomeLine((await v2.invoke(envelope(event))).logs)?.outcome).toBe('duplicate');
    expect(await effectsFor(stack.client, stack.businessTable, event.id)).toBe(1);
  });
});

test('an expired record under the previous prefix does not count: the event is processed again, as its record lifetime says', async () => {
  const event = withId(CHECKOUT, 'evt_1PrevExpired');
  await fn('node', 'OldExpired.Orders', { recordLifetimeSeconds: 1 }).invoke(envelope(event));
  await sleep(2_100);
  const out = await fn('python', 'NewExpired.Orders', { previous: ['OldExpired.Orders'] }).invoke(envelope(event));
  expect(outcomeLine(out.logs)?.outcome).toBe('processed');
  expect(outcomeLine(out.logs)?.previous_key_prefix).toBeUndefined();
});

describe('the variable\'s value', () => {
  test('is a JSON array of distinct prefixes other than the current one, at most 10', () => {
    expect(parsePreviousKeyPrefixes(undefined, 'New.Orders')).toEqual([]);
    expect(parsePreviousKeyPrefixes('["Old.Orders","Older.Orders"]', 'New.Orders')).toEqual(['Old.Orders', 'Older.Orders']);
    const message = (text: string) => {
      try {
        parsePreviousKeyPrefixes(text, 'New.Orders');
      } catch (err) {
        return (err as Error).message;
      }
      return 'accepted';
    };
    const start = `${ENV_IDEMPOTENCY_PREVIOUS_KEY_PREFIXES} must be a JSON array of at most 10 distinct key prefixes other than 'New.Orders': `;
    expect(message('Old.Orders')).toBe(`${start}'Old.Orders' is not JSON`);
    expect(message('{"a":1}')).toBe(`${start}got {"a":1}`);
    expect(message('["New.Orders"]')).toBe(`${start}'New.Orders' is the current key prefix`);
    expect(message('["Old#x"]')).toBe(`${start}"Old#x" is not a key prefix (a non-empty string without '#')`);
    expect(message('["A","A"]')).toBe(`${start}["A","A"] repeats a prefix`);
    expect(message(JSON.stringify(Array.from({ length: 11 }, (_, i) => `P${i}`)))).toBe(`${start}got 11`);
  });

  test('a function with a malformed value fails every invocation with the reason, in both runtimes, before any request', async () => {
    for (const runtime of ['node', 'python'] as const) {
      stack.proxy.reset();
      const out = await stack.wrapped({
        runtime: runtime === 'python' ? PYTHON_RUNTIME : undefined,
        keyPrefix: 'New.Orders',
        userHandler: 'guarantee.handler',
        dynamoDbEndpoint: stack.proxy.endpoint,
        environment: { [ENV_IDEMPOTENCY_PREVIOUS_KEY_PREFIXES]: '["New.Orders"]' },
      }).invoke(envelope(withId(CHECKOUT, 'evt_1PrevMalformed')));
      expect(out.error?.message).toContain(`${ENV_IDEMPOTENCY_PREVIOUS_KEY_PREFIXES} must be a JSON array`);
      expect(stack.proxy.requests).toEqual([]);
    }
  });
});
