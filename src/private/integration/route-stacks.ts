/**
 * Where an integration's routes live, and CloudFormation's per-template limits checked at synth.
 *
 * Up to INLINE_MAX_ROUTES routes (AUTO) stay in the integration's stack, exactly as in earlier releases, so
 * the logical ids of existing apps do not change. More go into nested stacks (one `cdk deploy` still deploys
 * everything): NESTED_STACK_BUCKETS of them at most, each route in the bucket its handler name hashes to, so a
 * route never moves when another handler is added or removed. Why nested stacks rather than several top-level
 * stacks: one deployment, one rollback, and the shared table, queue and bus stay plain references (nested
 * stack parameters) instead of exports that pin both stacks.
 *
 * Limits (docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html): 500 resources,
 * 200 parameters and 200 outputs per template; a template in S3 (as the CDK CLI uploads them) of at most 1 MB.
 * They are checked with node.addValidation, which runs before CDK writes the templates, so an app over a limit
 * fails `cdk synth` with this library's message rather than CDK's or CloudFormation's.
 */
import { createHash } from 'node:crypto';
import { CfnOutput, CfnParameter, CfnResource, NestedStack, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { StripeRoutePlacement } from '../../route-placement';

/** AUTO keeps this many routes (7 resources each, 17 with per-handler alarms) in the integration's own stack. */
export const INLINE_MAX_ROUTES = 25;
/** The most nested stacks an integration creates: 300 routes spread to about 19 each (≈ 130 resources). */
export const NESTED_STACK_BUCKETS = 16;

export const MAX_RESOURCES_PER_TEMPLATE = 500;
export const MAX_PARAMETERS_PER_TEMPLATE = 200;
export const MAX_OUTPUTS_PER_TEMPLATE = 200;
export const MAX_TEMPLATE_BYTES = 1024 * 1024;

/** A stable hash of the handler name (the first bytes of its SHA-256), the same on every machine and release. */
function bucketOf(name: string): number {
  return createHash('sha256').update(name).digest().readUInt32BE(0) % NESTED_STACK_BUCKETS;
}

/** The scope each route is created in: the integration itself, or one of its nested stacks. */
export class RouteStacks {
  public readonly nested: boolean;
  private readonly stacks = new Map<number, NestedStack>();

  constructor(private readonly integration: Construct, placement: StripeRoutePlacement, routeCount: number) {
    this.nested =
      placement === StripeRoutePlacement.NESTED_STACKS || (placement === StripeRoutePlacement.AUTO && routeCount > INLINE_MAX_ROUTES);
  }

  public scopeFor(handlerName: string): Construct {
    if (!this.nested) return this.integration;
    const bucket = bucketOf(handlerName);
    let stack = this.stacks.get(bucket);
    if (!stack) {
      const id = `Routes${String(bucket).padStart(2, '0')}`;
      stack = new NestedStack(this.integration, id, {
        description: `Stripe event routes of ${this.integration.node.path} (@babes/stripe-eventbridge)`,
      });
      this.stacks.set(bucket, stack);
    }
    return stack;
  }

  /** The nested stacks created so far, in bucket order. */
  public get nestedStacks(): NestedStack[] {
    return [...this.stacks].sort(([a], [b]) => a - b).map(([, s]) => s);
  }
}

interface TemplateFacts {
  readonly resources: number;
  readonly parameters: number;
  readonly outputs: number;
  readonly bytes?: number;
}

/**
 * A template reaches 1 MB below this many resources only if they average over 4 KB each: this library's average
 * 0.9 KB and its largest 1.7 KB (a function with its environment; examples/many-handlers' templates). Only stacks
 * above it are rendered to measure their bytes, which costs as much as CDK's own synthesis of the template.
 */
export const RENDER_TEMPLATE_ABOVE_RESOURCES = 250;

/**
 * What each of `stacks` will hold: the CloudFormation resources, parameters and outputs in its part of the construct
 * tree (what Stack renders into its template's Resources, Parameters and Outputs), counted in one walk.
 */
function countElements(stacks: readonly Stack[]): Map<Stack, { resources: number; parameters: number; outputs: number }> {
  const counts = new Map(stacks.map((stack) => [stack, { resources: 0, parameters: 0, outputs: 0 }]));
  for (const c of stacks[0].node.findAll()) {
    const kind = CfnResource.isCfnResource(c) ? 'resources' : c instanceof CfnParameter ? 'parameters' : c instanceof CfnOutput ? 'outputs' : undefined;
    if (kind === undefined) continue;
    const count = counts.get(Stack.of(c));
    if (count) count[kind]++;
  }
  return counts;
}

/** The template's size as CDK writes it (one-space indentation), by rendering it the way Stack does. */
function bytesOf(stack: Stack): number | undefined {
  // `_toCloudFormation` is how Stack renders its template (aws-cdk-lib core/lib/stack.ts); it is internal, so the
  // size is not checked if a release renames it.
  const render = (stack as unknown as { _toCloudFormation?: () => unknown })._toCloudFormation;
  return typeof render === 'function' ? Buffer.byteLength(JSON.stringify(stack.resolve(render.call(stack)), undefined, 1)) : undefined;
}

/** What the template of each stack will hold; `stacks[0]` holds the others. */
function factsOf(stacks: readonly Stack[]): Map<Stack, TemplateFacts> {
  const facts = new Map<Stack, TemplateFacts>();
  for (const [stack, count] of countElements(stacks)) {
    facts.set(stack, { ...count, bytes: count.resources > RENDER_TEMPLATE_ABOVE_RESOURCES ? bytesOf(stack) : undefined });
  }
  return facts;
}

/** Registers the template-limit check of the stacks that hold an integration's routes. */
export function checkTemplateLimits(integration: Construct, routeStacks: RouteStacks, routeCount: number): void {
  integration.node.addValidation({
    validate: () => {
      const errors: string[] = [];
      for (const [stack, facts] of factsOf([Stack.of(integration), ...routeStacks.nestedStacks])) {
        const name = `the ${NestedStack.isNestedStack(stack) ? 'nested ' : ''}stack ${stack.node.path}`;
        const fix = NestedStack.isNestedStack(stack)
          ? 'Share handlers between event types (one handler object under several keys is one route), or split the handlers between two integrations.'
          : routeStacks.nested
            ? 'Move other resources of this stack to another stack.'
            : `Set routePlacement: StripeRoutePlacement.NESTED_STACKS to put this integration's ${routeCount} routes in nested stacks (still one cdk deploy), ` +
              'or move other resources of this stack to another stack.';
        if (facts.resources > MAX_RESOURCES_PER_TEMPLATE) {
          errors.push(`routePlacement: ${name} would hold ${facts.resources} resources; CloudFormation allows ${MAX_RESOURCES_PER_TEMPLATE} per stack. ${fix}`);
        }
        if (facts.parameters > MAX_PARAMETERS_PER_TEMPLATE) {
          errors.push(`routePlacement: ${name} would have ${facts.parameters} parameters; CloudFormation allows ${MAX_PARAMETERS_PER_TEMPLATE}. ${fix}`);
        }
        if (facts.outputs > MAX_OUTPUTS_PER_TEMPLATE) {
          errors.push(`routePlacement: ${name} would have ${facts.outputs} outputs; CloudFormation allows ${MAX_OUTPUTS_PER_TEMPLATE}. ${fix}`);
        }
        if (facts.bytes !== undefined && facts.bytes > MAX_TEMPLATE_BYTES) {
          errors.push(`routePlacement: the template of ${name} would be ${facts.bytes} bytes; CloudFormation accepts at most ${MAX_TEMPLATE_BYTES} (1 MB). ${fix}`);
        }
      }
      return errors;
    },
  });
}
