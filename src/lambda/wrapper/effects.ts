/**
 * Transactional effects: `context.effects.transactWrite({ TransactItems }, result)` takes a handler's DynamoDB
 * writes in `@aws-sdk/lib-dynamodb`'s document shape (the input of its `TransactWriteCommand`) and commits
 * them in the same TransactWriteItems as the idempotency record's completion (see idempotency.ts). Checked
 * here, before any request, against DynamoDB's TransactWriteItems rules
 * (docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html: up to 100 actions,
 * not in different accounts or Regions, no two actions on the same item, an aggregate item size of 4 MB),
 * with the record's completion counted as one of them. Values are marshalled as `@aws-sdk/util-dynamodb`
 * does for the document client, with `removeUndefinedValues` (an undefined attribute is left out, as in JSON).
 */
import { randomBytes } from 'node:crypto';
import type { AttributeValue, TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { InvocationStore } from './idempotency';
import { LatestStateEvent, LatestStateIo, LatestStateOutcome, putLatest, PutLatestInput } from './latest-state-effect';
import { StripeEventBridgeError } from '../../contract/errors';
import { KEY_HASH_SEPARATOR, MAX_TRANSACTION_ACTIONS, MAX_TRANSACTION_BYTES, RECORD_ATTRIBUTE } from '../../contract/idempotency';

/** One action in the document shape, as `TransactWriteCommandInput['TransactItems']` of lib-dynamodb has it. */
type DocumentAction = Record<string, unknown>;

export interface StripeEffects {
  transactWrite<R>(input: { TransactItems: readonly unknown[] }, result: R): Promise<R>;
  /** Writes an object's state, latest state wins (latest-state-effect.ts), committed with the record. */
  putLatest(input: PutLatestInput, result?: unknown): Promise<unknown>;
}

/** The handed-over writes break one of DynamoDB's transaction rules: nothing was written. */
export class InvalidTransactionError extends StripeEventBridgeError {
  public readonly name = 'InvalidTransactionError';
}

const KINDS = ['Put', 'Update', 'Delete', 'ConditionCheck'] as const;
type Kind = (typeof KINDS)[number];
const MARSHALL = { removeUndefinedValues: true } as const;

/** Bytes DynamoDB counts for a number: about one per two significant digits, plus one. */
function numberBytes(n: string): number {
  const digits = n.replace(/^-/, '').replace(/e.*$/i, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}

/** The size DynamoDB counts for an attribute value (docs: CapacityUnitCalculations, item sizes). */
export function attributeValueBytes(v: AttributeValue): number {
  if (v.S !== undefined) return Buffer.byteLength(v.S, 'utf8');
  if (v.N !== undefined) return numberBytes(v.N);
  if (v.B !== undefined) return v.B.length;
  if (v.SS !== undefined) return v.SS.reduce((s, e) => s + Buffer.byteLength(e, 'utf8'), 0);
  if (v.NS !== undefined) return v.NS.reduce((s, e) => s + numberBytes(e), 0);
  if (v.BS !== undefined) return v.BS.reduce((s, e) => s + e.length, 0);
  if (v.L !== undefined) return 3 + v.L.reduce((s, e) => s + 1 + attributeValueBytes(e), 0);
  if (v.M !== undefined) return 3 + Object.entries(v.M).reduce((s, [k, e]) => s + 1 + Buffer.byteLength(k, 'utf8') + attributeValueBytes(e), 0);
  return 1; // BOOL, NULL
}

function itemBytes(item: Record<string, AttributeValue> | undefined): number {
  return Object.entries(item ?? {}).reduce((s, [k, v]) => s + Buffer.byteLength(k, 'utf8') + attributeValueBytes(v), 0);
}

function same(a: AttributeValue, b: AttributeValue): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

interface Checked {
  readonly item: TransactWriteItem;
  readonly kind: Kind;
  readonly table: string;
  /** The primary key, for every kind but Put. */
  readonly key?: Record<string, AttributeValue>;
  /** The whole item, for a Put (its key is a subset, unknown without the table's schema). */
  readonly putItem?: Record<string, AttributeValue>;
  readonly bytes: number;
}

/** Whether a Put's item carries every attribute of `key` with the same value: then it is the same item. */
function putMatches(putItem: Record<string, AttributeValue>, key: Record<string, AttributeValue>): boolean {
  return Object.entries(key).every(([name, value]) => putItem[name] !== undefined && same(putItem[name], value));
}

function describeKey(key: Record<string, AttributeValue>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(key).map(([k, v]) => [k, Object.values(v)[0]])));
}

export interface EffectsContext {
  readonly store: InvocationStore;
  /** The store's `invocation` when this invocation began: another value means the invocation has ended. */
  readonly invocation: number;
  /** The function's Region (`AWS_REGION`). */
  readonly region?: string;
  /** The function's account, from its ARN. */
  readonly account?: string;
  /** The result to store for what the handler hands over (its JSON form, or null with a warning). */
  readonly storable: (result: unknown) => unknown;
  /** The event as putLatest needs it, and how it fetches an object from Stripe (`context.stripe`). */
  readonly latest?: { readonly event: LatestStateEvent; readonly fetch: LatestStateIo['fetch'] };
  /** Called with putLatest's outcome, for the log line. */
  readonly onLatest?: (outcome: LatestStateOutcome) => void;
}

/** Refuses a call after the invocation failed or its effects were committed (see transactWrite's doc). */
function checkNotCommitted(ctx: EffectsContext, method: string): void {
  if (ctx.store.invocation !== ctx.invocation) {
    // Called after the handler returned or threw (a promise it did not await): the record is already completed or
    // released, and the store may serve the environment's next invocation, so these writes can no longer be made.
    throw new InvalidTransactionError(
      `${method}: this event's invocation has already ended (the handler returned or threw without awaiting ${method}). Await it. Nothing was written.`,
    );
  }
  // The invocation fails anyway (a record taken over, an unknown commit outcome): nothing more is sent.
  if (ctx.store.failure) throw ctx.store.failure;
  if (ctx.store.committed) {
    // The first call's commit completed the record: its retries are duplicates, so these writes can never be
    // made. The event fails (whatever the handler does with this error) instead of passing for processed.
    ctx.store.failure = new InvalidTransactionError(
      `${method}: this event's effects are already committed (with its idempotency record). Hand over all of an event's writes in one call. Nothing was written.`,
    );
    throw ctx.store.failure;
  }
}

export function createEffects(ctx: EffectsContext): StripeEffects {
  return {
    transactWrite: async <R>(input: { TransactItems: readonly unknown[] }, result: R): Promise<R> => {
      checkNotCommitted(ctx, 'transactWrite');
      const actions = checkActions(input, ctx);
      const stored = ctx.storable(result);
      return (await ctx.store.commit(actions, stored)) as R;
    },
    putLatest: async (input: PutLatestInput, result?: unknown): Promise<unknown> => {
      checkNotCommitted(ctx, 'putLatest');
      const latest = ctx.latest;
      if (!latest) throw new InvalidTransactionError('putLatest: this invocation has no Stripe event. Nothing was written.');
      let outcome: LatestStateOutcome | undefined;
      const io: LatestStateIo = {
        // The state first (index 0: its cancellation reason is putLatest's to read), then the handler's TransactItems.
        commit: async (actions, value) => {
          const checked = actions.length === 0 ? [] : checkActions({ TransactItems: actions }, ctx, PUT_LATEST_NAMES);
          return ctx.store.commit(checked, ctx.storable(value));
        },
        read: (table, key) => ctx.store.readItem(table, key),
        fetch: latest.fetch,
        token: () => randomBytes(9).toString('base64url'),
        now: Date.now,
      };
      const stored = await putLatest(latest.event, io, input, (o: LatestStateOutcome) => {
        outcome = o;
        return typeof result === 'function' ? (result as (o: LatestStateOutcome) => unknown)(o) : (result ?? o);
      });
      if (outcome) ctx.onLatest?.(outcome);
      return stored;
    },
  };
}

/** How checkActions names actions and itself. */
interface ActionNames {
  readonly method: string;
  readonly action: (i: number) => string;
}

const TRANSACT_WRITE_NAMES: ActionNames = { method: 'transactWrite', action: (i) => `TransactItems[${i}]` };
/** putLatest's actions: the state's Put, then the handler's TransactItems. */
const PUT_LATEST_NAMES: ActionNames = { method: 'putLatest', action: (i) => (i === 0 ? 'the state (Key and Item)' : `TransactItems[${i - 1}]`) };

/** Validates and marshals the handed-over actions; throws InvalidTransactionError before any request. */
export function checkActions(
  input: { TransactItems: readonly unknown[] },
  ctx: EffectsContext,
  names: ActionNames = TRANSACT_WRITE_NAMES,
): TransactWriteItem[] {
  const fail = (message: string): never => {
    throw new InvalidTransactionError(`${names.method}: ${message} Nothing was written.`);
  };
  const given = (input as { TransactItems?: unknown } | undefined)?.TransactItems;
  if (!Array.isArray(given) || given.length === 0) {
    fail('expected { TransactItems: [...] } with at least one action ({ Put }, { Update }, { Delete } or { ConditionCheck }), as for lib-dynamodb\'s TransactWriteCommand.');
  }
  const items = given as unknown[];
  const max = MAX_TRANSACTION_ACTIONS - 1;
  if (items.length > max) {
    fail(`${items.length} actions plus the idempotency record's completion make ${items.length + 1}; DynamoDB's TransactWriteItems takes at most ${MAX_TRANSACTION_ACTIONS}, so an event's effects must fit in ${max} actions.`);
  }
  const checked = items.map((raw, i) => checkAction(raw, names.action(i), ctx, fail));
  const recordKey = ctx.store.recordKey();
  checked.forEach((a, i) => {
    const onRecord = a.table === ctx.store.idempotencyTableName
      && (a.key ? same(a.key[RECORD_ATTRIBUTE.KEY] ?? {}, recordKey[RECORD_ATTRIBUTE.KEY]) : putMatches(a.putItem!, recordKey));
    if (onRecord) fail(`${names.action(i)} writes this event's idempotency record (${ctx.store.key?.split(KEY_HASH_SEPARATOR)[0]}#…), which the wrapper completes in the same transaction.`);
    for (let j = 0; j < i; j++) {
      const b = checked[j];
      if (a.table !== b.table) continue;
      const clash = (a.key && b.key && same({ M: a.key }, { M: b.key }))
        || (a.key && b.putItem && putMatches(b.putItem, a.key))
        || (b.key && a.putItem && putMatches(a.putItem, b.key));
      if (clash) {
        fail(`${names.action(j)} (${b.kind}) and ${names.action(i)} (${a.kind}) target the same item ${describeKey((a.key ?? b.key)!)} in ${a.table}; DynamoDB allows one action per item in a transaction. Merge them into one action.`);
      }
    }
  });
  const recordBytes = itemBytes(recordKey) + 300; // key, status, timestamps; the result is added by the store's own limit
  const total = checked.reduce((s, a) => s + a.bytes, recordBytes);
  if (total > MAX_TRANSACTION_BYTES) {
    fail(`the actions add up to about ${total} bytes; DynamoDB's TransactWriteItems takes items of at most ${MAX_TRANSACTION_BYTES} bytes (4 MB) in all. Write less per event.`);
  }
  return checked.map((a) => a.item);
}

function checkAction(raw: unknown, where: string, ctx: EffectsContext, fail: (m: string) => never): Checked {
  const kinds = raw !== null && typeof raw === 'object' ? KINDS.filter((k) => (raw as Record<string, unknown>)[k] !== undefined) : [];
  if (kinds.length !== 1) fail(`${where} must have exactly one of ${KINDS.join(', ')}; it has ${kinds.length === 0 ? 'none' : kinds.join(' and ')}.`);
  const kind = kinds[0];
  const action = (raw as Record<Kind, DocumentAction>)[kind];
  const table = action?.TableName;
  if (typeof table !== 'string' || table === '') fail(`${where}.${kind}.TableName must be the name (or ARN) of a table.`);
  checkAccountAndRegion(table as string, `${where}.${kind}.TableName`, ctx, fail);
  const out: Record<string, unknown> = { ...action };
  const convert = (field: 'Item' | 'Key' | 'ExpressionAttributeValues', required: boolean): Record<string, AttributeValue> | undefined => {
    const value = action[field];
    if (value === undefined) {
      if (required) fail(`${where}.${kind}.${field} is required.`);
      return undefined;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(`${where}.${kind}.${field} must be an object of attribute values.`);
    try {
      out[field] = marshall(value as Record<string, unknown>, MARSHALL);
    } catch (err) {
      fail(`${where}.${kind}.${field} cannot be marshalled for DynamoDB: ${(err as Error).message}.`);
    }
    return out[field] as Record<string, AttributeValue>;
  };
  const putItem = kind === 'Put' ? convert('Item', true) : undefined;
  const key = kind === 'Put' ? undefined : convert('Key', true);
  const values = convert('ExpressionAttributeValues', false);
  if (kind === 'Update' && typeof action.UpdateExpression !== 'string') fail(`${where}.Update.UpdateExpression is required.`);
  if (kind === 'ConditionCheck' && typeof action.ConditionExpression !== 'string') fail(`${where}.ConditionCheck.ConditionExpression is required.`);
  return {
    item: { [kind]: out } as TransactWriteItem,
    kind,
    table: table as string,
    key,
    putItem,
    bytes: itemBytes(putItem) + itemBytes(key) + itemBytes(values),
  };
}

/** `arn:<partition>:dynamodb:<region>:<account>:table/<name>`: a table given by ARN must be in the function's account and Region. */
function checkAccountAndRegion(table: string, where: string, ctx: EffectsContext, fail: (m: string) => never): void {
  if (!table.startsWith('arn:')) return;
  const [, , service, region, account] = table.split(':');
  if (service !== 'dynamodb') fail(`${where} '${table}' is not a DynamoDB table ARN.`);
  const here = `this function and its idempotency table are in account ${ctx.account ?? '(unknown)'}, Region ${ctx.region ?? '(unknown)'}`;
  if ((ctx.region && region !== ctx.region) || (ctx.account && account !== ctx.account)) {
    fail(`${where} '${table}' is in account ${account}, Region ${region}; ${here}. A DynamoDB transaction cannot span accounts or Regions.`);
  }
}
