/**
 * `--stack <name>`: the integration as deployed. CloudFormation gives the template the stack was deployed
 * with (GetTemplate, stage Original: the rules' patterns as the app declares them) and the physical id of
 * every resource (ListStackResources), nested stacks included; the Lambda API gives each handler function's
 * environment as it runs (GetFunctionConfiguration: its idempotency table and key prefix).
 */
import { CloudFormationClient, GetTemplateCommand, paginateListStackResources } from '@aws-sdk/client-cloudformation';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { templateRoutes } from './template-routes';
import type { SynthesizedTemplate, TemplateResource } from '../../cloud-assembly/cloud-assembly';
import { StripeEventBridgeError } from '../../contract/errors';
import { ENV_HANDLER_NAME } from '../../contract/wrapper';
import { EventSources, readDeployedRoutes, ReconcileRoute, RouteTarget } from '../../reconcile/routes';

/** The stack cannot be read: names it and says what to do. */
export class StackReadError extends StripeEventBridgeError {
  public readonly name = 'StackReadError';
}

function explain(err: unknown, what: string, stack: string): StackReadError {
  const e = err as { name?: string; message?: string };
  const hint =
    e.name === 'ValidationError' && /does not exist/.test(e.message ?? '')
      ? ' (check the stack name and the region: --region or AWS_REGION)'
      : e.name === 'AccessDenied' || e.name === 'AccessDeniedException'
        ? ' (the caller needs cloudformation:GetTemplate and cloudformation:ListStackResources on the stack)'
        : '';
  return new StackReadError(`${what} of stack ${stack}: ${e.name ?? 'Error'}: ${e.message ?? String(err)}${hint}`);
}

async function readTemplate(cfn: CloudFormationClient, stack: string): Promise<SynthesizedTemplate> {
  let body: string | undefined;
  try {
    body = (await cfn.send(new GetTemplateCommand({ StackName: stack, TemplateStage: 'Original' }))).TemplateBody;
  } catch (err) {
    throw explain(err, 'reading the template', stack);
  }
  let template: { Resources?: Record<string, TemplateResource> };
  try {
    template = JSON.parse(body ?? '');
  } catch {
    throw new StackReadError(`the template of stack ${stack} is not JSON (was it deployed from YAML?); reconcile reads the JSON templates CDK deploys`);
  }
  const resources = template.Resources ?? {};
  return {
    name: stack,
    assemblyDir: '',
    template,
    resources,
    constructPath: (id) => {
      const recorded = resources[id]?.Metadata?.['aws:cdk:path'];
      return typeof recorded === 'string' ? recorded.replace(/\/Resource$/, '') : undefined;
    },
  };
}

async function physicalIds(cfn: CloudFormationClient, stack: string): Promise<Array<{ logicalId: string; physicalId?: string; type: string }>> {
  const out: Array<{ logicalId: string; physicalId?: string; type: string }> = [];
  try {
    for await (const page of paginateListStackResources({ client: cfn }, { StackName: stack })) {
      for (const r of page.StackResourceSummaries ?? []) {
        out.push({ logicalId: r.LogicalResourceId!, physicalId: r.PhysicalResourceId, type: r.ResourceType! });
      }
    }
  } catch (err) {
    throw explain(err, 'listing the resources', stack);
  }
  return out;
}

/** Each handler function of the stack and its nested stacks, by physical name, with its rules' patterns. */
async function routeTargets(cfn: CloudFormationClient, stack: string, depth = 0): Promise<{ targets: RouteTarget[]; sources: EventSources }> {
  const [template, resources] = await Promise.all([readTemplate(cfn, stack), physicalIds(cfn, stack)]);
  const byLogicalId = new Map(resources.map((r) => [r.logicalId, r]));
  let sources: EventSources = {};
  const known = (more: EventSources) => {
    sources = {
      eventSourceName: sources.eventSourceName ?? more.eventSourceName,
      thinEventSourceName: sources.thinEventSourceName ?? more.thinEventSourceName,
    };
  };
  const targets: RouteTarget[] = [];
  for (const route of templateRoutes(template)) {
    const physical = byLogicalId.get(route.logicalId)?.physicalId;
    if (!physical) {
      throw new StackReadError(`function ${route.logicalId} (handler ${route.handlerName}) of stack ${stack} has no physical id: is the stack still being created?`);
    }
    targets.push({ functionName: physical, patterns: route.patterns, thinPatterns: route.thinPatterns });
    known(route);
  }
  if (depth < 5) {
    for (const nested of resources.filter((r) => r.type === 'AWS::CloudFormation::Stack' && r.physicalId)) {
      const inner = await routeTargets(cfn, nested.physicalId!, depth + 1);
      targets.push(...inner.targets);
      known(inner.sources);
    }
  }
  return { targets, sources };
}

export async function routesFromStack(cfn: CloudFormationClient, lambda: LambdaClient, stack: string): Promise<ReconcileRoute[]> {
  const { targets, sources } = await routeTargets(cfn, stack);
  if (targets.length === 0) {
    throw new StackReadError(`stack ${stack} has no Stripe handler functions (functions with ${ENV_HANDLER_NAME} in their environment, targeted by a rule); is it the stack of the StripeEventBridgeIntegration?`);
  }
  return readDeployedRoutes(lambda, targets, sources);
}
