/**
 * EventBridge's per-bus rule quotas, checked at synth over every rule in the app on the integration's
 * bus (this library's and any other), through `node.addValidation` so the error is reported once, with
 * the construct path, whichever integration was created last
 * (docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html: 300 rules per bus, the default of an
 * adjustable quota; at most 30 rules per bus whose patterns use wildcards, not adjustable).
 */
import { Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { Construct, IConstruct } from 'constructs';
import { MAX_RULES_PER_BUS, MAX_WILDCARD_RULES_PER_BUS } from '../rule-pattern';

/** Marks the constructs that check a bus's quotas, with the buses they check. */
const CHECKS_BUS = Symbol.for('@babes/stripe-eventbridge.checksBusQuotas');

type Checker = IConstruct & { [CHECKS_BUS]?: readonly string[] };

/** The name a rule's template gives its bus: a literal name, or the same token for the same bus object. */
function busKey(eventBusName: string | undefined): string {
  return eventBusName ?? 'default';
}

function hasWildcard(rule: events.CfnRule): boolean {
  return JSON.stringify(Stack.of(rule).resolve(rule.eventPattern) ?? {}).includes('"wildcard"');
}

/** The bus as a message names it: its name, or the partner source it is named after, when known at synth. */
function describeBus(key: string, bus: events.IEventBus): string {
  const name = [key, bus.eventSourceName].find((n) => n !== undefined && !Token.isUnresolved(n));
  return name === undefined ? 'one event bus' : `the event bus '${name}'`;
}

/** Counts per owner path: `Payments/Stripe: 200, Payments/Audit: 101`. */
function breakdown(rules: events.CfnRule[], owners: readonly IConstruct[]): string {
  const counts = new Map<string, number>();
  for (const rule of rules) {
    const owner = owners.find((o) => rule.node.path.startsWith(`${o.node.path}/`));
    const label = owner?.node.path ?? 'other rules';
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return [...counts].map(([label, n]) => `${label}: ${n}`).join(', ');
}

/** Registers the quota checks of `integration`, whose rules are on `buses` (one or two), one check per bus. */
export function checkBusQuotas(integration: Construct, buses: readonly events.IEventBus[]): void {
  const keys = buses.map((bus) => busKey(bus.eventBusName));
  (integration as Checker)[CHECKS_BUS] = keys;
  buses.forEach((bus, i) => checkBusQuota(integration, keys[i], bus));
}

function checkBusQuota(integration: Construct, key: string, bus: events.IEventBus): void {
  integration.node.addValidation({
    validate: () => {
      const all = integration.node.root.node.findAll();
      const checkers = all.filter((c) => (c as Checker)[CHECKS_BUS]?.includes(key));
      // One report per bus: the first integration on it (in construct tree order) speaks for all.
      if (checkers[0] !== integration) return [];
      const rules = all.filter((c): c is events.CfnRule => c instanceof events.CfnRule && busKey(c.eventBusName) === key);
      const errors: string[] = [];
      if (rules.length > MAX_RULES_PER_BUS) {
        errors.push(
          `handlers: this app puts ${rules.length} rules on ${describeBus(key, bus)}; EventBridge allows ${MAX_RULES_PER_BUS} per bus by default. ` +
            `Rules by construct: ${breakdown(rules, checkers)}. ` +
            'Share handlers between event types (one handler object under several keys is one rule), or raise the quota and split the bus.',
        );
      }
      const wildcards = rules.filter(hasWildcard);
      if (wildcards.length > MAX_WILDCARD_RULES_PER_BUS) {
        errors.push(
          `handlers: this app puts ${wildcards.length} rules with wildcard patterns on ${describeBus(key, bus)}; EventBridge allows at most ${MAX_WILDCARD_RULES_PER_BUS} (not adjustable). ` +
            `Rules by construct: ${breakdown(wildcards, checkers)}. ` +
            "Use exact event types for some handlers, or one handler under several wildcard keys (e.g. 'invoice.*' and 'invoiceitem.*').",
        );
      }
      return errors;
    },
  });
}
