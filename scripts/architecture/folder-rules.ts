/**
 * Which module may import which: across the areas of src/ (where code runs), and inside the constructs'
 * private parts (src/private/, one folder per construct beside a shared set).
 */
import * as path from 'node:path';
import * as ts from 'typescript';
import { Area, areaOf, rel, resolveLocal, sourceOf, specifiers, SRC } from './source-files';

/** The areas each area may import from (besides itself and packages). */
const ALLOWED: Record<Area, readonly Area[]> = {
  contract: [],
  package: ['contract'],
  lambda: ['contract'],
  matcher: ['contract'],
  reconcile: ['contract', 'matcher'],
  cli: ['contract', 'package', 'lambda', 'matcher', 'reconcile'],
  constructs: ['contract', 'package', 'matcher'],
};

/** `src/private/<folder>/…` → the folder; a shared private module (`src/private/x.ts`) → ''; elsewhere → undefined. */
function privateFolderOf(file: string): string | undefined {
  const parts = path.relative(SRC, file).split(path.sep);
  if (parts[0] !== 'private') return undefined;
  return parts.length > 2 ? parts[1] : '';
}

/** A public module of src/ (src/*.ts) that declares a class: a construct, a handler, a bus. */
function declaresClass(file: string): boolean {
  return sourceOf(file).statements.some((s) => ts.isClassDeclaration(s));
}

/** One import checked against the rules; the problem, or undefined when it may. */
function importProblem(file: string, target: string): string | undefined {
  const area = areaOf(file);
  const targetArea = areaOf(target);
  // The reconciliation function runs the same check as the CLI (src/reconcile/, which routes events with the
  // matcher): plain TypeScript without CDK, so it runs in a Lambda bundle as well. Only that function imports it.
  const reconcileFunction = targetArea === 'reconcile' && path.relative(SRC, file).startsWith(path.join('lambda', 'reconcile') + path.sep);
  if (targetArea !== area && !ALLOWED[area].includes(targetArea) && !reconcileFunction) {
    return `imports ${rel(target)} (${area} code may not import ${targetArea} code)`;
  }
  const from = privateFolderOf(file);
  if (from === undefined) return undefined;
  const to = privateFolderOf(target);
  if (to === undefined && path.dirname(target) === SRC && declaresClass(target)) {
    return `imports ${rel(target)}: private parts serve the constructs, never import them (take what you need as a parameter)`;
  }
  if (to === undefined || to === from) return undefined;
  if (from === '') return `imports ${rel(target)}: a shared private module (src/private/*.ts) imports no construct's folder`;
  if (to !== '') return `imports ${rel(target)}: the parts of one construct (src/private/${from}/) do not import another's (src/private/${to}/); share it in src/private/`;
  return undefined;
}

/**
 * Every import that breaks a folder rule, one line each. src/contract/ imports nothing at all, not even packages:
 * it is bundled by every side.
 */
export function checkFolderRules(files: readonly string[]): string[] {
  const problems: string[] = [];
  for (const file of files) {
    for (const spec of specifiers(file)) {
      if (areaOf(file) === 'contract') {
        problems.push(`${rel(file)}: imports '${spec}'; src/contract/ modules import nothing`);
        continue;
      }
      const target = resolveLocal(file, spec);
      const problem = target && importProblem(file, target);
      if (problem) problems.push(`${rel(file)}: ${problem}`);
    }
  }
  return problems;
}
