/**
 * The handler routes of an integration as a template declares them: each function the integration wraps
 * (its environment names a Stripe handler) with the event patterns of the rules that target it, by the payload
 * style of their bus (src/cloud-assembly/rules.ts), and the partner event sources of those buses. The patterns are
 * the ones the app declares, so a rule changed by hand in the console cannot hide the events it no longer lets through.
 */
import type { SynthesizedTemplate, TemplateResource } from '../../cloud-assembly/cloud-assembly';
import { rulesOfTemplate } from '../../cloud-assembly/rules';
import { STRIPE_PARTNER_SOURCE_PREFIX } from '../../contract/stripe';
import type { EventSources } from '../../reconcile/routes';

export interface TemplateRoute extends EventSources {
  /** The function's logical id. */
  readonly logicalId: string;
  readonly function: TemplateResource;
  readonly handlerName: string;
  /** The patterns of the rules on a bus of snapshot events. */
  readonly patterns: unknown[];
  /** The patterns of the rules on a bus of thin events. */
  readonly thinPatterns: unknown[];
}

export function templateRoutes(template: SynthesizedTemplate): TemplateRoute[] {
  type Route = { handlerName: string; patterns: unknown[]; thinPatterns: unknown[]; eventSourceName?: string; thinEventSourceName?: string };
  const routes = new Map<string, Route>();
  for (const rule of rulesOfTemplate(template)) {
    for (const target of rule.targets) {
      if (target.type !== 'AWS::Lambda::Function' || target.handlerName === undefined || target.logicalId === undefined) continue;
      const route = routes.get(target.logicalId) ?? { handlerName: target.handlerName, patterns: [], thinPatterns: [] };
      const pattern = typeof rule.pattern === 'string' ? JSON.parse(rule.pattern) : rule.pattern;
      // A rule whose bus's style is unknown is checked with both logs: events of a style it never sees just do not match.
      const styles = rule.payloads ?? ['snapshot', 'thin'];
      // The bus of a partner source is named after it (StripeEventBus.fromPartnerEventSource).
      const source = rule.eventBus.startsWith(STRIPE_PARTNER_SOURCE_PREFIX) ? rule.eventBus : undefined;
      if (styles.includes('snapshot')) {
        route.patterns.push(pattern);
        route.eventSourceName ??= source;
      }
      if (styles.includes('thin')) {
        route.thinPatterns.push(pattern);
        route.thinEventSourceName ??= source;
      }
      routes.set(target.logicalId, route);
    }
  }
  return [...routes].map(([logicalId, r]) => ({ logicalId, function: template.resources[logicalId], ...r }));
}

/** Every handler name of the routes, for error messages. */
export function handlerNames(routes: readonly { handlerName?: string; handler?: string }[]): string {
  return routes.map((r) => r.handlerName ?? r.handler).join(', ') || 'none';
}
