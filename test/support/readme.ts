/**
 * The code blocks of the docs (README.md, CONTRIBUTING.md and every page of docs/), by section, so tests can compile
 * and run exactly what users paste.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { App } from 'aws-cdk-lib';
import * as ts from 'typescript';
import { diagnosticsOf, formatDiagnostics, sharedCompilerHost } from './typecheck';

export const REPO_ROOT = path.join(__dirname, '..', '..');

/** Every Markdown file of the docs, relative to the repository: README.md, CONTRIBUTING.md, then docs/*.md by name. */
export function docFiles(): string[] {
  const pages = fs.readdirSync(path.join(REPO_ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`);
  return ['README.md', 'CONTRIBUTING.md', ...pages];
}

/** The text of a docs file, by its path relative to the repository (`docs/scale.md`). */
export function readDoc(file: string): string {
  return fs.readFileSync(path.join(REPO_ROOT, file), 'utf8');
}

export interface CodeBlock {
  /** The `<!-- section:name -->` the block sits in ('' outside sections); section names are unique across the files. */
  readonly section: string;
  readonly lang: string;
  readonly code: string;
  /** The file it is in, relative to the repository (`docs/exactly-once.md`). */
  readonly file: string;
  /** The line of its opening fence. */
  readonly line: number;
}

/** Every fenced block of one docs file, tagged with the `<!-- section:name -->` it sits in. */
function blocksOf(file: string): CodeBlock[] {
  const lines = readDoc(file).split('\n');
  const blocks: CodeBlock[] = [];
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    const open = /^<!-- section:([\w-]+) -->$/.exec(lines[i]);
    if (open) section = open[1];
    if (/^<!-- \/section:/.test(lines[i])) section = '';
    const fence = /^```(\w+)\s*$/.exec(lines[i]);
    if (fence) {
      const start = i;
      const body: string[] = [];
      for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]);
      blocks.push({ section, lang: fence[1], code: body.join('\n'), file, line: start + 1 });
    }
  }
  return blocks;
}

/** Every fenced block of every docs file (README.md, CONTRIBUTING.md, docs/*.md), in that order. */
export function readmeBlocks(): CodeBlock[] {
  return docFiles().flatMap(blocksOf);
}

/** Where a block is, for test names and messages: `docs/scale.md:42`. */
export function blockLocation(block: CodeBlock): string {
  return `${block.file}:${block.line}`;
}

/**
 * Compiler options of a CDK app (`cdk init app --language typescript`: NodeNext, strict, skipLibCheck) that resolve
 * `@babes/stripe-eventbridge` to this repository's sources.
 */
export const README_COMPILER_OPTIONS: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  esModuleInterop: true,
  skipLibCheck: true,
  types: ['node'],
  typeRoots: [path.join(REPO_ROOT, 'node_modules', '@types')],
  paths: {
    '@babes/stripe-eventbridge': [path.join(REPO_ROOT, 'src', 'index.ts')],
    '@babes/stripe-eventbridge/*': [path.join(REPO_ROOT, 'src', '*')],
  },
};

/** Type-checks TypeScript sources (file name to text) as separate files; returns the formatted diagnostics. */
export function typeCheck(files: Record<string, string>): string[] {
  const program = ts.createProgram(Object.keys(files), README_COMPILER_OPTIONS, sharedCompilerHost(README_COMPILER_OPTIONS, files));
  return formatDiagnostics(diagnosticsOf(program, Object.keys(files)));
}

/**
 * The context the CDK CLI gives an app by default (aws-cdk's `contextFromSettings`): construct paths and asset paths
 * in the template's metadata (`aws:cdk:path`, e.g. `Payments/Stripe/Orders/Rule/Resource`), version reporting (the
 * `CDKMetadata` resource of each top-level stack), every stack's assets bundled. With it, an in-process synthesis
 * writes the assembly `cdk synth` writes.
 */
export const CDK_CLI_CONTEXT: Record<string, unknown> = {
  'aws:cdk:enable-path-metadata': true,
  'aws:cdk:enable-asset-metadata': true,
  'aws:cdk:version-reporting': true,
  'aws:cdk:bundling-stacks': ['**'],
};

/**
 * Runs a docs TypeScript block that creates `const app = new App()`, in a scratch directory under .tmp
 * holding `files` (e.g. the handlers its `Code.fromAsset` points at), and synthesizes it there; `asCdkCli`
 * synthesizes with the context the CDK CLI gives an app.
 * @returns the cloud assembly directory
 */
export function synthesizeReadmeBlock(code: string, files: Record<string, string>, name: string, options: { asCdkCli?: boolean } = {}): string {
  fs.mkdirSync(path.join(REPO_ROOT, '.tmp'), { recursive: true });
  const work = fs.mkdtempSync(path.join(REPO_ROOT, '.tmp', `readme-${name}-`));
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
    fs.writeFileSync(path.join(work, file), content);
  }
  const js = ts.transpileModule(`${code}\nmodule.exports.__app = app;\n`, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  }).outputText;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const localRequire = (id: string) => (id === '@babes/stripe-eventbridge' ? require('../../src') : require(id));
  const module = { exports: {} as { __app?: App } };
  const cwd = process.cwd();
  process.chdir(work);
  process.env.CDK_OUTDIR = path.join(work, 'cdk.out');
  // `cdk synth` passes its context to the app this way.
  if (options.asCdkCli) process.env.CDK_CONTEXT_JSON = JSON.stringify(CDK_CLI_CONTEXT);
  try {
    new Function('require', 'module', 'exports', js)(localRequire, module, module.exports);
    return module.exports.__app!.synth({ force: true }).directory;
  } finally {
    process.chdir(cwd);
    delete process.env.CDK_OUTDIR;
    delete process.env.CDK_CONTEXT_JSON;
  }
}
