/**
 * Idempotency key scopes. A handler's records are keyed `<key scope>.<handler name>#<hash of the Stripe event
 * id>`, so two handlers that share a table and a prefix take each other's events for duplicates and skip
 * them. The default scope is unique in an account and Region and stable across deployments: the name of
 * the (top-level) stack, which CloudFormation keeps unique per account and Region, and the construct's path
 * inside it. A synth-time check over the whole app refuses two routes with the same table and prefix.
 */
import { Stack, Token } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { IConstruct } from 'constructs';
import { KEY_HASH_SEPARATOR, KEY_SCOPE_SEPARATOR, MAX_PREVIOUS_KEY_PREFIXES } from '../../contract/idempotency';
import { ENV_IDEMPOTENCY_PREVIOUS_KEY_PREFIXES } from '../../contract/wrapper';
import { invalid, warn } from '../errors';

/** `<top-level stack name>/<path of the construct inside it>`, e.g. `Payments/Stripe`. */
export function defaultKeyScope(construct: IConstruct): string {
  let stack = Stack.of(construct);
  while (stack.nestedStackParent) stack = stack.nestedStackParent;
  const inside = construct.node.path.slice(stack.node.path.length).replace(/^\//, '');
  return inside ? `${stack.stackName}/${inside}` : stack.stackName;
}

export function keyPrefix(scope: string, handlerName: string): string {
  return `${scope}${KEY_SCOPE_SEPARATOR}${handlerName}`;
}

const MAX_SCOPE_LENGTH = 512;

/** An explicit key scope: printable, no `#` (it separates the prefix from the hash), at most 512 characters. */
export function validateKeyScope(scope: IConstruct, value: string | undefined, prop: string): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (value.length === 0 || value.length > MAX_SCOPE_LENGTH || value.includes(KEY_HASH_SEPARATOR) || /\s/.test(value) || [...value].some((c) => c.charCodeAt(0) < 32)) {
    invalid(
      scope,
      `${prop}: '${value}' is not a valid key scope; use 1 to ${MAX_SCOPE_LENGTH} printable characters without '#' or whitespace ` +
        "(to keep the keys of a deployment made before key scopes existed, use the integration's construct id, e.g. 'Stripe').",
    );
  }
}

/** The warning for two routes with one key prefix whose tables synth cannot compare. */
export const KEY_SPACE_UNCHECKED = '@babes/stripe-eventbridge:keySpaceUnchecked';

/** The app's routes whose key space is checked, with their table and prefix, kept on the app's root construct. */
const KEY_SPACES = Symbol.for('@babes/stripe-eventbridge.idempotencyKeySpaces');

interface KeySpace {
  readonly route: IConstruct;
  readonly table: dynamodb.ITable;
  readonly prefix: string;
}

type Root = IConstruct & { [KEY_SPACES]?: KeySpace[] };

/** A literal table name (with its account and Region, `*` where unknown), or the table construct itself. */
function tableIdentity(table: dynamodb.ITable): { name?: string; account: string; region: string; path: string } {
  const known = (v: string) => (Token.isUnresolved(v) ? '*' : v);
  return {
    name: Token.isUnresolved(table.tableName) ? undefined : table.tableName,
    account: known(table.env.account),
    region: known(table.env.region),
    path: table.node.path,
  };
}

/** A table this app creates (its name, unless given, is CloudFormation's, unique). */
function createdHere(table: dynamodb.ITable): boolean {
  const child = table.node.defaultChild;
  return child instanceof dynamodb.CfnTable || child instanceof dynamodb.CfnGlobalTable;
}

/**
 * Whether two tables may be the same physical table: `same`, `different`, or `unknown` when a name is a token
 * (`Fn.importValue`, a parameter) that synth cannot compare with the other table.
 */
function sameTable(a: dynamodb.ITable, b: dynamodb.ITable): 'same' | 'different' | 'unknown' {
  if (a === b) return 'same';
  const x = tableIdentity(a);
  const y = tableIdentity(b);
  if (x.name === undefined || y.name === undefined) {
    if (x.path === y.path) return 'same';
    // Two tables this app creates are two tables; a table imported by a token may be any table, one of these too.
    return createdHere(a) && createdHere(b) ? 'different' : 'unknown';
  }
  const overlaps = (p: string, q: string) => p === '*' || q === '*' || p === q;
  return x.name === y.name && overlaps(x.account, y.account) && overlaps(x.region, y.region) ? 'same' : 'different';
}

function describeTable(table: dynamodb.ITable): string {
  return Token.isUnresolved(table.tableName) ? `the idempotency table ${table.node.path}` : `the idempotency table '${table.tableName}'`;
}

/**
 * Registers `route`'s key space with the app and a validation that fails when a route registered before it
 * has the same table and prefix: each clash is reported once, by the later route. The registry lives on the
 * app's root, so a check costs one pass over the app's routes, not over its whole construct tree.
 */
export function checkKeySpace(route: IConstruct, table: dynamodb.ITable, prefix: string): void {
  const root = route.node.root as Root;
  const spaces = (root[KEY_SPACES] ??= []);
  const mine: KeySpace = { route, table, prefix };
  spaces.push(mine);
  const fix = 'Give each integration its own idempotency.keyScope (or remove a pinned one to use the default, unique per stack and construct path)';
  route.node.addValidation({
    validate: () => {
      if (Token.isUnresolved(prefix)) return [];
      const earlier = spaces.slice(0, spaces.indexOf(mine)).filter((other) => other.prefix === prefix);
      for (const other of earlier.filter((o) => sameTable(o.table, table) === 'unknown')) {
        warn(route, KEY_SPACE_UNCHECKED,
          `idempotency: this handler and ${other.route.node.path} have the key prefix '${prefix}', and synth cannot tell whether ${describeTable(table)} ` +
            `and ${describeTable(other.table)} are one table (a name given by a token, such as Fn.importValue). If they are, each would take the ` +
            `other's Stripe events for duplicates and skip them. ${fix}; if they are different tables, acknowledge this warning.`);
      }
      return earlier.filter((other) => sameTable(other.table, table) === 'same').map((other) =>
        `idempotency: this handler and ${other.route.node.path} share ${describeTable(table)} and the key prefix '${prefix}', ` +
          `so each would take the other's Stripe events for duplicates and skip them. ${fix}, or its own table.`,
      );
    },
  });
}

/**
 * The wrapper's variable for a route's previous key prefixes (none for none), after checking them: at most
 * MAX_PREVIOUS_KEY_PREFIXES, distinct, none the current prefix, none with '#'.
 */
export function previousKeyPrefixesEnvironment(route: IConstruct, prefixes: readonly string[] | undefined, current: string): Record<string, string> {
  if (!prefixes || prefixes.length === 0) return {};
  const prop = 'previousIdempotencyKeyPrefixes (idempotency.previousKeyScopes)';
  if (prefixes.length > MAX_PREVIOUS_KEY_PREFIXES) {
    invalid(route, `${prop}: ${prefixes.length} given; at most ${MAX_PREVIOUS_KEY_PREFIXES}, each one more key in the read of every fresh event. ` +
      'Remove the scopes whose record lifetime has passed since the change.');
  }
  prefixes.forEach((p, i) => {
    if (Token.isUnresolved(p)) return;
    if (p === '' || p.includes(KEY_HASH_SEPARATOR)) invalid(route, `${prop}: '${p}' is not a key prefix (a non-empty string without '${KEY_HASH_SEPARATOR}').`);
    if (p === current) invalid(route, `${prop}: '${p}' is the current key prefix; list only the scopes used before.`);
    if (prefixes.indexOf(p) !== i) invalid(route, `${prop}: '${p}' is given twice.`);
  });
  return { [ENV_IDEMPOTENCY_PREVIOUS_KEY_PREFIXES]: JSON.stringify(prefixes) };
}

/** What the wrapper does on the idempotency table: Powertools' four item actions, and BatchGetItem to read several previous prefixes at once. */
export function idempotencyTableActions(previousPrefixes: readonly string[] | undefined): string[] {
  const actions = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];
  return (previousPrefixes?.length ?? 0) > 1 ? [...actions, 'dynamodb:BatchGetItem'] : actions;
}
