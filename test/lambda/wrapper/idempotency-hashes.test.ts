/**
 * The idempotency store's key and validation hash (src/lambda/wrapper/idempotency.ts), which it computes without
 * Powertools' JMESPath search where it can, against Powertools' own: the same for every delivery, valid or damaged,
 * snapshot or thin (its idempotency view), and the same refusal of a delivery without a key.
 */
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { anyDeliveryOfEitherStyle } from './envelope-arbitraries';
import { InvocationStore } from '../../../src/lambda/wrapper/idempotency';
import { idempotencyConfig } from '../../../src/lambda/wrapper/idempotency-key';
import { completeSampleFiles, envelope, loadSample, StripeEventSample } from '../../support/stripe-samples';

const KEY_PREFIX = 'Integration.Handler';

/** The protected methods Powertools calls on each request. */
interface Hashing {
  getHashedIdempotencyKey(data: unknown): string;
  getHashedPayload(data: unknown): string;
}

function hashing(layer: DynamoDBPersistenceLayer): Hashing {
  layer.configure({ config: idempotencyConfig(3600), keyPrefix: KEY_PREFIX });
  return layer as unknown as Hashing;
}

const client = new DynamoDBClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:1' });
const powertools = hashing(new DynamoDBPersistenceLayer({ tableName: 'records', awsSdkV3Client: client }));
const invocationStore = new InvocationStore(client, { tableName: 'records', onResultRejected: () => undefined, ttlSeconds: 3600 });
const store = hashing(invocationStore);

/** Each hash, or the error's name and message. */
function hashes(of: Hashing, data: unknown): Record<string, string> {
  const attempt = (f: () => string): string => {
    try {
      return f();
    } catch (err) {
      return `${(err as Error).name}: ${(err as Error).message}`;
    }
  };
  invocationStore.begin(); // as each invocation does: nothing remembered from the previous event
  return { key: attempt(() => of.getHashedIdempotencyKey(data)), validation: attempt(() => of.getHashedPayload(data)) };
}

test.each(completeSampleFiles())('the same key and validation hash as Powertools for %s', (file) => {
  const event = envelope(loadSample<StripeEventSample>(file));
  expect(hashes(store, event)).toEqual(hashes(powertools, event));
  expect(hashes(store, event).key).toMatch(new RegExp(`^${KEY_PREFIX.replace('.', '\\.')}#[A-Za-z0-9+/]{22}==$`));
});

test.each<[string, unknown]>([
  ['a Connect event', { detail: { id: 'evt_1', type: 'charge.succeeded', account: 'acct_1' } }],
  ['an account of null', { detail: { id: 'evt_1', type: 'charge.succeeded', account: null } }],
  ['an account that is a number', { detail: { id: 'evt_1', type: 'charge.succeeded', account: 7 } }],
  ['an account that is an object', { detail: { id: 'evt_1', type: 'charge.succeeded', account: { z: 1, a: [2] } } }],
  ['a type that is missing', { detail: { id: 'evt_1' } }],
  ['an id that is empty', { detail: { id: '', type: 'charge.succeeded' } }],
  ['an id that is a number', { detail: { id: 42, type: 'charge.succeeded' } }],
  ['an id that is missing', { detail: { type: 'charge.succeeded' } }],
  ['a detail that is an array', { detail: [{ id: 'evt_1' }] }],
  ['no detail', { id: 'evt_1' }],
  ['a thin event\'s idempotency view', { detail: { id: 'evt_snapshot', type: 'customer.created', account: 'acct_connected' } }],
  ['text that needs escaping', { detail: { id: 'evt_"\\\u2028é', type: 'a"b\nc', account: '\u0000' } }],
])('the same key and validation hash as Powertools for %s', (_name, data) => {
  expect(hashes(store, data)).toEqual(hashes(powertools, data));
});

test('the same key and validation hash as Powertools for any delivery, valid or damaged', () => {
  fc.assert(
    fc.property(anyDeliveryOfEitherStyle, (event) => {
      expect(hashes(store, event)).toEqual(hashes(powertools, event));
    }),
    { numRuns: 300 },
  );
});

test('a missing key is refused as Powertools refuses it', () => {
  expect(hashes(store, { detail: { id: '' } }).key).toMatch(/^IdempotencyKeyError: /);
});
