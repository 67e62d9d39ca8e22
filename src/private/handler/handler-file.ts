/**
 * A handler string that names no file of its code deploys, then fails on every event when the wrapper first loads
 * it. When the code is a local asset directory (`Code.fromAsset('handlers')`, neither bundled at synth nor a zip
 * file) and the function has no layers of the user's (which could hold the module), the file is looked up at synth,
 * as the wrapper will look it up in Lambda: Node.js as the Lambda runtime does (src/lambda/wrapper/user-handler.ts),
 * Python as the Lambda Python runtime's import does (the module, dots as directories, a file or a package).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { closest } from '../event-type-keys';

export type HandlerLanguage = 'nodejs' | 'python';

const RUNNABLE: Record<HandlerLanguage, readonly string[]> = { nodejs: ['.js', '.mjs', '.cjs'], python: ['.py'] };

/** The local directory a code asset is copied from, when the check can see its files; undefined otherwise. */
function localDirectory(code: lambda.Code): string | undefined {
  if (!(code instanceof lambda.AssetCode)) return undefined;
  // Bundled at synth: the files the handler names are made then. (AssetCode keeps its options private.)
  if ((code as unknown as { options?: { bundling?: unknown } }).options?.bundling !== undefined) return undefined;
  const dir = path.resolve(code.path);
  return fs.existsSync(dir) && fs.statSync(dir).isDirectory() ? dir : undefined;
}

/** Where the handler's module is, relative to the code's root, and the files that may hold it. */
function moduleFiles(handler: string, language: HandlerLanguage): { module: string; candidates: string[] } {
  if (language === 'python') {
    const module = handler.slice(0, handler.lastIndexOf('.')).replace(/\./g, '/');
    return { module, candidates: [`${module}.py`, `${module}/__init__.py`] };
  }
  // `<root>/<module>.<export>`: the module is the base name up to its first dot.
  const base = path.posix.basename(handler);
  const module = path.posix.join(path.posix.dirname(handler), base.slice(0, base.indexOf('.')));
  return { module, candidates: [module, ...RUNNABLE.nodejs.map((ext) => `${module}${ext}`), `${module}/index.js`, `${module}/package.json`, `node_modules/${module}`] };
}

/** The runnable files of a directory, relative to the code's root (for "did you mean"). */
function runnableFiles(root: string, subdir: string, language: HandlerLanguage): string[] {
  try {
    return fs.readdirSync(path.join(root, subdir), { withFileTypes: true })
      .filter((e) => e.isFile() && RUNNABLE[language].includes(path.extname(e.name)))
      .map((e) => path.posix.join(subdir, e.name));
  } catch {
    return [];
  }
}

/**
 * Why `handler` names no file of `code`, with the fix; undefined when it does, or when that cannot be seen at synth
 * (a token, code that is not a local directory, user layers that may hold the module).
 */
export function missingHandlerFile(code: lambda.Code, handler: string, language: HandlerLanguage, hasUserLayers: boolean): string | undefined {
  const root = localDirectory(code);
  if (!root || hasUserLayers || Token.isUnresolved(handler)) return undefined;
  const { module, candidates } = moduleFiles(handler, language);
  if (candidates.some((file) => fs.existsSync(path.join(root, file)))) return undefined;

  const shown = path.relative(process.cwd(), root) || '.';
  const expected = language === 'python' ? `${module}.py` : `${module}.js`;
  const where = `handler: '${handler}' names ${expected}, which is not in the code's directory ${shown}`;
  if (language === 'nodejs' && fs.existsSync(path.join(root, `${module}.ts`))) {
    return `${where}; ${module}.ts is there, and Lambda runs JavaScript: compile it to ${module}.js in that directory first, ` +
      'or bundle it with aws-lambda-nodejs\'s NodejsFunction and pass the function with StripeEventHandler.fromFunction().';
  }
  const files = runnableFiles(root, path.posix.dirname(module), language);
  const exportName = language === 'python' ? handler.slice(handler.lastIndexOf('.') + 1) : path.posix.basename(handler).slice(path.posix.basename(handler).indexOf('.') + 1);
  const toHandler = (file: string) => {
    const withoutExt = file.slice(0, -path.extname(file).length);
    return `${language === 'python' ? withoutExt.replace(/\//g, '.') : withoutExt}.${exportName}`;
  };
  const near = closest(expected, files);
  if (near.length > 0) return `${where} (did you mean ${near.map((f) => `'${toHandler(f)}'`).join(' or ')}, for ${near.join(' or ')}?).`;
  const listed = files.length > 0 ? ` Its ${language === 'python' ? 'Python' : 'JavaScript'} files: ${files.slice(0, 8).join(', ')}.` : '';
  return `${where}.${listed} Give the handler as '<file without extension>.<function>', relative to that directory.`;
}
