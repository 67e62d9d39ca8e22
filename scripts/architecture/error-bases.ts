/**
 * One error base per library: every error class of src/ extends StripeEventBridgeError (src/contract/errors.ts),
 * directly or through another error of the library, and every public exception of the Python wrapper extends
 * `stripe_eventbridge.errors.StripeEventBridgeError`, so a user catches anything the library throws with one class.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { filesUnder, rel, sourceOf, SRC } from './source-files';

const BASE_MODULE = path.join(SRC, 'contract', 'errors.ts');
const PYTHON_PACKAGE = path.join(SRC, 'lambda', 'python-wrapper', 'stripe_eventbridge');
const PYTHON_BASE_MODULE = path.join(PYTHON_PACKAGE, 'errors.py');

/** The built-in error classes a class must not extend directly. */
const BUILT_IN_ERRORS = new Set(['Error', 'TypeError', 'RangeError', 'SyntaxError', 'AggregateError']);

export function checkErrorBases(files: readonly string[]): string[] {
  const problems: string[] = [];
  for (const file of files) {
    if (file === BASE_MODULE) continue;
    const visit = (node: ts.Node): void => {
      if (ts.isClassLike(node)) {
        const base = node.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0]?.expression;
        if (base && ts.isIdentifier(base) && BUILT_IN_ERRORS.has(base.text)) {
          const name = node.name?.text ?? '(anonymous class)';
          problems.push(`${rel(file)}: ${name} extends ${base.text}; extend StripeEventBridgeError (src/contract/errors.ts) so users can catch it with the library's other errors`);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sourceOf(file));
  }
  for (const file of filesUnder(PYTHON_PACKAGE, ['.py'])) {
    if (file === PYTHON_BASE_MODULE) continue;
    for (const match of fs.readFileSync(file, 'utf8').matchAll(/^class ([A-Za-z]\w*)\((Exception|BaseException|ValueError|RuntimeError)\):/gm)) {
      problems.push(`${rel(file)}: ${match[1]} extends ${match[2]}; extend StripeEventBridgeError (stripe_eventbridge/errors.py)`);
    }
  }
  return problems;
}
