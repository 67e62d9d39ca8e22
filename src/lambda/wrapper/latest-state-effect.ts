/**
 * `context.effects.putLatest({ TableName, Key, object, Item, TransactItems? }, result?)`: writes a Stripe object's
 * state so that it never goes backwards and ends equal to Stripe's latest, whatever the delivery order (the rule:
 * src/contract/latest-state.ts; the decision: latest-state.ts). Every write is committed with the event's
 * idempotency record (`commit`, the same path as `transactWrite`), so the state, the handler's other effects
 * (`TransactItems`: counters, ledgers) and the record's completion happen together or not at all.
 *
 * Requests, besides the in-progress put: a snapshot event decided by the event alone, one TransactWriteItems (the
 * state, conditioned on the fence, and the completion); one that is provably older or unchanged, that cancelled
 * transaction (its ALL_OLD item says why) and the completion; one that cannot prove its order, that cancelled
 * transaction, a GET of the object from Stripe and the transaction that writes it. A thin event reads the item
 * (GetItem), then skips or fetches and writes.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  Candidate,
  Condition,
  decideLatest,
  eventCondition,
  fenceOf,
  fetchedRange,
  isDeletion,
  LatestStateError,
  marshallItem,
  newFence,
  snapshotRange,
  thinRange,
  unchangedCondition,
} from './latest-state';
import { FENCE_ATTRIBUTE, FENCE_SOURCE, LATEST_DECISION, LOCAL_CLOCK_MARGIN_MS, MAX_LATEST_STATE_ROUNDS, NESTED_OBJECT_TYPES, STRIPE_DATE_MARGIN_MS } from '../../contract/latest-state';

/** A Stripe object: at least its id and its type (`object`). */
export interface StripeObjectLike {
  readonly id: string;
  readonly object: string;
  readonly status?: unknown;
  readonly [field: string]: unknown;
}

export interface PutLatestInput {
  readonly TableName: string;
  /** The item's primary key: the same for every state of the object (e.g. derived from its id). */
  readonly Key: Record<string, unknown>;
  /** The object as the event carries it (a snapshot event's `data.object`); none for a thin event: it is fetched. */
  readonly object?: StripeObjectLike;
  /** The item's other attributes for a state of the object (the event's, or one fetched from Stripe). */
  readonly Item: (object: StripeObjectLike) => Record<string, unknown>;
  /** Other writes of this event, committed in the same transaction whatever the decision (counters, ledgers). */
  readonly TransactItems?: readonly unknown[];
  /** The API path that retrieves the object, for types not at `/v1/<type>s/<id>` (a person, a customer's card). */
  readonly path?: string;
}

/** What putLatest did; stored as the handler's result unless the handler gives its own. */
export interface LatestStateOutcome {
  /** The object's id. */
  readonly object: string;
  /** Whether this event wrote the item. */
  readonly written: boolean;
  /** newer, older, unchanged or fetched (LATEST_DECISION). */
  readonly decision: string;
  /** GETs of the object from Stripe. */
  readonly fetches: number;
}

/** The event, as putLatest needs it. */
export interface LatestStateEvent {
  readonly id: string;
  readonly type: string;
  /** A snapshot event's `created` (Unix seconds) or a thin event's (its ISO 8601 text). */
  readonly created: number | string;
  /** A snapshot event's `api_version`: the fetched object is asked for in the same shape. */
  readonly apiVersion?: string;
  /** A thin event's `related_object`. */
  readonly relatedObject?: { readonly id: string; readonly type: string; readonly url: string };
}

/** A GET of the object from Stripe: `thin` for a thin event's related object; in the snapshot event's API version. */
export interface FetchRequest {
  readonly path: string;
  readonly thin: boolean;
  readonly apiVersion?: string;
}

/** What putLatest reads and writes through. */
export interface LatestStateIo {
  /** Commits document-shape actions with the completion, storing `result`; resolves to the result as stored. */
  commit(actions: unknown[], result: unknown): Promise<unknown>;
  /** A strongly consistent read of the item. */
  read(table: string, key: Record<string, unknown>): Promise<Record<string, AttributeValue> | undefined>;
  /** GETs `path` from Stripe (the event's account applied); `thin`: the thin event's own related-object fetch. */
  fetch(request: FetchRequest): Promise<{ object: unknown; date?: string }>;
  /** A value unique to each write. */
  token(): string;
  /** The function's clock, for a response without Stripe's `Date`. */
  now(): number;
}

function fail(message: string): never {
  throw new LatestStateError(`putLatest: ${message} Nothing was written.`);
}

function check(input: PutLatestInput, event: LatestStateEvent): void {
  if (!input || typeof input !== 'object') fail('expected { TableName, Key, object, Item }.');
  if (typeof input.TableName !== 'string' || input.TableName === '') fail('TableName must be the name (or ARN) of a table.');
  if (!input.Key || typeof input.Key !== 'object' || Array.isArray(input.Key) || Object.keys(input.Key).length === 0) {
    fail('Key must be the item\'s primary key, e.g. { pk: `SUBSCRIPTION#${subscription.id}` }.');
  }
  if (typeof input.Item !== 'function') fail('Item must be a function from a state of the object to the item\'s attributes: (object) => ({ status: object.status }).');
  if (input.TransactItems !== undefined && !Array.isArray(input.TransactItems)) fail('TransactItems, when given, must be an array of actions, as for transactWrite.');
  if (event.relatedObject) {
    if (input.object !== undefined) fail('a thin event carries no object: leave out `object`; the related object is fetched from Stripe.');
  } else if (!input.object || typeof input.object.id !== 'string' || typeof input.object.object !== 'string') {
    fail('object must be the Stripe object the event carries (event.detail.data.object), with its `id` and `object`.');
  }
}

/** The path that retrieves an object from the v1 API. */
function retrievePath(type: string, id: string, given: string | undefined): string {
  if (given !== undefined) {
    if (typeof given !== 'string' || !given.startsWith('/v')) fail(`path must be an API path such as /v1/customers/cus_123/tax_ids/${id}.`);
    return given;
  }
  if (type.startsWith('v2.') || NESTED_OBJECT_TYPES.includes(type)) {
    fail(`a ${type} is not retrieved at /v1/${type}s/{id}: give \`path\`, the API path that retrieves ${id}, so that Stripe can decide when the event cannot.`);
  }
  return `/v1/${type.replace(/\./g, '/')}s/${encodeURIComponent(id)}`;
}

/** The item to write for a state: the handler's attributes, the key, and the fence. */
function itemFor(input: PutLatestInput, object: StripeObjectLike): Record<string, unknown> {
  const attributes = input.Item(object);
  if (!attributes || typeof attributes !== 'object' || Array.isArray(attributes)) fail('Item(object) must return an object of attributes.');
  if (FENCE_ATTRIBUTE in attributes) fail(`Item(object) returned ${FENCE_ATTRIBUTE}, the attribute putLatest keeps its fence in; name yours otherwise.`);
  for (const [name, value] of Object.entries(input.Key)) {
    if (name in attributes && JSON.stringify(attributes[name]) !== JSON.stringify(value)) {
      fail(`Item(object) returned ${name} = ${JSON.stringify(attributes[name])}, but the Key says ${JSON.stringify(value)}; a state's key never changes.`);
    }
  }
  return { ...attributes, ...input.Key };
}

interface Range {
  readonly lo: number;
  readonly hi: number;
}

/** A state as putLatest writes it: the decision's view of it, and the item. */
interface State {
  readonly candidate: Candidate;
  readonly item: Record<string, unknown>;
}

function candidateFor(input: PutLatestInput, object: StripeObjectLike, range: Range, terminal: boolean): State {
  const item = itemFor(input, object);
  let marshalled: Record<string, AttributeValue>;
  try {
    marshalled = marshallItem(item);
  } catch (err) {
    fail(`the item cannot be marshalled for DynamoDB: ${(err as Error).message}.`);
  }
  const status = typeof object.status === 'string' ? object.status : undefined;
  return { candidate: { id: object.id, type: object.object, ...range, status, terminal, item: marshalled }, item };
}

interface Cancelled {
  /** The stored item when the state's own condition failed (ALL_OLD); undefined when it was cancelled otherwise. */
  readonly stored?: Record<string, AttributeValue>;
  readonly conditionFailed: boolean;
}

/** The state's own cancellation (reason 0), or rethrows: any other error, or a failed condition of the handler's. */
function cancelledState(err: unknown): Cancelled {
  const e = err as { name?: string; CancellationReasons?: Array<{ Code?: string; Item?: Record<string, AttributeValue> }> };
  if (e?.name !== 'TransactionCanceledException' || !Array.isArray(e.CancellationReasons)) throw err;
  const [own, ...theirs] = e.CancellationReasons;
  if (theirs.some((r) => r?.Code && r.Code !== 'None')) {
    // The handler's own condition (or conflict): its TransactItems' reasons, indexed as it passed them.
    e.CancellationReasons = theirs;
    throw err;
  }
  return own?.Code === 'ConditionalCheckFailed' ? { stored: own.Item, conditionFailed: true } : { conditionFailed: false };
}

/** Runs putLatest for one event; resolves to the result as stored. */
export async function putLatest(event: LatestStateEvent, io: LatestStateIo, input: PutLatestInput, result?: unknown): Promise<unknown> {
  check(input, event);
  const extras = [...(input.TransactItems ?? [])];
  const thin = event.relatedObject;
  const id = thin ? thin.id : input.object!.id;
  const type = thin ? thin.type : input.object!.object;
  const range = typeof event.created === 'string' ? thinRange(event.created) : snapshotRange(event.created);
  const terminal = isDeletion(event.type);
  const fromEvent = thin ? undefined : candidateFor(input, input.object!, range, terminal);
  const candidate: Candidate = fromEvent?.candidate ?? { id, type, ...range, terminal };
  let fetches = 0;
  const resultOf = (written: boolean, decision: string): unknown => {
    const outcome: LatestStateOutcome = { object: id, written, decision, fetches };
    return typeof result === 'function' ? (result as (o: LatestStateOutcome) => unknown)(outcome) : (result ?? outcome);
  };
  type Attempt = { done: true; value: unknown } | { done: false; cancelled: Cancelled };
  /** Commits a state (its fence from `source`, on `condition`) with the handler's other writes. */
  const write = async (state: State, source: string, condition: Condition, decision: string): Promise<Attempt> => {
    const fence = newFence(state.candidate, io.token(), event.id, source);
    const action = {
      Put: { TableName: input.TableName, Item: { ...state.item, [FENCE_ATTRIBUTE]: fence }, ...condition, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' },
    };
    try {
      return { done: true, value: await io.commit([action, ...extras], resultOf(true, decision)) };
    } catch (err) {
      return { done: false, cancelled: cancelledState(err) };
    }
  };

  // Rule 1 with no read: the write happens exactly when the stored fence allows it.
  let stored: Record<string, AttributeValue> | undefined;
  let known = false;
  if (fromEvent) {
    const out = await write(fromEvent, FENCE_SOURCE.EVENT, eventCondition(candidate), LATEST_DECISION.NEWER);
    if (out.done) return out.value;
    ({ stored, conditionFailed: known } = out.cancelled);
  }
  for (let round = 1; round <= MAX_LATEST_STATE_ROUNDS; round++) {
    if (!known) stored = await io.read(input.TableName, input.Key);
    known = true;
    const decision = decideLatest(stored, candidate);
    if (decision.action === 'skip') return io.commit(extras, resultOf(false, decision.decision));
    const before = fenceOf(stored);
    let out: Attempt;
    if (decision.action === 'write') {
      out = await write(fromEvent!, FENCE_SOURCE.EVENT, unchangedCondition(before), decision.decision);
    } else {
      const path = thin ? thin.url : retrievePath(type, id, input.path);
      // A deleted object is gone (404) once its deletion event is out: that is its final state, Stripe's deleted object.
      const gone = terminal ? { object: { id, object: type, deleted: true } } : undefined;
      const fetched = await fetchObject(io, { path, thin: !!thin, apiVersion: event.apiVersion }, gone);
      fetches++;
      if (fetched.object.id !== id) fail(`Stripe answered GET ${path} with ${fetched.object.object} ${fetched.object.id}, not ${type} ${id}.`);
      const date = fetched.date !== undefined ? Date.parse(fetched.date) : NaN;
      const clock = Number.isFinite(date) ? { ms: date, margin: STRIPE_DATE_MARGIN_MS } : { ms: io.now(), margin: LOCAL_CLOCK_MARGIN_MS };
      const latest = candidateFor(input, fetched.object, fetchedRange(before, range, clock), terminal || fetched.object.deleted === true);
      out = await write(latest, FENCE_SOURCE.STRIPE, unchangedCondition(before), LATEST_DECISION.FETCHED);
    }
    if (out.done) return out.value;
    // Another delivery wrote the item since it was read: decide again against what it wrote.
    ({ stored, conditionFailed: known } = out.cancelled);
  }
  throw new LatestStateError(
    `putLatest: ${type} ${id} was written by other deliveries ${MAX_LATEST_STATE_ROUNDS} times while this event was deciding; nothing was written. ` +
      'The event fails and Lambda retries it.',
  );
}

/** An object from Stripe, as JSON, with the `Date` of the response. */
interface Fetched {
  readonly object: StripeObjectLike;
  readonly date?: string;
}

/** The object from Stripe, or `gone` when Stripe answers 404 and the event deleted it. */
async function fetchObject(io: LatestStateIo, request: FetchRequest, gone?: Fetched): Promise<Fetched> {
  const path = request.path;
  let out: { object: unknown; date?: string };
  try {
    out = await io.fetch(request);
  } catch (err) {
    const e = err as { statusCode?: number; message?: string };
    if (e?.statusCode === 404 && gone) return gone;
    if (e?.statusCode === 404) {
      throw new LatestStateError(
        `putLatest: Stripe answered 404 for GET ${path} (${e.message}): the object was deleted (its *.deleted event, when it arrives, makes that its final state), ` +
          'or the key cannot see it (another account: check stripeApiKeySecret and the event\'s account). Nothing was written; the event fails and Lambda retries it.',
        { cause: err },
      );
    }
    throw err;
  }
  const object = out.object as StripeObjectLike | null;
  if (!object || typeof object.id !== 'string' || typeof object.object !== 'string') fail(`Stripe's answer to GET ${path} is not an object with an id.`);
  return { object: JSON.parse(JSON.stringify(object)), date: out.date };
}
