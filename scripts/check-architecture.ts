/**
 * Checks the rules the source layout promises (CONTRIBUTING.md, "Architecture"), so they cannot erode silently:
 *
 * 1. no import cycle among the modules of src/, type-only imports and re-exports included;
 * 2. no hand-written file in src/ longer than 400 lines (generated files are exempt);
 * 3. each folder imports only what may run where it runs:
 *    - src/contract/    imports nothing at all (it is shared by synth-time, Lambda and CLI code);
 *    - src/lambda/      imports src/contract/ and its own folder, and packages, never constructs or the CLI;
 *                       the reconciliation function (lambda/reconcile/) also imports src/reconcile/;
 *    - src/event-pattern/ and src/cloud-assembly/  import each other and src/contract/ only;
 *    - src/reconcile/   imports src/contract/ and the matcher: the reconciliation that the CLI and the
 *                       scheduled Lambda function both run, routing Stripe events exactly as the rules would;
 *    - constructs (src/*.ts, src/private/) never import src/lambda/ or src/cli/;
 *    - src/cli/ may import anything but constructs (it runs on a laptop without aws-cdk-lib).
 *
 * Run by `npm test` (projen task check:architecture); exits 1 with one line per violation.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const ROOT = path.join(__dirname, '..');
const SRC = path.join(ROOT, 'src');
const MAX_LINES = 400;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** Every module specifier a file imports, re-exports, requires or imports dynamically (string literals). */
function specifiers(file: string): string[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier.text);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      if (ts.isStringLiteral(node.moduleReference.expression)) found.push(node.moduleReference.expression.text);
    } else if (ts.isCallExpression(node) && node.arguments.length === 1 && ts.isStringLiteralLike(node.arguments[0])
      && ((ts.isIdentifier(node.expression) && node.expression.text === 'require') || node.expression.kind === ts.SyntaxKind.ImportKeyword)) {
      found.push(node.arguments[0].text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function resolveLocal(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), spec);
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts'), base]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

type Area = 'contract' | 'lambda' | 'matcher' | 'reconcile' | 'cli' | 'constructs';

function areaOf(file: string): Area {
  const rel = path.relative(SRC, file).split(path.sep);
  if (rel[0] === 'contract') return 'contract';
  if (rel[0] === 'lambda') return 'lambda';
  if (rel[0] === 'event-pattern' || rel[0] === 'cloud-assembly') return 'matcher';
  if (rel[0] === 'reconcile') return 'reconcile';
  if (rel[0] === 'cli') return 'cli';
  return 'constructs';
}

/** The areas each area may import from (besides itself and packages). */
const ALLOWED: Record<Area, readonly Area[]> = {
  contract: [],
  lambda: ['contract'],
  matcher: ['contract'],
  reconcile: ['contract', 'matcher'],
  cli: ['contract', 'lambda', 'matcher', 'reconcile'],
  constructs: ['contract', 'matcher'],
};

const files = sourceFiles(SRC);
const graph = new Map<string, string[]>();
const problems: string[] = [];
const rel = (f: string) => path.relative(ROOT, f);

for (const file of files) {
  const text = fs.readFileSync(file, 'utf8');
  const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  if (!file.includes('.generated.') && lines > MAX_LINES) {
    problems.push(`${rel(file)}: ${lines} lines, above ${MAX_LINES}: split it along the jobs it does`);
  }
  const area = areaOf(file);
  const edges: string[] = [];
  for (const spec of specifiers(file)) {
    if (area === 'contract') {
      problems.push(`${rel(file)}: imports '${spec}'; src/contract/ modules import nothing`);
      continue;
    }
    const target = resolveLocal(file, spec);
    if (!target) continue;
    edges.push(target);
    const targetArea = areaOf(target);
    const privateHelper = area === 'cli' && path.relative(SRC, target) === path.join('private', 'package-assets.ts');
    // The reconciliation function runs the same check as the CLI (src/reconcile/, which routes events with the
    // matcher): plain TypeScript without CDK, so it runs in a Lambda bundle as well. Only that function imports it.
    const reconcileFunction = targetArea === 'reconcile' && path.relative(SRC, file).startsWith(path.join('lambda', 'reconcile') + path.sep);
    if (targetArea !== area && !ALLOWED[area].includes(targetArea) && !privateHelper && !reconcileFunction) {
      problems.push(`${rel(file)}: imports ${rel(target)} (${area} code may not import ${targetArea} code)`);
    }
  }
  graph.set(file, edges);
}

// Cycles: Tarjan's strongly connected components; any component of two or more modules (or a self-import) is a cycle.
let index = 0;
const indexOf = new Map<string, number>();
const low = new Map<string, number>();
const stack: string[] = [];
const onStack = new Set<string>();
const strongConnect = (v: string): void => {
  indexOf.set(v, index);
  low.set(v, index++);
  stack.push(v);
  onStack.add(v);
  for (const w of graph.get(v) ?? []) {
    if (!indexOf.has(w)) {
      strongConnect(w);
      low.set(v, Math.min(low.get(v)!, low.get(w)!));
    } else if (onStack.has(w)) {
      low.set(v, Math.min(low.get(v)!, indexOf.get(w)!));
    }
  }
  if (low.get(v) === indexOf.get(v)) {
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) {
      problems.push(`import cycle: ${component.map(rel).sort().join(' ↔ ')}`);
    }
  }
};
for (const file of files) if (!indexOf.has(file)) strongConnect(file);

if (problems.length > 0) {
  console.error(`check:architecture: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}`).join('\n')}`);
  process.exit(1);
}
console.log(`check:architecture: ${files.length} modules in src/, no import cycle, none above ${MAX_LINES} lines, every import where it may run`);
