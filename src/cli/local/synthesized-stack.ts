/**
 * One synthesized stack, read for a local run (src/cloud-assembly/ reads the app): its tables, to create
 * them in DynamoDB Local from the template, its functions, to run their real code with references to the
 * stack's tables resolved to local table names, and its EventBridge rules.
 */
import type { LocalFunctionSpec } from './local-lambda';
import { findStack, SynthesizedTemplate, TemplateResource } from '../../cloud-assembly/cloud-assembly';
import { functionsOf, SynthesizedFunction, SynthesizedTable, tablesOf } from '../../cloud-assembly/functions';
import { rulesOfTemplate, SynthesizedRule } from '../../cloud-assembly/rules';
import { ENV_STRIPE_API_KEY_SECRET_ID } from '../../contract/wrapper';

/** The SecretId a function whose template names its Stripe key secret in a way that has no local value reads. */
const UNRESOLVED_SECRET_ID = 'stripe-eventbridge-local/stripe-api-key';

/** Resolves a CloudFormation reference (`{ Ref: … }`, `{ Fn::GetAtt: … }`) to a local value, or undefined. */
export type ReferenceResolver = (logicalId: string, attribute: string | undefined) => string | undefined;

export class SynthesizedStack {
  /** Loads one stack from a cloud assembly directory. With no name, the assembly must hold exactly one stack. */
  public static load(cdkOutDir: string, stackName?: string): SynthesizedStack {
    return new SynthesizedStack(findStack(cdkOutDir, stackName));
  }

  public readonly stackName: string;
  public readonly template: SynthesizedTemplate['template'];
  public readonly resources: Record<string, TemplateResource>;

  private constructor(private readonly synthesized: SynthesizedTemplate) {
    this.stackName = synthesized.name;
    this.template = synthesized.template;
    this.resources = synthesized.resources;
  }

  public get tables(): SynthesizedTable[] {
    return tablesOf(this.synthesized);
  }

  public get functions(): SynthesizedFunction[] {
    return functionsOf(this.synthesized);
  }

  /** The stack's rules, each with the payload styles of its bus (`payloads`), by which replay routes an event. */
  public get rules(): SynthesizedRule[] {
    return rulesOfTemplate(this.synthesized);
  }

  /**
   * The local SecretId of a Secrets Manager secret of the stack (what `Ref` gives in AWS: its ARN), or undefined for
   * another resource.
   */
  public localSecretId(logicalId: string): string | undefined {
    const resource = this.resources[logicalId];
    if (resource?.Type !== 'AWS::SecretsManager::Secret') return undefined;
    const name = typeof resource.Properties?.Name === 'string' ? resource.Properties.Name : logicalId;
    return `arn:aws:secretsmanager:us-east-1:000000000000:secret:${name}-local`;
  }

  /** A LocalLambdaFunction spec for one of the stack's functions, its environment resolved with `resolve`. */
  public localSpec(fn: SynthesizedFunction, resolve: ReferenceResolver, extraEnvironment: Record<string, string> = {}): LocalFunctionSpec {
    const environment: Record<string, string> = {};
    for (const [key, value] of Object.entries(fn.rawEnvironment)) {
      try {
        environment[key] = resolveValue(value, resolve, `${fn.logicalId}.Environment.${key}`);
      } catch (err) {
        // A secret of another stack (Fn::ImportValue): the local Secrets Manager answers any SecretId.
        if (key !== ENV_STRIPE_API_KEY_SECRET_ID) throw err;
        environment[key] = UNRESOLVED_SECRET_ID;
      }
    }
    return {
      name: fn.name,
      taskRoot: fn.codeDir,
      handler: fn.handler,
      runtime: fn.runtime,
      layers: fn.layerDirs,
      timeoutSeconds: fn.timeoutSeconds,
      memoryMb: fn.memoryMb,
      environment: { ...environment, ...extraEnvironment },
    };
  }
}

function resolveValue(value: unknown, resolve: ReferenceResolver, where: string): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const v = value as Record<string, any>;
    if (typeof v.Ref === 'string') {
      const out = resolve(v.Ref, undefined);
      if (out !== undefined) return out;
    }
    if (Array.isArray(v['Fn::GetAtt'])) {
      const out = resolve(v['Fn::GetAtt'][0], v['Fn::GetAtt'][1]);
      if (out !== undefined) return out;
    }
  }
  throw new Error(`${where}: cannot resolve ${JSON.stringify(value)} locally`);
}
