/**
 * Reads a synthesized app (a cloud assembly, `cdk.out`) the way a deployment would see it: every stack
 * template listed in the manifest, the templates of nested stacks (`*.nested.template.json`), and nested
 * cloud assemblies (CDK Pipelines stages, `assembly-*` directories), with each resource's construct path.
 * The offline pattern tester, the CLI and the local replay all read apps through this module.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, any>;
  readonly Metadata?: Record<string, any>;
}

/** One template of the app: a stack's, or a nested stack's. */
export interface SynthesizedTemplate {
  /** The stack's display name (e.g. `Prod/Payments`), or a nested template's file name without `.template.json`. */
  readonly name: string;
  /** The stack's artifact id in its manifest; undefined for a nested stack's template. */
  readonly artifactId?: string;
  /** The cloud assembly directory the template is in (its assets are relative to it). */
  readonly assemblyDir: string;
  readonly template: { readonly Resources?: Record<string, TemplateResource> };
  readonly resources: Record<string, TemplateResource>;
  /** The construct path of a resource (without `/Resource`), when the app recorded it. */
  constructPath(logicalId: string): string | undefined;
}

function readJson(file: string): any {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/**
 * A stack artifact's metadata (construct path → entries): in manifest.json, and, in assemblies of newer aws-cdk-lib
 * releases (2.278.0 does it), in the file its `additionalMetadataFile` names.
 */
export function artifactMetadata(dir: string, artifact: any): Record<string, any[]> {
  const metadata: Record<string, any[]> = { ...(artifact?.metadata ?? {}) };
  const file = typeof artifact?.additionalMetadataFile === 'string' ? path.join(dir, artifact.additionalMetadataFile) : undefined;
  if (file && fs.existsSync(file)) {
    for (const [where, entries] of Object.entries<any[]>(readJson(file))) metadata[where] = [...(metadata[where] ?? []), ...entries];
  }
  return metadata;
}

/** Every template of the cloud assembly at `dir`, nested assemblies included. */
export function readCloudAssembly(dir: string): SynthesizedTemplate[] {
  const manifestFile = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifestFile)) throw new Error(`${dir} is not a cloud assembly (no manifest.json); run cdk synth first`);
  const manifest = readJson(manifestFile);
  const stacks: Array<{ id: string; name: string; file: string; paths: Map<string, string> }> = [];
  const nestedAssemblies: string[] = [];
  // Construct paths by logical id from every stack's metadata: nested stacks' resources are recorded in their parent's.
  const allPaths = new Map<string, string>();
  for (const [id, artifact] of Object.entries<any>(manifest.artifacts ?? {})) {
    if (artifact.type === 'aws:cloudformation:stack' && typeof artifact.properties?.templateFile === 'string') {
      const paths = new Map<string, string>();
      for (const [constructPath, entries] of Object.entries(artifactMetadata(dir, artifact))) {
        const logicalId = (entries as any[]).find((e) => e?.type === 'aws:cdk:logicalId')?.data;
        if (typeof logicalId !== 'string') continue;
        const clean = constructPath.replace(/^\//, '').replace(/\/Resource$/, '');
        paths.set(logicalId, clean);
        allPaths.set(logicalId, clean);
      }
      stacks.push({ id, name: artifact.displayName ?? id, file: artifact.properties.templateFile, paths });
    } else if (artifact.type === 'cdk:cloud-assembly' && typeof artifact.properties?.directoryName === 'string') {
      nestedAssemblies.push(artifact.properties.directoryName);
    }
  }
  const template = (file: string, name: string, paths: ReadonlyMap<string, string>, artifactId?: string): SynthesizedTemplate => {
    const body = readJson(path.join(dir, file));
    const resources: Record<string, TemplateResource> = body.Resources ?? {};
    return {
      name,
      artifactId,
      assemblyDir: dir,
      template: body,
      resources,
      constructPath: (logicalId) => {
        const recorded = resources[logicalId]?.Metadata?.['aws:cdk:path'];
        return typeof recorded === 'string' ? recorded.replace(/\/Resource$/, '') : paths.get(logicalId);
      },
    };
  };
  const listed = new Set(stacks.map((s) => s.file));
  const nestedTemplates = fs.readdirSync(dir).filter((f) => f.endsWith('.template.json') && !listed.has(f)).sort();
  return [
    ...stacks.map((s) => template(s.file, s.name, s.paths, s.id)),
    ...nestedTemplates.map((f) => template(f, f.replace(/\.template\.json$/, ''), allPaths)),
    ...nestedAssemblies.flatMap((d) => readCloudAssembly(path.join(dir, d))),
  ];
}

/**
 * One stack of the app, by its artifact id or display name (in nested assemblies too). With no name, the
 * app must hold exactly one stack.
 */
export function findStack(dir: string, stackName?: string): SynthesizedTemplate {
  const stacks = readCloudAssembly(dir).filter((t) => t.artifactId !== undefined);
  const chosen = stackName ? stacks.filter((t) => t.artifactId === stackName || t.name === stackName) : stacks;
  if (chosen.length !== 1) {
    const names = stacks.map((t) => t.name).join(', ') || 'none';
    throw new Error(
      stackName ? `stack '${stackName}' is not in ${dir} (stacks: ${names})` : `${dir} holds ${chosen.length} stacks (${names}); name one`,
    );
  }
  return chosen[0];
}
