/**
 * The Lambda functions and DynamoDB tables of one synthesized stack, as a local run needs them: each
 * function's code and layer assets as directories, its handler and its environment as written in the
 * template; each table's definition, to create it in DynamoDB Local from the template itself.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SynthesizedTemplate, TemplateResource } from './cloud-assembly';
import { ENV_HANDLER_NAME } from '../contract/wrapper';

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
  /** The Lambda runtime, e.g. `nodejs24.x` or `python3.13`. */
  readonly runtime: string;
  readonly layerDirs: string[];
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** The environment as written in the template: values may be CloudFormation references. */
  readonly rawEnvironment: Record<string, unknown>;
}

function ofType(template: SynthesizedTemplate, type: string): Array<[string, TemplateResource]> {
  return Object.entries(template.resources).filter(([, r]) => r.Type === type);
}

export function tablesOf(template: SynthesizedTemplate): SynthesizedTable[] {
  return ofType(template, 'AWS::DynamoDB::Table').map(([logicalId, r]) => ({ logicalId, properties: r.Properties ?? {} }));
}

/** S3 object key → asset directory, from the assembly's asset manifests (what `cdk deploy` uploads). */
function assetsByObjectKey(assemblyDir: string): Map<string, string> {
  const byKey = new Map<string, string>();
  for (const file of fs.readdirSync(assemblyDir).filter((f) => f.endsWith('.assets.json'))) {
    const manifest = JSON.parse(fs.readFileSync(path.join(assemblyDir, file), 'utf8'));
    for (const asset of Object.values<any>(manifest.files ?? {})) {
      for (const destination of Object.values<any>(asset.destinations ?? {})) {
        if (typeof destination.objectKey === 'string') byKey.set(destination.objectKey, asset.source?.path);
      }
    }
  }
  return byKey;
}

function assetDirectory(template: SynthesizedTemplate, resource: TemplateResource, what: string, s3Key: unknown): string {
  // `aws:asset:path` metadata when the CLI synthesized; otherwise the asset manifest, by S3 object key.
  const assetPath = resource.Metadata?.['aws:asset:path'] ?? (typeof s3Key === 'string' ? assetsByObjectKey(template.assemblyDir).get(s3Key) : undefined);
  if (typeof assetPath !== 'string') {
    throw new Error(`${what}: cannot find its asset in ${template.assemblyDir} (no aws:asset:path metadata and no asset manifest entry)`);
  }
  const dir = path.resolve(template.assemblyDir, assetPath);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new Error(`${what}: asset ${dir} is not a directory in the cloud assembly`);
  }
  return dir;
}

function codeDirectory(template: SynthesizedTemplate, logicalId: string, resource: TemplateResource): string {
  const code = resource.Properties?.Code ?? {};
  if (typeof code.ZipFile === 'string') {
    // Inline code: Lambda stores it as index.js.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `inline-${logicalId}-`));
    fs.writeFileSync(path.join(dir, 'index.js'), code.ZipFile);
    return dir;
  }
  return assetDirectory(template, resource, `function ${logicalId}`, code.S3Key);
}

function layerDirectory(template: SynthesizedTemplate, layer: unknown, functionId: string): string {
  const ref = (layer as { Ref?: string })?.Ref;
  const resource = ref ? template.resources[ref] : undefined;
  if (!ref || resource?.Type !== 'AWS::Lambda::LayerVersion') {
    throw new Error(`function ${functionId}: layer ${JSON.stringify(layer)} is not a layer of this stack, so its code is not in the cloud assembly`);
  }
  return assetDirectory(template, resource, `layer ${ref}`, resource.Properties?.Content?.S3Key);
}

export function functionsOf(template: SynthesizedTemplate): SynthesizedFunction[] {
  return ofType(template, 'AWS::Lambda::Function').map(([logicalId, r]) => {
    const p = r.Properties ?? {};
    const env = (p.Environment?.Variables ?? {}) as Record<string, unknown>;
    const name = typeof env[ENV_HANDLER_NAME] === 'string' ? (env[ENV_HANDLER_NAME] as string) : logicalId;
    return {
      logicalId,
      name,
      codeDir: codeDirectory(template, logicalId, r),
      handler: p.Handler,
      runtime: typeof p.Runtime === 'string' ? p.Runtime : 'nodejs24.x',
      layerDirs: (p.Layers ?? []).map((layer: unknown) => layerDirectory(template, layer, logicalId)),
      timeoutSeconds: p.Timeout ?? 3,
      memoryMb: p.MemorySize ?? 128,
      rawEnvironment: env,
    };
  });
}
