/**
 * How the wrapper configures Powertools idempotency (the key is the Stripe event id, the record's `validation` the
 * event's type and account: src/contract/idempotency.ts), and the JSON texts Powertools hashes for them, written
 * without its JMESPath search where the event has the shape the envelope validation guarantees (the search builds
 * an interpreter and introspects its functions on every call). The store (idempotency.ts) hashes these texts with
 * Powertools' own hash function; for any other shape it leaves the work to Powertools.
 */
import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { PAYLOAD_VALIDATION_JMESPATH } from '../../contract/idempotency';

/** The key's JMESPath expression (the Stripe event id), as the wrapper configures Powertools. */
export const KEY_JMESPATH = 'detail.id';

/** The wrapper's Powertools configuration, records kept `ttlSeconds`. */
export function idempotencyConfig(ttlSeconds: number): IdempotencyConfig {
  return new IdempotencyConfig({
    eventKeyJmesPath: KEY_JMESPATH,
    payloadValidationJmesPath: PAYLOAD_VALIDATION_JMESPATH,
    expiresAfterSeconds: ttlSeconds,
    throwOnNoIdempotencyKey: true,
  });
}

/**
 * Members of Powertools' persistence layer (BasePersistenceLayer.js) that its types declare private: the store reads
 * the configured expressions and hashes as Powertools does, and replaces getHashedPayload. Where a later Powertools
 * names them otherwise, the store leaves the work to Powertools' own (slower, the same records).
 */
export interface PowertoolsHashing {
  readonly eventKeyJmesPath?: string;
  readonly validationKeyJmesPath?: string;
  readonly generateHash?: (data: string) => string;
  readonly getHashedPayload: (data: unknown) => string;
}

/** As Powertools' JMESPath reads a field: of an object whose tag is `[object Object]` (commons' isRecord). */
function isRecord(value: unknown): value is Record<string, unknown> {
  return Object.prototype.toString.call(value) === '[object Object]';
}

/** The event's `detail`, where Powertools' search of `detail.…` finds it. */
function detailOf(data: unknown): Record<string, unknown> | undefined {
  const detail = isRecord(data) ? data.detail : undefined;
  return isRecord(detail) ? detail : undefined;
}

/**
 * The text Powertools hashes for the key (the JSON of what `detail.id` finds) where `detail.id` is a non-empty
 * string; else undefined (an empty one is missing, which Powertools refuses).
 */
export function keyJson(layer: PowertoolsHashing, data: unknown): string | undefined {
  if (layer.eventKeyJmesPath !== KEY_JMESPATH) return undefined;
  const id = detailOf(data)?.id;
  return typeof id === 'string' && id !== '' ? JSON.stringify(id) : undefined;
}

/**
 * The text Powertools hashes for the record's validation, the JSON of the list PAYLOAD_VALIDATION_JMESPATH's
 * `[detail.type, detail.account]` finds (a field it does not find is null), where the type is a string and the
 * account a string or nothing; else undefined.
 */
export function validationJson(layer: PowertoolsHashing, data: unknown): string | undefined {
  if (layer.validationKeyJmesPath !== PAYLOAD_VALIDATION_JMESPATH) return undefined;
  const detail = detailOf(data);
  const account = detail?.account ?? null;
  return typeof detail?.type === 'string' && (account === null || typeof account === 'string') ? JSON.stringify([detail.type, account]) : undefined;
}
