/**
 * Reads a synthesized cloud assembly (`cdk.out`) the way a deployment would use it, so that its functions
 * can run locally: each function's code and layer assets as directories, its handler, its environment with
 * references to the stack's tables resolved to local table names, the stack's tables (to create them in
 * DynamoDB Local from the template, not from a hand-written list) and its EventBridge rules.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LocalFunctionSpec } from './local-lambda';
import { ENV_HANDLER_NAME } from '../../contract/wrapper';

export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, any>;
  readonly Metadata?: Record<string, any>;
}

export interface SynthesizedTable {
  readonly logicalId: string;
  /** The template's CreateTable-shaped definition (KeySchema, AttributeDefinitions, indexes, TTL). */
  readonly properties: Record<string, any>;
}

export interface SynthesizedFunction {
  readonly logicalId: string;
  /** The Stripe handler name (STRIPE_EB_HANDLER_NAME) or, for other functions, the logical id. */
  readonly name: string;
  readonly codeDir: string;
  readonly handler: string;
  readonly layerDirs: string[];
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** The environment as written in the template: values may be CloudFormation references. */
  readonly rawEnvironment: Record<string, unknown>;
}

export interface SynthesizedRule {
  readonly logicalId: string;
  readonly eventPattern: Record<string, unknown>;
  /** Logical ids of the functions the rule targets. */
  readonly targetFunctions: string[];
}

/** Resolves a CloudFormation reference (`{ Ref: … }`, `{ Fn::GetAtt: … }`) to a local value, or undefined. */
export type ReferenceResolver = (logicalId: string, attribute: string | undefined) => string | undefined;

export class SynthesizedStack {
  /** Loads one stack from a cloud assembly directory. With no name, the assembly must hold exactly one stack. */
  public static load(cdkOutDir: string, stackName?: string): SynthesizedStack {
    const manifest = JSON.parse(fs.readFileSync(path.join(cdkOutDir, 'manifest.json'), 'utf8'));
    const stacks = Object.entries<any>(manifest.artifacts ?? {}).filter(([, a]) => a.type === 'aws:cloudformation:stack');
    const chosen = stackName ? stacks.filter(([id, a]) => id === stackName || a.displayName === stackName) : stacks;
    if (chosen.length !== 1) {
      const names = stacks.map(([id]) => id).join(', ') || 'none';
      throw new Error(
        stackName ? `stack '${stackName}' is not in ${cdkOutDir} (stacks: ${names})` : `${cdkOutDir} holds ${chosen.length} stacks (${names}); name one`,
      );
    }
    const [id, artifact] = chosen[0];
    const template = JSON.parse(fs.readFileSync(path.join(cdkOutDir, artifact.properties.templateFile), 'utf8'));
    return new SynthesizedStack(cdkOutDir, id, template);
  }

  public readonly resources: Record<string, TemplateResource>;

  constructor(
    public readonly cdkOutDir: string,
    public readonly stackName: string,
    public readonly template: { Resources?: Record<string, TemplateResource> },
  ) {
    this.resources = template.Resources ?? {};
  }

  public get tables(): SynthesizedTable[] {
    return this.ofType('AWS::DynamoDB::Table').map(([logicalId, r]) => ({ logicalId, properties: r.Properties ?? {} }));
  }

  public get functions(): SynthesizedFunction[] {
    return this.ofType('AWS::Lambda::Function').map(([logicalId, r]) => {
      const p = r.Properties ?? {};
      const env = (p.Environment?.Variables ?? {}) as Record<string, unknown>;
      const name = typeof env[ENV_HANDLER_NAME] === 'string' ? (env[ENV_HANDLER_NAME] as string) : logicalId;
      return {
        logicalId,
        name,
        codeDir: this.codeDirectory(logicalId, r),
        handler: p.Handler,
        layerDirs: (p.Layers ?? []).map((layer: unknown) => this.layerDirectory(layer, logicalId)),
        timeoutSeconds: p.Timeout ?? 3,
        memoryMb: p.MemorySize ?? 128,
        rawEnvironment: env,
      };
    });
  }

  public get rules(): SynthesizedRule[] {
    return this.ofType('AWS::Events::Rule').map(([logicalId, r]) => {
      const p = r.Properties ?? {};
      const pattern = typeof p.EventPattern === 'string' ? JSON.parse(p.EventPattern) : p.EventPattern;
      const targetFunctions = (p.Targets ?? [])
        .map((t: any) => t.Arn?.['Fn::GetAtt']?.[0])
        .filter((id: unknown): id is string => typeof id === 'string' && this.resources[id]?.Type === 'AWS::Lambda::Function');
      return { logicalId, eventPattern: pattern, targetFunctions };
    });
  }

  /** A LocalLambdaFunction spec for one of the stack's functions, its environment resolved with `resolve`. */
  public localSpec(fn: SynthesizedFunction, resolve: ReferenceResolver, extraEnvironment: Record<string, string> = {}): LocalFunctionSpec {
    const environment: Record<string, string> = {};
    for (const [key, value] of Object.entries(fn.rawEnvironment)) {
      environment[key] = this.resolveValue(value, resolve, `${fn.logicalId}.Environment.${key}`);
    }
    return {
      name: fn.name,
      taskRoot: fn.codeDir,
      handler: fn.handler,
      layers: fn.layerDirs,
      timeoutSeconds: fn.timeoutSeconds,
      memoryMb: fn.memoryMb,
      environment: { ...environment, ...extraEnvironment },
    };
  }

  private resolveValue(value: unknown, resolve: ReferenceResolver, where: string): string {
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

  private ofType(type: string): Array<[string, TemplateResource]> {
    return Object.entries(this.resources).filter(([, r]) => r.Type === type);
  }

  /** S3 object key → asset directory, from the assembly's asset manifests (what `cdk deploy` uploads). */
  private assetsByObjectKey(): Map<string, string> {
    const byKey = new Map<string, string>();
    for (const file of fs.readdirSync(this.cdkOutDir).filter((f) => f.endsWith('.assets.json'))) {
      const manifest = JSON.parse(fs.readFileSync(path.join(this.cdkOutDir, file), 'utf8'));
      for (const asset of Object.values<any>(manifest.files ?? {})) {
        for (const destination of Object.values<any>(asset.destinations ?? {})) {
          if (typeof destination.objectKey === 'string') byKey.set(destination.objectKey, asset.source?.path);
        }
      }
    }
    return byKey;
  }

  private assetDirectory(resource: TemplateResource, what: string, s3Key: unknown): string {
    // `aws:asset:path` metadata when the CLI synthesized; otherwise the asset manifest, by S3 object key.
    const assetPath = resource.Metadata?.['aws:asset:path'] ?? (typeof s3Key === 'string' ? this.assetsByObjectKey().get(s3Key) : undefined);
    if (typeof assetPath !== 'string') {
      throw new Error(`${what}: cannot find its asset in ${this.cdkOutDir} (no aws:asset:path metadata and no asset manifest entry)`);
    }
    const dir = path.resolve(this.cdkOutDir, assetPath);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
      throw new Error(`${what}: asset ${dir} is not a directory in the cloud assembly`);
    }
    return dir;
  }

  private codeDirectory(logicalId: string, resource: TemplateResource): string {
    const code = resource.Properties?.Code ?? {};
    if (typeof code.ZipFile === 'string') {
      // Inline code: Lambda stores it as index.js.
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `inline-${logicalId}-`));
      fs.writeFileSync(path.join(dir, 'index.js'), code.ZipFile);
      return dir;
    }
    return this.assetDirectory(resource, `function ${logicalId}`, code.S3Key);
  }

  private layerDirectory(layer: unknown, functionId: string): string {
    const ref = (layer as { Ref?: string })?.Ref;
    const resource = ref ? this.resources[ref] : undefined;
    if (!ref || resource?.Type !== 'AWS::Lambda::LayerVersion') {
      throw new Error(`function ${functionId}: layer ${JSON.stringify(layer)} is not a layer of this stack, so its code is not in the cloud assembly`);
    }
    return this.assetDirectory(resource, `layer ${ref}`, resource.Properties?.Content?.S3Key);
  }
}
