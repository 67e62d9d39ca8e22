/**
 * One record contract for every runtime (src/contract/idempotency.ts): the Node.js wrapper and the Python wrapper, as
 * built into their layers, write the same idempotency record for the same event (the key, the attributes and their
 * DynamoDB types, `data` as a native value, the `validation` hash) and each reads the other's, so a handler moved from
 * one runtime to the other (same name, same key scope) does not run an event again. Real wrappers in local execution
 * environments against DynamoDB Local; the sample handlers are test/fixtures/handlers/guarantee.{js,py}.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { AttributeValue, GetItemCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { LocalLambdaFunction } from '../../../src/cli/local/local-lambda';
import { PAYLOAD_VALIDATION_JMESPATH } from '../../../src/contract/idempotency';
import { effectsFor, jsonLines, outcomeLine, PYTHON_WRAPPER_LAYER_DIR, useLocalStack } from '../../support/local-stack';
import { distinctEvents, envelope, loadSample, StripeEventSample, withId } from '../../support/stripe-samples';
import { guaranteeHandler, Runtime } from '../wrapper/guarantee-handler';

const CHECKOUT = loadSample<StripeEventSample>('checkout.session.completed__stripe-ruby-mock.json');
/** A Connect event: `account` is set. */
const CONNECT = loadSample<StripeEventSample>('customer.created__stripe-dotnet-connect-account.json');

const stack = useLocalStack({ proxy: true });

const handler = (runtime: Runtime, keyPrefix: string, environment: Record<string, string> = {}): LocalLambdaFunction =>
  guaranteeHandler(stack, runtime, keyPrefix, { environment });

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('base64');
/** The contract's key, computed here from its definition: base64 MD5 of the JSON of the Stripe event id. */
const contractKey = (prefix: string, id: string) => `${prefix}#${md5(JSON.stringify(id))}`;
/** The contract's validation hash: the same digest of [detail.type, detail.account]. */
const contractValidation = (event: StripeEventSample) => md5(JSON.stringify([event.type, event.account ?? null]));

async function rawRecord(key: string): Promise<Record<string, AttributeValue> | undefined> {
  return (await stack.client.send(new GetItemCommand({ TableName: stack.idempotencyTable, Key: { id: { S: key } }, ConsistentRead: true }))).Item;
}

/** An attribute value with its DynamoDB types kept and its numbers as numbers (DynamoDB may write `19.990` as `19.99`). */
function typed(v: AttributeValue): unknown {
  if (v.M) return { M: Object.fromEntries(Object.entries(v.M).map(([k, e]) => [k, typed(e)])) };
  if (v.L) return { L: v.L.map(typed) };
  if (v.N !== undefined) return { N: Number(v.N) };
  return v;
}

describe('a Node.js and a Python version of one handler (same key prefix, same table)', () => {
  test('take turns on one stream: every event has its effect once; each runtime answers the other\'s events as duplicates, with their stored results', async () => {
    const events = distinctEvents(6, '1Turns');
    const node = handler('node', 'Payments/Stripe.Orders');
    const python = handler('python', 'Payments/Stripe.Orders');
    const outcomes = async (fn: LocalLambdaFunction, batch: StripeEventSample[]) => {
      const outs = [];
      for (const event of batch) outs.push(await fn.invoke(envelope(event)));
      expect(outs.map((o) => o.error)).toEqual(batch.map(() => undefined));
      return outs;
    };

    // The Node.js version processes the first four; the Python version (a redeploy) then gets the whole stream again.
    const first = await outcomes(node, events.slice(0, 4));
    expect(first.map((o) => outcomeLine(o.logs)?.outcome)).toEqual(['processed', 'processed', 'processed', 'processed']);
    const second = await outcomes(python, events);
    expect(second.map((o) => outcomeLine(o.logs)?.outcome)).toEqual(['duplicate', 'duplicate', 'duplicate', 'duplicate', 'processed', 'processed']);
    // And back: every event is now a duplicate for the Node.js version, the Python version's two as well.
    const third = await outcomes(node, events);
    expect(third.map((o) => outcomeLine(o.logs)?.outcome)).toEqual(events.map(() => 'duplicate'));

    for (const [i, event] of events.entries()) {
      expect(await effectsFor(stack.client, stack.businessTable, event.id)).toBe(1);
      const processed = i < 4 ? first[i] : second[i];
      expect(second[i].result).toEqual(processed.result);
      expect(third[i].result).toEqual(processed.result);
    }
  });

  test('write the same record for the same event: the contract\'s key, attributes and DynamoDB types, data as a native value, the validation hash', async () => {
    for (const event of [withId(CHECKOUT, 'evt_1SameRecord'), withId(CONNECT, 'evt_1SameRecordConnect')]) {
      const records: Record<Runtime, Record<string, AttributeValue>> = {} as any;
      for (const runtime of ['node', 'python'] as const) {
        const prefix = `Test.Contract.${runtime}`;
        const before = Date.now();
        const out = await handler(runtime, prefix).invoke(envelope(event));
        expect(outcomeLine(out.logs)?.outcome).toBe('processed');
        const record = (await rawRecord(contractKey(prefix, event.id)))!;
        expect(record).toBeDefined();
        expect(Object.keys(record).sort()).toEqual(['data', 'expiration', 'id', 'in_progress_expiration', 'status', 'validation']);
        expect(record.status).toEqual({ S: 'COMPLETED' });
        expect(record.validation).toEqual({ S: contractValidation(event) });
        expect(Number(record.expiration.N)).toBeGreaterThanOrEqual(Math.floor(before / 1000) + 36 * 86_400);
        expect(Number(record.in_progress_expiration.N)).toBeGreaterThan(before);
        records[runtime] = record;
      }
      expect(typed(records.python.data)).toEqual(typed(records.node.data));
      expect(typed(records.node.data)).toEqual({
        M: {
          handled: { S: event.id },
          type: { S: event.type },
          amount: { N: 19.99 },
          count: { N: 3 },
          flags: { L: [{ BOOL: true }, { BOOL: false }, { NULL: true }] },
          nested: { M: { empty: { M: {} }, list: { L: [] }, text: { S: 'é ✓' }, zero: { N: 0 } } },
        },
      });
    }
  });

  test.each([
    ['{}', 'empty', {}],
    ['0', 'zero', 0],
    ['null', 'none', null],
  ])('return the other\'s stored result as it is, even a falsy one (%s)', async (_label, result, expected) => {
    for (const [writer, reader] of [['node', 'python'], ['python', 'node']] as const) {
      const prefix = `Test.Contract.Falsy.${result}.${writer}`;
      const event = withId(CHECKOUT, `evt_1Falsy${result}${writer}`);
      const first = await handler(writer, prefix, { SAMPLE_RESULT: result }).invoke(envelope(event));
      expect(first.result).toEqual(expected);
      const duplicate = await handler(reader, prefix, { SAMPLE_RESULT: result }).invoke(envelope(event));
      expect(outcomeLine(duplicate.logs)?.outcome).toBe('duplicate');
      expect(duplicate.result).toEqual(expected);
    }
  });

  test.each([
    ['a number the other could not read exactly (2^60)', 'unsafe', /^the result holds the number 11529215046068\d+, which DynamoDB cannot store exactly \(return it as a string\)$/],
    ['an empty map key', 'empty-key', /^the result has an empty object key, which DynamoDB refuses as an attribute name \(use a non-empty key\)$/],
    ['41 levels of nesting', 'deep', /^the result is nested more than 32 levels deep, which DynamoDB cannot store$/],
  ])('store a result with %s as null, with the same warning', async (_label, result, reason) => {
    for (const runtime of ['node', 'python'] as const) {
      const prefix = `Test.Contract.Unstorable.${result}.${runtime}`;
      const out = await handler(runtime, prefix, { SAMPLE_RESULT: result }).invoke(envelope(withId(CHECKOUT, 'evt_1Unstorable')));
      expect(out.error).toBeUndefined();
      expect(out.result).toBeNull();
      expect(jsonLines(out.logs).find((l) => l.level === 'WARN')).toMatchObject({ message: 'The handler result cannot be stored; storing null instead', reason: expect.stringMatching(reason) });
      expect((await rawRecord(contractKey(prefix, 'evt_1Unstorable')))?.data).toEqual({ NULL: true });
    }
  });
});

describe('the hash of the key and of the validation value', () => {
  /** The Python wrapper's hash of each value (record_hash_check.py, against the built layer). */
  function pythonHashes(values: unknown[]): string[] {
    const out = spawnSync(process.env.STRIPE_EB_LOCAL_PYTHON ?? 'python3', [path.join(__dirname, 'record_hash_check.py')], {
      input: values.map((v) => JSON.stringify(v)).join('\n') + '\n',
      env: { ...process.env, PYTHONPATH: path.join(PYTHON_WRAPPER_LAYER_DIR, 'python'), PYTHONDONTWRITEBYTECODE: '1', AWS_DEFAULT_REGION: 'us-east-1' },
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    if (out.status !== 0) throw new Error(`record_hash_check.py failed: ${out.stderr}`);
    return out.stdout.trim().split('\n').map((line) => JSON.parse(line));
  }

  /** Powertools (TypeScript)'s own hashing, as the Node.js wrapper runs it (getHashedPayload: generateHash of JSON.stringify(deepSort(…))). */
  const layer = new DynamoDBPersistenceLayer({ tableName: 'unused' });
  layer.configure({ config: new IdempotencyConfig({ eventKeyJmesPath: 'v', payloadValidationJmesPath: 'v' }), keyPrefix: 'p' });
  const nodeHash = (value: unknown): string => (layer as unknown as { getHashedPayload(data: unknown): string }).getHashedPayload({ v: value });

  test('is the same in both runtimes: for event ids, [type, account] pairs, and on 2,000 random JSON values', () => {
    const chosen: unknown[] = [
      'evt_1QfLwJ2eZvKYlo2CkGxkEQTb',
      ['checkout.session.completed', null],
      ['customer.created', 'acct_1Nv0FGQ9RKHgCVdK'],
      ['é ✓ \u2028 \u0007 "quoted" \\', 'acct_\ud83d\ude00'],
      [1e21, 1e-7, 0.1, 100, 2 ** 60, -5, 1.5e300, 123e-20, 0.000001],
      { b: 1, A: 2, 10: 3, 2: 4, é: '\ud800x' },
    ];
    const random = fc.sample(fc.jsonValue({ maxDepth: 3 }), { numRuns: 2_000, seed: 20261205 }).map((v) => JSON.parse(JSON.stringify(v)));
    const values = [...chosen, ...random];
    const python = pythonHashes(values);
    const differences = values.map((v, i) => ({ v, node: nodeHash(v), python: python[i] })).filter((d) => d.node !== d.python);
    expect(differences.slice(0, 3)).toEqual([]);
    // And it is the contract's: base64 MD5 of JSON.stringify.
    expect(python[0]).toBe(md5(JSON.stringify('evt_1QfLwJ2eZvKYlo2CkGxkEQTb')));
    expect(PAYLOAD_VALIDATION_JMESPATH).toBe('[detail.type, detail.account]');
  });
});
