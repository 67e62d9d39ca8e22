/**
 * Idempotency key scopes. A handler's records are keyed `<key scope>.<handler name>#<hash of the Stripe event
 * id>`, so two handlers that share a table and a prefix take each other's events for duplicates and skip
 * them. The default scope is unique in an account and Region and stable across deployments: the name of
 * the (top-level) stack, which CloudFormation keeps unique per account and Region, and the construct's path
 * inside it. A synth-time check over the whole app refuses two routes with the same table and prefix.
 */
import { Stack, Token } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { IConstruct } from 'constructs';
import { KEY_HASH_SEPARATOR, KEY_SCOPE_SEPARATOR } from '../../contract/idempotency';
import { invalid } from '../errors';

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

/** Whether two tables may be the same physical table. */
function sameTable(a: dynamodb.ITable, b: dynamodb.ITable): boolean {
  if (a === b) return true;
  const x = tableIdentity(a);
  const y = tableIdentity(b);
  if (x.name === undefined || y.name === undefined) return x.path === y.path;
  const overlaps = (p: string, q: string) => p === '*' || q === '*' || p === q;
  return x.name === y.name && overlaps(x.account, y.account) && overlaps(x.region, y.region);
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
  route.node.addValidation({
    validate: () => {
      if (Token.isUnresolved(prefix)) return [];
      return spaces.slice(0, spaces.indexOf(mine)).filter((other) => other.prefix === prefix && sameTable(other.table, table)).map((other) =>
        `idempotency: this handler and ${other.route.node.path} share ${describeTable(table)} and the key prefix '${prefix}', ` +
          "so each would take the other's Stripe events for duplicates and skip them. Give each integration its own idempotency.keyScope " +
          '(or remove a pinned one to use the default, unique per stack and construct path), or its own table.',
      );
    },
  });
}
