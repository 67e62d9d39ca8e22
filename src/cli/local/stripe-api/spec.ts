/**
 * What the local Stripe API checks its requests and responses against: the part of Stripe's v2 OpenAPI spec it serves
 * (stripe-v2-spec.generated.ts), compiled with Ajv once per schema, strictly (an object with a property the spec does
 * not declare fails).
 *
 * Two widenings, both from the pinned SDK's types, newer than the spec (stripe@23.1.0, resources/V2/Core/Events.d.ts
 * `EventBase`, `V2.Core.Events.RelatedObject`): an event may carry `snapshot_event` (a string) and `related_object`
 * `{ id, type, url }` (the spec's event schemas declare only its `type`). For objects a user seeds, a second, open
 * validator tells "only properties newer than the spec" (accepted, with a note) from a real mismatch (refused).
 */
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { strictSchema } from './openapi-strict';
import { STRIPE_V2_SPEC } from './stripe-v2-spec.generated';

type Json = any;

/** The strict validator of a schema, and the open one (undeclared properties allowed). */
export interface SchemaCheck {
  readonly strict: ValidateFunction;
  readonly open: ValidateFunction;
}

/** One GET operation the local API serves. */
export interface ServedOperation {
  /** The spec's path template: `/v2/core/accounts/{id}`. */
  readonly template: string;
  /** Matches a request path; its groups are the path parameters, in order. */
  readonly pattern: RegExp;
  /** The path parameters' names, in order (`account_id`, `id`). */
  readonly pathParameters: readonly string[];
  /** The `object` of what a 200 returns: `v2.core.account`. */
  readonly objectName: string;
  /** Query parameter name → its schema. */
  readonly query: ReadonlyMap<string, Json>;
  /** The values of its `include` parameter, when it has one (the include-dependent properties). */
  readonly includable: readonly string[];
}

const RELATED_OBJECT = {
  type: 'object',
  required: ['id', 'type', 'url'],
  additionalProperties: false,
  properties: { id: { type: 'string' }, type: { type: 'string' }, url: { type: 'string' } },
};

const escapeRef = (part: string) => part.replace(/~/g, '~0').replace(/\//g, '~1');

/** The spec with its local references (`#/components/…`) made absolute (`spec#/components/…`), for schemas built from its parts. */
function withSpecRefs(node: Json): Json {
  if (Array.isArray(node)) return node.map(withSpecRefs);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `spec${v}` : withSpecRefs(v)]));
}

/** Ajv's errors of the last validation, one line. */
export function ajvErrors(v: ValidateFunction): string {
  return (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`).join('; ');
}

/** The properties an object has that its schema does not declare (from the strict validator's last errors). */
export function undeclaredProperties(v: ValidateFunction): string[] {
  return (v.errors ?? []).filter((e) => e.keyword === 'additionalProperties').map((e) => `${e.instancePath}/${(e.params as { additionalProperty: string }).additionalProperty}`);
}

export class StripeV2Spec {
  /** The one instance (compiling is the slow part, and schemas compile on first use). */
  public static shared(): StripeV2Spec {
    StripeV2Spec.instance ??= new StripeV2Spec();
    return StripeV2Spec.instance;
  }

  private static instance?: StripeV2Spec;

  /** The spec's version (its `info.version`): the API version the checks are from. */
  public readonly version: string = STRIPE_V2_SPEC.info.version;
  public readonly operations: readonly ServedOperation[];
  /** The schema of the v2 error responses (`default` of the served operations). */
  public readonly error: ValidateFunction;
  private readonly strictAjv = new Ajv({ strict: false, allErrors: true });
  private readonly openAjv = new Ajv({ strict: false, allErrors: true });
  private readonly queryAjv = new Ajv({ strict: false, coerceTypes: 'array' });
  private readonly checks = new Map<string, SchemaCheck>();
  private readonly queryChecks = new Map<Json, ValidateFunction>();
  /** The spec with closed object schemas, and with open ones. */
  private readonly closedSpec = withSpecRefs(strictSchema(STRIPE_V2_SPEC));
  private readonly openSpec = withSpecRefs(strictSchema(STRIPE_V2_SPEC, { closed: false }));

  private constructor() {
    for (const [ajv, spec] of [[this.strictAjv, this.closedSpec], [this.openAjv, this.openSpec]] as const) {
      addFormats(ajv);
      // Stripe's v2 decimals are strings of a decimal number (`"12.5"`): the spec's own format, unknown to Ajv.
      ajv.addFormat('decimal', /^-?\d+(\.\d+)?$/);
      ajv.addSchema(spec, 'spec');
    }
    this.operations = Object.entries<Json>(STRIPE_V2_SPEC.paths).map(([template, item]) => {
      const parameters: Json[] = item.get.parameters ?? [];
      const ref: string = item.get.responses['200'].content['application/json'].schema.$ref;
      const include = parameters.find((p) => p.in === 'query' && p.name === 'include');
      return {
        template,
        pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '([^/]+)')}$`),
        pathParameters: [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]),
        objectName: ref.replace('#/components/schemas/', ''),
        query: new Map(parameters.filter((p) => p.in === 'query').map((p) => [p.name, p.schema])),
        includable: include?.schema?.items?.enum ?? [],
      };
    });
    this.error = this.strictAjv.compile(this.closedSpec.paths['/v2/core/events/{id}'].get.responses.default.content['application/json'].schema);
  }

  /** The operation that serves a request path, and its path parameters by name. */
  public operationFor(pathname: string): { operation: ServedOperation; params: Record<string, string> } | undefined {
    for (const operation of this.operations) {
      const match = operation.pattern.exec(pathname);
      if (match) {
        const params = Object.fromEntries(operation.pathParameters.map((name, i) => [name, decodeURIComponent(match[i + 1])]));
        return { operation, params };
      }
    }
    return undefined;
  }

  /** Whether the spec describes objects of this name (`v2.core.account`), which the local API then serves. */
  public servesObject(objectName: string): boolean {
    return this.operations.some((o) => o.objectName === objectName);
  }

  /** The checks of an object the spec describes, by its `object` (not events: see `event`). */
  public object(objectName: string): SchemaCheck {
    return this.compiled(`object:${objectName}`, () => ({ $ref: `spec#/components/schemas/${escapeRef(objectName)}` }));
  }

  /**
   * The checks of a full v2 event of a type: `v2.core.event` merged with the spec's schema of that type (its `data`),
   * widened as the top of this file says.
   */
  public event(type: string): SchemaCheck {
    return this.compiled(`event:${type}`, (ajvSchemas) => {
      const base = ajvSchemas.components.schemas['v2.core.event'];
      const typed = this.eventTypeSchema(type, ajvSchemas);
      return {
        ...base,
        required: [...new Set([...base.required, ...(typed?.required ?? []).filter((r: string) => r !== 'related_object')])],
        properties: {
          ...base.properties,
          ...(typed?.properties.data ? { data: typed.properties.data } : {}),
          related_object: RELATED_OBJECT,
          snapshot_event: { type: 'string' },
        },
      };
    });
  }

  /**
   * The `data` a full event of this type has when it can be told from its notification alone: `{}` when the spec's
   * schema of its `data` declares nothing required (`v2.core.event_destination.ping`), none when the type has no
   * `data` in the spec; undefined when it has fields only Stripe knows (then the event must be seeded).
   */
  public derivableData(type: string): { data?: Json } | undefined {
    const typed = this.eventTypeSchema(type, STRIPE_V2_SPEC);
    const data = typed?.properties?.data;
    if (!data) return {};
    return (data.required ?? []).length === 0 ? { data: {} } : undefined;
  }

  /** Checks a query parameter's values (as the query string gives them: strings, arrays for repeated names). */
  public queryValueValid(schema: Json, values: string[]): boolean {
    let check = this.queryChecks.get(schema);
    if (!check) {
      check = this.queryAjv.compile({ type: 'object', properties: { value: schema } });
      this.queryChecks.set(schema, check);
    }
    return check({ value: schema.type === 'array' ? values : values[0] });
  }

  private eventTypeSchema(type: string, spec: Json): Json | undefined {
    return Object.values<Json>(spec.components.schemas).find((s) => s['x-stripeEvent']?.type === type);
  }

  private compiled(key: string, schemaOf: (specSchemas: Json) => Json): SchemaCheck {
    let check = this.checks.get(key);
    if (!check) {
      // An event's schema is assembled from the spec's own schemas, closed or open as the validator is.
      const strict = this.strictAjv.compile(schemaOf(this.closedSpec));
      const open = this.openAjv.compile(schemaOf(this.openSpec));
      check = { strict, open };
      this.checks.set(key, check);
    }
    return check;
  }
}
