/**
 * The payload style (snapshot or thin) of the events on each Stripe bus of a synthesized stack, so that a local run
 * gives each event to the rules of the bus Stripe would deliver it on: a destination, and so its partner bus, carries
 * one style. The template does not say it in one place; it is told, per bus, from:
 * 1. the detail-types of the bus's rules: thin types start with a version (`v1.`, `v2.`), snapshot types do not;
 * 2. for buses whose rules match every type (`*`), the targets' `STRIPE_EB_EVENT_PAYLOADS` (absent: snapshot only;
 *    `thin`: thin only), and for a function that takes both, its rule's id: a route's second rule, on the thin bus,
 *    is `…/ThinRule`, its first `…/Rule`.
 * A bus whose rules disagree, or that nothing tells, has no style (undefined): it gets every event, as before.
 */
import type { TemplateResource } from './cloud-assembly';
import type { SynthesizedRule } from './rules';
import { isThinEventType } from '../contract/stripe';
import { ENV_EVENT_PAYLOADS } from '../contract/wrapper';

export type PayloadStyle = 'snapshot' | 'thin';

/** A synthesized rule with the payload style of its bus. */
export interface SynthesizedRuleWithPayload extends SynthesizedRule {
  /** The style of the Stripe events on the rule's bus; undefined when the template does not tell. */
  readonly payload?: PayloadStyle;
}

/** What payload-style inference reads of one rule. */
export interface RuleFacts {
  readonly eventBus: string;
  readonly pattern: unknown;
  readonly constructPath?: string;
  /** Logical ids of the functions it targets. */
  readonly targetIds: readonly string[];
}

/** The styles a pattern's detail-types select (empty when it names none: it matches every type). */
function stylesOfPattern(pattern: unknown): Set<PayloadStyle> {
  let p = pattern as Record<string, unknown> | undefined;
  if (typeof pattern === 'string') {
    try {
      p = JSON.parse(pattern);
    } catch {
      return new Set();
    }
  }
  const types = p?.['detail-type'];
  const styles = new Set<PayloadStyle>();
  for (const t of Array.isArray(types) ? types : []) {
    const text = typeof t === 'string' ? t : typeof t?.prefix === 'string' ? t.prefix : typeof t?.wildcard === 'string' ? t.wildcard : undefined;
    if (text !== undefined) styles.add(isThinEventType(text) ? 'thin' : 'snapshot');
  }
  return styles;
}

/** The styles the targets' environment and the rule's id say it delivers. */
function stylesOfTargets(rule: RuleFacts, resources: Record<string, TemplateResource>): Set<PayloadStyle> {
  const styles = new Set<PayloadStyle>();
  for (const id of rule.targetIds) {
    const value = resources[id]?.Properties?.Environment?.Variables?.[ENV_EVENT_PAYLOADS];
    if (value === undefined) styles.add('snapshot');
    else if (value === 'thin') styles.add('thin');
    else if (typeof value === 'string' && value.split(',').length === 2) styles.add(rule.constructPath?.endsWith('/ThinRule') ? 'thin' : 'snapshot');
  }
  return styles;
}

/** Bus name → the style of its events, for the buses that can be told. */
export function busPayloads(rules: readonly RuleFacts[], resources: Record<string, TemplateResource>): Map<string, PayloadStyle> {
  const byBus = new Map<string, RuleFacts[]>();
  for (const rule of rules) byBus.set(rule.eventBus, [...(byBus.get(rule.eventBus) ?? []), rule]);
  const out = new Map<string, PayloadStyle>();
  for (const [bus, busRules] of byBus) {
    let styles = new Set(busRules.flatMap((r) => [...stylesOfPattern(r.pattern)]));
    if (styles.size === 0) styles = new Set(busRules.flatMap((r) => [...stylesOfTargets(r, resources)]));
    if (styles.size === 1) out.set(bus, [...styles][0]);
  }
  return out;
}

/** The rules of one template (rules.ts `rulesOfTemplate`), each with the payload style of its bus when it can be told. */
export function withPayloads(rules: readonly SynthesizedRule[], resources: Record<string, TemplateResource>): SynthesizedRuleWithPayload[] {
  const facts = rules
    .filter((r) => r.stripeBus !== false)
    .map((r) => ({ ...r, targetIds: r.targets.flatMap((t) => (t.logicalId ? [t.logicalId] : [])) }));
  const payloads = busPayloads(facts, resources);
  return rules.map((r) => (payloads.has(r.eventBus) ? { ...r, payload: payloads.get(r.eventBus) } : r));
}
