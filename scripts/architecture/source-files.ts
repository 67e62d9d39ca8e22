/** The modules of src/, what each imports, and the area of src/ it belongs to. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

export const ROOT = path.join(__dirname, '..', '..');
export const SRC = path.join(ROOT, 'src');

/** A path relative to the repository root, for messages. */
export const rel = (file: string): string => path.relative(ROOT, file);

/** Every file under `dir` whose name ends in one of `extensions` (declaration files excluded). */
export function filesUnder(dir: string, extensions: readonly string[] = ['.ts']): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(full, extensions);
    return extensions.some((e) => entry.name.endsWith(e)) && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

const parsed = new Map<string, ts.SourceFile>();

/** The file's syntax tree (parsed once). */
export function sourceOf(file: string): ts.SourceFile {
  let source = parsed.get(file);
  if (!source) {
    source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    parsed.set(file, source);
  }
  return source;
}

/** Every module specifier a file imports, re-exports, requires or imports dynamically (string literals). */
export function specifiers(file: string): string[] {
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
  visit(sourceOf(file));
  return found;
}

/** The file a relative specifier names, or undefined for a package. */
export function resolveLocal(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), spec);
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts'), base]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/** Where code runs (or who shares it): the areas of src/ that the import rules are about. */
export type Area = 'contract' | 'package' | 'lambda' | 'matcher' | 'reconcile' | 'cli' | 'constructs';

export function areaOf(file: string): Area {
  const top = path.relative(SRC, file).split(path.sep)[0];
  switch (top) {
    case 'contract':
    case 'package':
    case 'lambda':
    case 'reconcile':
    case 'cli':
      return top;
    case 'event-pattern':
    case 'cloud-assembly':
      return 'matcher';
    default:
      return 'constructs';
  }
}

/** Every module of src/ with the local modules it imports. */
export function importGraph(files: readonly string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files) {
    graph.set(file, specifiers(file).map((spec) => resolveLocal(file, spec)).filter((target): target is string => target !== undefined));
  }
  return graph;
}
