/** The EventBridge rules of a synthesized app: their patterns, buses and targets. */
import { readCloudAssembly, SynthesizedTemplate, TemplateResource } from './cloud-assembly';
import { isThinEventType, STRIPE_PARTNER_SOURCE_PREFIX } from '../contract/stripe';
import { ENV_EVENT_PAYLOADS, ENV_HANDLER_NAME, EVENT_PAYLOAD_VALUES } from '../contract/wrapper';

/** Stripe's two payload styles (a destination's `event_payload`): the bus of each carries one. */
export type StripePayloadStyle = typeof EVENT_PAYLOAD_VALUES[number];

export interface SynthesizedTarget {
  /** Logical id of the target resource in its template, when the target is a resource of it. */
  readonly logicalId?: string;
  /** CloudFormation type of the target resource (`AWS::Lambda::Function`, `AWS::SQS::Queue`, …). */
  readonly type?: string;
  /** For functions built by StripeEventBridgeIntegration: the handler's name. */
  readonly handlerName?: string;
  /** For functions built by StripeEventBridgeIntegration: the payload styles their rules deliver (STRIPE_EB_EVENT_PAYLOADS). */
  readonly payloads?: readonly StripePayloadStyle[];
}

export interface SynthesizedRule {
  /** The stack (its display name, e.g. `Prod/Payments`) or nested template the rule is in. */
  readonly stack: string;
  readonly logicalId: string;
  /** The construct path (from the template or the assembly's metadata), when recorded. */
  readonly constructPath?: string;
  /** The bus the rule is on: its name when the template says it (`default` if none), else the reference as written. */
  readonly eventBus: string;
  /**
   * Whether the bus is a Stripe partner event bus (named `aws.partner/stripe.com/…`): only those receive
   * Stripe's events. Undefined when the template does not say (an imported or computed name).
   */
  readonly stripeBus?: boolean;
  /**
   * The payload styles of the Stripe events on the rule's bus, when the template tells (see payloadsOfRules): a snapshot
   * destination's bus carries snapshot events only, a thin destination's bus thin events only. Undefined when unknown:
   * the bus may carry either.
   */
  readonly payloads?: readonly StripePayloadStyle[];
  readonly enabled: boolean;
  /** The event pattern as the template holds it (an object, or JSON text). */
  readonly pattern: unknown;
  readonly targets: readonly SynthesizedTarget[];
}

/** The bus a rule is on: its name if the template says, and whether it is a Stripe partner bus. */
function busOf(value: unknown, resources: Record<string, TemplateResource>): { eventBus: string; stripeBus?: boolean } {
  let name: unknown = value ?? 'default';
  const ref = (value as { Ref?: unknown } | undefined)?.Ref;
  if (typeof ref === 'string' && resources[ref]?.Type === 'AWS::Events::EventBus') name = resources[ref].Properties?.Name;
  if (typeof name === 'string') return { eventBus: name, stripeBus: name.startsWith(STRIPE_PARTNER_SOURCE_PREFIX) };
  return { eventBus: JSON.stringify(value) };
}

function targetOf(t: any, resources: Record<string, TemplateResource>): SynthesizedTarget {
  const targetId: unknown = t?.Arn?.['Fn::GetAtt']?.[0] ?? t?.Arn?.Ref;
  if (typeof targetId !== 'string' || !resources[targetId]) return {};
  const target = resources[targetId];
  const env = target.Properties?.Environment?.Variables ?? {};
  const handlerName = env[ENV_HANDLER_NAME];
  if (typeof handlerName !== 'string') return { logicalId: targetId, type: target.Type };
  return { logicalId: targetId, type: target.Type, handlerName, payloads: parsePayloads(env[ENV_EVENT_PAYLOADS]) };
}

/** A wrapped function's STRIPE_EB_EVENT_PAYLOADS: unset means snapshot (src/contract/wrapper.ts); a value not written by the construct, unknown. */
function parsePayloads(value: unknown): StripePayloadStyle[] | undefined {
  if (value === undefined) return ['snapshot'];
  if (typeof value !== 'string') return undefined;
  const styles = value.split(',').map((v) => v.trim());
  const known: readonly string[] = EVENT_PAYLOAD_VALUES;
  return styles.length > 0 && styles.every((v): v is StripePayloadStyle => known.includes(v)) ? styles : undefined;
}

/** An event pattern as a template or a config holds it (an object, or JSON text) as an object; undefined when it is neither. */
export function patternObject(pattern: unknown): Record<string, unknown> | undefined {
  let p = pattern;
  if (typeof p === 'string') {
    try {
      p = JSON.parse(p);
    } catch {
      return undefined;
    }
  }
  return typeof p === 'object' && p !== null && !Array.isArray(p) ? (p as Record<string, unknown>) : undefined;
}

/** The payload style of a rule's `detail-type` values, when they all have one (thin types start with a version). */
function payloadOfTypes(pattern: unknown): StripePayloadStyle | undefined {
  const values = patternObject(pattern)?.['detail-type'];
  if (!Array.isArray(values) || values.length === 0) return undefined;
  const types = values.map((v) => (typeof v === 'string' ? v : (v as { wildcard?: unknown; prefix?: unknown } | null)?.wildcard ?? (v as { prefix?: unknown } | null)?.prefix));
  if (!types.every((t): t is string => typeof t === 'string')) return undefined;
  const thin = types.filter(isThinEventType).length;
  return thin === types.length ? 'thin' : thin === 0 ? 'snapshot' : undefined;
}

/** The payload style of a bus named after a StripeEventDestination of this template (`EventPayload: thin`; absent: snapshot). */
function payloadOfDestinationBus(eventBusName: unknown, resources: Record<string, TemplateResource>): StripePayloadStyle | undefined {
  const ref = (eventBusName as { Ref?: unknown } | undefined)?.Ref;
  const bus = typeof ref === 'string' ? resources[ref] : undefined;
  const source = bus?.Type === 'AWS::Events::EventBus' ? bus.Properties?.EventSourceName?.['Fn::GetAtt']?.[0] : undefined;
  const destination = typeof source === 'string' ? resources[source] : undefined;
  if (destination?.Type !== 'Custom::StripeEventDestination') return undefined;
  return destination.Properties?.EventPayload === 'thin' ? 'thin' : 'snapshot';
}

type RuleDraft = Omit<SynthesizedRule, 'payloads'> & { readonly eventBusName: unknown };

/**
 * What each rule's bus carries, from what the template says (the construct writes no marker on a bus):
 * 1. a bus named after a StripeEventDestination of the template carries its payload style;
 * 2. a rule of a wrapped function delivers what the function's STRIPE_EB_EVENT_PAYLOADS says when that is one style;
 *    when it is both, a function with one rule has it on a bus that carries both, and of two rules the one whose
 *    event types are all thin (or all snapshot) says so, else the construct's id `ThinRule` marks the thin bus's
 *    (StripeEventRoute: `Rule` on the first bus, `ThinRule` on the thin one);
 * 3. any other rule on a bus whose style is known (a bus carries one style) has it.
 */
type Styles = readonly StripePayloadStyle[] | undefined;

function payloadsOfRules(drafts: readonly RuleDraft[], resources: Record<string, TemplateResource>): Styles[] {
  const rulesOf = new Map<string, number>();
  for (const d of drafts) for (const t of d.targets) if (t.logicalId) rulesOf.set(t.logicalId, (rulesOf.get(t.logicalId) ?? 0) + 1);
  const known = drafts.map((d): Styles => {
    const destination = payloadOfDestinationBus(d.eventBusName, resources);
    if (destination) return [destination];
    const target = d.targets.find((t) => t.payloads !== undefined);
    if (!target?.payloads) return undefined;
    if (target.payloads.length === 1 || rulesOf.get(target.logicalId!) === 1) return target.payloads;
    const byTypes = payloadOfTypes(d.pattern);
    if (byTypes) return [byTypes];
    const id = d.constructPath?.split('/').pop() ?? d.logicalId;
    return [/ThinRule/.test(id) ? 'thin' : 'snapshot'];
  });
  const byBus = new Map<string, Set<StripePayloadStyle>>();
  drafts.forEach((d, i) => {
    for (const style of known[i] ?? []) byBus.set(d.eventBus, (byBus.get(d.eventBus) ?? new Set()).add(style));
  });
  const ofBus = (bus: string) => {
    const styles = byBus.get(bus);
    return styles ? EVENT_PAYLOAD_VALUES.filter((s) => styles.has(s)) : undefined;
  };
  return drafts.map((d, i) => known[i] ?? ofBus(d.eventBus));
}

/** Whether a rule can receive an event of this payload style: its bus carries that style, or its style is unknown. */
export function ruleCarries(rule: Pick<SynthesizedRule, 'payloads'>, style: StripePayloadStyle | undefined): boolean {
  return style === undefined || rule.payloads === undefined || rule.payloads.includes(style);
}

/** The rules with an event pattern in one template. */
export function rulesOfTemplate(template: SynthesizedTemplate): SynthesizedRule[] {
  const { resources } = template;
  const drafts: RuleDraft[] = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::Events::Rule' || resource.Properties?.EventPattern === undefined) continue;
    const p = resource.Properties;
    drafts.push({
      stack: template.name,
      logicalId,
      constructPath: template.constructPath(logicalId),
      ...busOf(p.EventBusName, resources),
      eventBusName: p.EventBusName,
      enabled: p.State === undefined || p.State === 'ENABLED',
      pattern: p.EventPattern,
      targets: (Array.isArray(p.Targets) ? p.Targets : []).map((t: unknown) => targetOf(t, resources)),
    });
  }
  const payloads = payloadsOfRules(drafts, resources);
  return drafts.map(({ eventBusName: _name, ...rule }, i) => (payloads[i] ? { ...rule, payloads: payloads[i] } : rule));
}

/** Every EventBridge rule with an event pattern in the cloud assembly at `dir`. */
export function readSynthesizedRules(dir: string): SynthesizedRule[] {
  return readCloudAssembly(dir).flatMap(rulesOfTemplate);
}
