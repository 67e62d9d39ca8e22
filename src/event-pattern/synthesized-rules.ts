/**
 * The EventBridge rules of a synthesized app (a cloud assembly, `cdk.out`) and which of them an event
 * would reach. Every stack template is read, including those of nested cloud assemblies (CDK Pipelines
 * stages, `assembly-*` directories) and nested stacks (`*.nested.template.json`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidEventPatternError } from './errors';
import { ParsedEvent } from './event-fields';
import { EventPattern } from './event-pattern';
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
  readonly pattern: unknown;
  readonly targets: readonly SynthesizedTarget[];
}

export interface RuleVerdict {
  readonly rule: SynthesizedRule;
  readonly matches: boolean;
  /** Why it does not match, or why the rule's pattern is invalid. */
  readonly reason?: string;
  readonly invalid?: boolean;
}

interface Template {
  Resources?: Record<string, { Type?: string; Properties?: Record<string, any>; Metadata?: Record<string, any> }>;
}

/** The bus a rule is on: its name if the template says, and whether it is a Stripe partner bus. */
function busOf(value: unknown, resources: NonNullable<Template['Resources']>): { eventBus: string; stripeBus?: boolean } {
  let name: unknown = value ?? 'default';
  const ref = (value as { Ref?: unknown } | undefined)?.Ref;
  if (typeof ref === 'string' && resources[ref]?.Type === 'AWS::Events::EventBus') name = resources[ref].Properties?.Name;
  if (typeof name === 'string') return { eventBus: name, stripeBus: name.startsWith(STRIPE_PARTNER_SOURCE_PREFIX) };
  return { eventBus: JSON.stringify(value) };
}

function rulesOfTemplate(template: Template, stack: string, paths: ReadonlyMap<string, string>): SynthesizedRule[] {
  const resources = template.Resources ?? {};
  const rules: SynthesizedRule[] = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::Events::Rule' || resource.Properties?.EventPattern === undefined) continue;
    const p = resource.Properties;
    const targets = (Array.isArray(p.Targets) ? p.Targets : []).map((t: any): SynthesizedTarget => {
      const targetId: unknown = t?.Arn?.['Fn::GetAtt']?.[0] ?? t?.Arn?.Ref;
      if (typeof targetId !== 'string' || !resources[targetId]) return {};
      const target = resources[targetId];
      const handlerName = target.Properties?.Environment?.Variables?.[ENV_HANDLER_NAME];
      return { logicalId: targetId, type: target.Type, handlerName: typeof handlerName === 'string' ? handlerName : undefined };
    });
    rules.push({
      stack,
      logicalId,
      constructPath: resource.Metadata?.['aws:cdk:path'] ?? paths.get(logicalId),
      ...busOf(p.EventBusName, resources),
      enabled: p.State === undefined || p.State === 'ENABLED',
      pattern: p.EventPattern,
      targets,
    });
  }
  return rules;
}

/** Every EventBridge rule with an event pattern in the cloud assembly at `dir`. */
export function readSynthesizedRules(dir: string): SynthesizedRule[] {
  const manifestFile = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifestFile)) throw new Error(`${dir} is not a cloud assembly (no manifest.json); run cdk synth first`);
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  const rules: SynthesizedRule[] = [];
  const named = new Map<string, string>();
  const nested: string[] = [];
  // Construct paths by logical id, from the stacks' metadata (`/Stage/Stack/Construct/Resource`).
  const paths = new Map<string, string>();
  for (const [id, artifact] of Object.entries<any>(manifest.artifacts ?? {})) {
    if (artifact.type === 'aws:cloudformation:stack' && typeof artifact.properties?.templateFile === 'string') {
      named.set(artifact.properties.templateFile, artifact.displayName ?? id);
      for (const [constructPath, entries] of Object.entries<any>(artifact.metadata ?? {})) {
        const logicalId = (entries as any[]).find((e) => e?.type === 'aws:cdk:logicalId')?.data;
        if (typeof logicalId === 'string') paths.set(logicalId, constructPath.replace(/^\//, '').replace(/\/Resource$/, ''));
      }
    } else if (artifact.type === 'cdk:cloud-assembly' && typeof artifact.properties?.directoryName === 'string') {
      nested.push(artifact.properties.directoryName);
    }
  }
  // Stack templates listed in the manifest, then any other template (nested stacks) in the directory,
  // then nested cloud assemblies (stages).
  const templates = [...named.keys(), ...fs.readdirSync(dir).filter((f) => f.endsWith('.template.json') && !named.has(f)).sort()];
  for (const file of templates) {
    const template = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Template;
    rules.push(...rulesOfTemplate(template, named.get(file) ?? file.replace(/\.template\.json$/, ''), paths));
  }
  for (const directory of nested) rules.push(...readSynthesizedRules(path.join(dir, directory)));
  return rules;
}

/** Matches the event against every rule. */
export function judgeRules(rules: readonly SynthesizedRule[], event: ParsedEvent): RuleVerdict[] {
  return rules.map((rule) => {
    try {
      const result = EventPattern.compile(rule.pattern as string | object).test(event);
      return { rule, matches: result.matches, reason: result.reason };
    } catch (e) {
      if (e instanceof InvalidEventPatternError) return { rule, matches: false, invalid: true, reason: e.message };
      throw e;
    }
  });
}
