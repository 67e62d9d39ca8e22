/**
 * Loads the user's handler the way the Lambda Node.js runtime does, so that the same handler string
 * works wrapped and unwrapped. Follows aws-lambda-nodejs-runtime-interface-client
 * (src/utils/handler-path.ts, src/function/module-loader.ts, src/function/handler-resolver.ts):
 * `<module root>/<module>.<nested.export>`, the module resolved against the task root with the
 * extensions '', '.js', '.mjs', '.cjs' in that order, then through Node's resolution; the export looked
 * up on the module and, failing that, on its `default` export.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { StripeEventBridgeError } from '../../contract/errors';

export type UserHandler = (event: unknown, context: unknown) => unknown;

/**
 * The handler string or the module it names is wrong. The wrapper starts loading during init and reports
 * this error on each invocation (outcome `failed`, handler not run), so the event goes to the retries and
 * the dead-letter queue instead of being lost.
 */
export class UserHandlerError extends StripeEventBridgeError {
  public readonly name = 'UserHandlerError';
}

export interface ParsedHandler {
  readonly moduleRoot: string;
  readonly moduleName: string;
  readonly exportPath: string;
}

const FUNCTION_EXPR = /^([^.]*)\.(.*)$/;

export function parseHandlerString(handler: string): ParsedHandler {
  if (handler.includes('..')) {
    throw new UserHandlerError(`'${handler}' is not a valid handler name: relative paths ('..') are not allowed`);
  }
  const base = path.basename(handler);
  const moduleRoot = handler.substring(0, handler.indexOf(base)).replace(/\/$/, '');
  const match = base.match(FUNCTION_EXPR);
  if (!match || !match[1] || !match[2]) {
    throw new UserHandlerError(`'${handler}' is not a valid handler name: expected '<file>.<export>', for example 'index.handler'`);
  }
  return { moduleRoot, moduleName: match[1], exportPath: match[2] };
}

/** ES modules need `import()`; CommonJS files are required (which also keeps the module cache shared). */
async function importFile(file: string): Promise<unknown> {
  if (file.endsWith('.mjs')) {
    return import(pathToFileURL(file).href);
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(file);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_REQUIRE_ESM' || code === 'ERR_REQUIRE_ASYNC_MODULE') {
      return import(pathToFileURL(file).href);
    }
    throw err;
  }
}

async function loadModule(taskRoot: string, parsed: ParsedHandler): Promise<unknown> {
  const base = path.resolve(taskRoot, parsed.moduleRoot, parsed.moduleName);
  for (const extension of ['', '.js', '.mjs', '.cjs']) {
    const candidate = base + extension;
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) {
      return importFile(candidate);
    }
  }
  const resolved = require.resolve(parsed.moduleName, { paths: [taskRoot, path.join(taskRoot, parsed.moduleRoot)] });
  return importFile(resolved);
}

function findExport(module: unknown, exportPath: string): unknown {
  return exportPath.split('.').reduce<unknown>(
    (nested, key) => (nested !== null && (typeof nested === 'object' || typeof nested === 'function') ? (nested as Record<string, unknown>)[key] : undefined),
    module,
  );
}

/** Loads and returns the user's handler function, or throws a UserHandlerError that names the fix. */
export async function loadUserHandler(taskRoot: string, handler: string): Promise<UserHandler> {
  const parsed = parseHandlerString(handler);
  let module: unknown;
  try {
    module = await loadModule(taskRoot, parsed);
  } catch (err) {
    if ((err as { code?: string }).code === 'MODULE_NOT_FOUND') {
      throw new UserHandlerError(
        `cannot load the module of handler '${handler}' from ${taskRoot}: ${(err as Error).message.split('\n')[0]}. ` +
          'Check that the handler string names a file in the function\'s code.',
      );
    }
    throw err;
  }
  let fn = findExport(module, parsed.exportPath);
  if (fn === undefined && typeof module === 'object' && module !== null && 'default' in module) {
    fn = findExport((module as { default: unknown }).default, parsed.exportPath);
  }
  if (fn === undefined || fn === null) {
    throw new UserHandlerError(`handler '${handler}' is undefined or not exported by its module`);
  }
  if (typeof fn !== 'function') {
    throw new UserHandlerError(`handler '${handler}' is not a function`);
  }
  return fn as UserHandler;
}
