/** The EventBridge rules of a synthesized app: their patterns, buses and targets. */
import { readCloudAssembly, SynthesizedTemplate, TemplateResource } from './cloud-assembly';
import { STRIPE_PARTNER_SOURCE_PREFIX } from '../contract/stripe';
import { ENV_HANDLER_NAME } from '../contract/wrapper';

export interface SynthesizedTarget {
  /** Logical id of the target resource in its template, when the target is a resource of it. */
  readonly logicalId?: string;
  /** CloudFormation type of the target resource (`AWS::Lambda::Function`, `AWS::SQS::Queue`, …). */
  readonly type?: string;
  /** For functions built by StripeEventBridgeIntegration: the handler's name. */
  readonly handlerName?: string;
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
  const handlerName = target.Properties?.Environment?.Variables?.[ENV_HANDLER_NAME];
  return { logicalId: targetId, type: target.Type, handlerName: typeof handlerName === 'string' ? handlerName : undefined };
}

/** The rules with an event pattern in one template. */
export function rulesOfTemplate(template: SynthesizedTemplate): SynthesizedRule[] {
  const { resources } = template;
  const rules: SynthesizedRule[] = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::Events::Rule' || resource.Properties?.EventPattern === undefined) continue;
    const p = resource.Properties;
    rules.push({
      stack: template.name,
      logicalId,
      constructPath: template.constructPath(logicalId),
      ...busOf(p.EventBusName, resources),
      enabled: p.State === undefined || p.State === 'ENABLED',
      pattern: p.EventPattern,
      targets: (Array.isArray(p.Targets) ? p.Targets : []).map((t: unknown) => targetOf(t, resources)),
    });
  }
  return rules;
}

/** Every EventBridge rule with an event pattern in the cloud assembly at `dir`. */
export function readSynthesizedRules(dir: string): SynthesizedRule[] {
  return readCloudAssembly(dir).flatMap(rulesOfTemplate);
}
