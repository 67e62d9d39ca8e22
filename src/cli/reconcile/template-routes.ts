/**
 * The handler routes of an integration as a template declares them: each function the integration wraps
 * (its environment names a Stripe handler) with the event patterns of the rules that target it, and the
 * bus those rules are on. The patterns are the ones the app declares, so a rule changed by hand in the
 * console cannot hide the events it no longer lets through.
 */
import type { SynthesizedTemplate, TemplateResource } from '../../cloud-assembly/cloud-assembly';
import { rulesOfTemplate } from '../../cloud-assembly/rules';
import { STRIPE_PARTNER_SOURCE_PREFIX } from '../../contract/stripe';

export interface TemplateRoute {
  /** The function's logical id. */
  readonly logicalId: string;
  readonly function: TemplateResource;
  readonly handlerName: string;
  readonly patterns: unknown[];
  /** The partner event source the rules' bus accepts, when the template names it. */
  readonly eventSourceName?: string;
}

export function templateRoutes(template: SynthesizedTemplate): TemplateRoute[] {
  const routes = new Map<string, { handlerName: string; patterns: unknown[]; eventSourceName?: string }>();
  for (const rule of rulesOfTemplate(template)) {
    for (const target of rule.targets) {
      if (target.type !== 'AWS::Lambda::Function' || target.handlerName === undefined || target.logicalId === undefined) continue;
      const route = routes.get(target.logicalId) ?? { handlerName: target.handlerName, patterns: [] };
      route.patterns.push(typeof rule.pattern === 'string' ? JSON.parse(rule.pattern) : rule.pattern);
      // The bus of a partner source is named after it (StripeEventBus.fromPartnerEventSource).
      if (rule.eventBus.startsWith(STRIPE_PARTNER_SOURCE_PREFIX)) route.eventSourceName = rule.eventBus;
      routes.set(target.logicalId, route);
    }
  }
  return [...routes].map(([logicalId, r]) => ({ logicalId, function: template.resources[logicalId], ...r }));
}

/** Every handler name of the routes, for error messages. */
export function handlerNames(routes: readonly { handlerName?: string; handler?: string }[]): string {
  return routes.map((r) => r.handlerName ?? r.handler).join(', ') || 'none';
}
