/**
 * The wrapper keeps its guarantee whatever the handler does, in both runtimes (the real Node.js and Python wrappers as
 * bundled, in local execution environments, against DynamoDB Local, every request counted at a proxy):
 * - after IdempotencyRecordLostError the invocation fails even if the handler caught the error and returned, and no
 *   completion, plain or transactional, ever writes over a record that another delivery took over;
 * - a second `transactWrite` after the commit fails the event even if the handler catches its error;
 * - a delivery that reuses an `evt_` id for another event (another type or account) is refused as invalid
 *   (EVENT_ID_REUSED), never answered as a duplicate.
 * The sample handler is test/fixtures/handlers/guarantee.{js,py}.
 */
import { AttributeValue, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { guaranteeHandler, Runtime, wrapperCalls } from './guarantee-handler';
import { LocalLambdaFunction } from '../../../src/cli/local/local-lambda';
import { effectsFor, emfLines, idempotencyRecords, openGate, outcomeLine, useLocalStack } from '../../support/local-stack';
import { envelope, loadSample, StripeEventSample, withId } from '../../support/stripe-samples';

const CHECKOUT = loadSample<StripeEventSample>('checkout.session.completed__stripe-ruby-mock.json');
const CUSTOMER = loadSample<StripeEventSample>('customer.updated__stripe-ruby-mock.json');

const stack = useLocalStack({ proxy: true });
afterEach(() => stack.proxy.setFault(undefined));

const RUNTIMES = [['Node.js', 'node'], ['Python', 'python']] as const;

const fn = (runtime: Runtime, keyPrefix: string, mode: string): LocalLambdaFunction => guaranteeHandler(stack, runtime, keyPrefix, { mode });
const calls = () => wrapperCalls(stack);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitForRecord(keyPrefix: string): Promise<Record<string, any>> {
  for (;;) {
    const [record] = await idempotencyRecords(stack.client, stack.idempotencyTable, keyPrefix);
    if (record) return record;
    await sleep(25);
  }
}

/**
 * What another delivery of the event writes when this invocation's deadline has passed: Powertools' in-progress put
 * of the same item with its own deadline (here `forMs` from now).
 */
async function takeOver(key: string, forMs: number): Promise<Record<string, AttributeValue>> {
  const current = (await rawRecord(key))!;
  const item = { ...current, in_progress_expiration: { N: String(Date.now() + forMs) } };
  await stack.client.send(new PutItemCommand({ TableName: stack.idempotencyTable, Item: item }));
  return item;
}

async function rawRecord(key: string): Promise<Record<string, AttributeValue> | undefined> {
  return (await stack.client.send(new GetItemCommand({ TableName: stack.idempotencyTable, Key: { id: { S: key } }, ConsistentRead: true }))).Item;
}

describe.each(RUNTIMES)('%s: a record taken over by another delivery', (_label, runtime) => {
  test('a handler that catches IdempotencyRecordLostError and returns still fails; the other delivery\'s record is not touched; the effect happens once', async () => {
    const prefix = `Test.Guarantee.Swallow.${runtime}`;
    const event = withId(CHECKOUT, `evt_1GuaranteeSwallow${runtime}`);
    const running = fn(runtime, prefix, 'gate-swallow').invoke(envelope(event));
    const record = await waitForRecord(prefix);
    const theirs = await takeOver(record.id, 2_000);
    await openGate(stack.client, stack.businessTable, event.id);
    const out = await running;

    expect(out.error?.name).toBe('IdempotencyRecordLostError');
    expect(out.error?.message).toMatch(/is no longer this invocation's in-progress record .* so neither the effects nor the completion were committed/);
    expect(outcomeLine(out.logs)).toMatchObject({ outcome: 'failed', handler_ran: true, error_name: 'IdempotencyRecordLostError' });
    expect(await rawRecord(record.id)).toEqual(theirs);
    expect(await effectsFor(stack.client, stack.businessTable, event.id)).toBe(0);

    // Once the other delivery's deadline has passed too, a retry performs the effect, once.
    await sleep(Number(theirs.in_progress_expiration.N) - Date.now() + 50);
    const retry = await fn(runtime, prefix, 'transactional').invoke(envelope(event));
    expect(outcomeLine(retry.logs)?.outcome).toBe('processed');
    expect(outcomeLine((await fn(runtime, prefix, 'transactional').invoke(envelope(event))).logs)?.outcome).toBe('duplicate');
    expect(await effectsFor(stack.client, stack.businessTable, event.id)).toBe(1);
  });

  test('a plain completion is conditional too: it never writes over the other delivery\'s record, and fails with IdempotencyRecordLostError', async () => {
    const prefix = `Test.Guarantee.Plain.${runtime}`;
    const event = withId(CHECKOUT, `evt_1GuaranteePlain${runtime}`);
    const running = fn(runtime, prefix, 'gate-plain').invoke(envelope(event));
    const record = await waitForRecord(prefix);
    const theirs = await takeOver(record.id, 60_000);
    stack.proxy.reset();
    await openGate(stack.client, stack.businessTable, event.id);
    const out = await running;

    expect(out.error?.name).toBe('IdempotencyRecordLostError');
    expect(out.error?.message).toMatch(/is no longer this invocation's in-progress record .* so it was not completed: nothing was written over it/);
    expect(outcomeLine(out.logs)).toMatchObject({ outcome: 'failed', handler_ran: true, error_name: 'IdempotencyRecordLostError' });
    // The conditional completion, refused: the record stays theirs.
    expect(calls()).toEqual(['UpdateItem 400 ConditionalCheckFailedException']);
    expect(await rawRecord(record.id)).toEqual(theirs);
  });
});

describe.each(RUNTIMES)('%s: a second transactWrite after the commit', (_label, runtime) => {
  test('fails the event even when the handler catches its error: its writes are never made, the record keeps the first commit, the retry is a duplicate', async () => {
    const prefix = `Test.Guarantee.Twice.${runtime}`;
    const event = withId(CHECKOUT, `evt_1GuaranteeTwice${runtime}`);
    const f = fn(runtime, prefix, 'twice-swallow');
    stack.proxy.reset();
    const out = await f.invoke(envelope(event));

    expect(out.error?.name).toBe('InvalidTransactionError');
    expect(out.error?.message).toMatch(/this event's effects are already committed \(with its idempotency record\)\. Hand over all of an event's writes in one call\. Nothing was written\.$/);
    expect(outcomeLine(out.logs)).toMatchObject({ outcome: 'failed', handler_ran: true, error_name: 'InvalidTransactionError', transaction_actions: 1 });
    // One commit; the release after the failure is refused, as the record is completed.
    expect(calls()).toEqual(['PutItem 200', 'TransactWriteItems 200', 'DeleteItem 400 ConditionalCheckFailedException']);
    expect(await effectsFor(stack.client, stack.businessTable, event.id)).toBe(1);
    expect(await effectsFor(stack.client, stack.businessTable, `${event.id}#2`)).toBe(0);

    const retry = await f.invoke(envelope(event));
    expect(outcomeLine(retry.logs)?.outcome).toBe('duplicate');
    expect(retry.result).toMatchObject({ handled: event.id });
  });
});

describe('the same evt_ id on another event: EVENT_ID_REUSED, not a duplicate', () => {
  const forged = (event: StripeEventSample, change: Partial<StripeEventSample>) => ({ ...event, ...change });
  const cases: Array<[string, Runtime, Runtime, (e: StripeEventSample) => StripeEventSample]> = [
    ['another type, record and delivery in Node.js', 'node', 'node', (e) => forged(CUSTOMER, { id: e.id })],
    ['another account, record and delivery in Python', 'python', 'python', (e) => forged(e, { account: 'acct_1Forged' })],
    ['another type, a Python record, a Node.js delivery', 'python', 'node', (e) => forged(CUSTOMER, { id: e.id })],
    ['an account added, a Node.js record, a Python delivery', 'node', 'python', (e) => forged(e, { account: 'acct_1Forged' })],
  ];
  test.each(cases)('%s: refused as invalid with the reason, for one request; genuine copies stay duplicates', async (label, writer, reader, forge) => {
    const prefix = `Test.Guarantee.Reused.${label.replace(/[^A-Za-z]/g, '')}`;
    const event = withId(CHECKOUT, `evt_1Reused${label.replace(/[^A-Za-z]/g, '')}`);
    expect(outcomeLine((await fn(writer, prefix, 'plain').invoke(envelope(event))).logs)?.outcome).toBe('processed');

    stack.proxy.reset();
    const bad = forge(event);
    const out = await fn(reader, prefix, 'plain').invoke(envelope(bad));
    expect(out.error?.name).toBe('InvalidStripeEventError');
    expect(out.error?.message).toMatch(new RegExp(
      `^EVENT_ID_REUSED: ${event.id} already has an idempotency record made by an event of another type or account \\(this delivery: type "${bad.type.replace(/\./g, '\\.')}", ` +
        `account ${bad.account ? `"${bad.account}"` : 'none'}\\); Stripe event ids are unique, so this delivery is forged or corrupted\\. It was not processed\\.$`,
    ));
    expect(outcomeLine(out.logs)).toMatchObject({ outcome: 'invalid', reason: 'EVENT_ID_REUSED', stripe_event_id: event.id, error_name: 'InvalidStripeEventError' });
    const [emf] = emfLines(out.logs);
    expect(emf._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name)).toContain('EventsInvalid');
    expect(calls()).toEqual(['PutItem 400 ConditionalCheckFailedException']);
    expect(await effectsFor(stack.client, stack.businessTable, event.id)).toBe(1);

    const copy = await fn(reader, prefix, 'plain').invoke(envelope(event));
    expect(outcomeLine(copy.logs)?.outcome).toBe('duplicate');
    expect(await effectsFor(stack.client, stack.businessTable, event.id)).toBe(1);
  });

  test.each(RUNTIMES)('%s: a record without a validation hash (written by hand, or by an earlier build) is not checked: a genuine copy is a duplicate', async (_label, runtime) => {
    const prefix = `Test.Guarantee.Unchecked.${runtime}`;
    const event = withId(CHECKOUT, `evt_1Unchecked${runtime}`);
    await fn(runtime, prefix, 'plain').invoke(envelope(event));
    const [record] = await idempotencyRecords(stack.client, stack.idempotencyTable, prefix);
    const { validation: _, ...item } = (await rawRecord(record.id))!;
    await stack.client.send(new PutItemCommand({ TableName: stack.idempotencyTable, Item: item }));
    const copy = await fn(runtime, prefix, 'plain').invoke(envelope(event));
    expect(outcomeLine(copy.logs)?.outcome).toBe('duplicate');
    expect(await effectsFor(stack.client, stack.businessTable, event.id)).toBe(1);
  });
});
