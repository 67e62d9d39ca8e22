/**
 * `--synth cdk.out`: the integration as a cloud assembly declares it, for a run against local tables (the
 * demo's and the tests' DynamoDB Local, whose tables the local replay names `<prefix><logical id>`). The
 * functions' environments are taken from the template: a reference to a table of the stack resolves to its
 * local name, literal values are used as they are.
 */
import { templateRoutes } from './template-routes';
import { findStack } from '../../cloud-assembly/cloud-assembly';
import { routeFromEnvironment, ReconcileRoute } from '../../reconcile/routes';

/** The local replay's table prefix (src/cli/local/replay.ts). */
export const DEFAULT_LOCAL_TABLE_PREFIX = 'replay-';

export function routesFromAssembly(cdkOut: string, stackName: string | undefined, tablePrefix: string): ReconcileRoute[] {
  const template = findStack(cdkOut, stackName);
  return templateRoutes(template).map((route) => {
    const props = route.function?.Properties ?? {};
    const environment: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries<unknown>(props.Environment?.Variables ?? {})) {
      const ref = (value as { Ref?: unknown } | null)?.Ref;
      if (typeof value === 'string') environment[name] = value;
      else if (typeof ref === 'string' && template.resources[ref]?.Type === 'AWS::DynamoDB::Table') environment[name] = `${tablePrefix}${ref}`;
      // Anything else (an imported value, a parameter) is unknown offline: the variable stays unset.
    }
    return routeFromEnvironment({
      functionName: typeof props.FunctionName === 'string' ? props.FunctionName : route.logicalId,
      patterns: route.patterns,
      thinPatterns: route.thinPatterns,
      environment,
      eventSourceName: route.eventSourceName,
      thinEventSourceName: route.thinEventSourceName,
    });
  });
}
