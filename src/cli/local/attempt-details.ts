/**
 * What a person needs to debug a failed local invocation, as `sam local invoke` shows a function's output: the error's
 * stack cut to the handler's own files (the function's code, not the wrapper layer, node_modules or site-packages),
 * named as they are in the app (`handlers/orders.js`, when the asset is a copy of an app file), and the lines the
 * handler printed (console.log, print, its own logger), without the wrapper's structured line and metrics.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LOG_FIELD } from '../../contract/log-fields';

/** Whether an output line is the wrapper's own: its per-delivery line (with `outcome`) or EMF metrics (`_aws`). */
function isWrapperLine(line: string): boolean {
  if (!line.startsWith('{') || !(line.includes(`"${LOG_FIELD.OUTCOME}"`) || line.includes('"_aws"'))) return false;
  try {
    const parsed = JSON.parse(line) as Record<string, unknown>;
    return LOG_FIELD.OUTCOME in parsed || '_aws' in parsed;
  } catch {
    return false;
  }
}

/** The lines the handler printed during an invocation, in order. */
export function handlerOutput(lines: readonly string[]): string[] {
  return lines.filter((line) => line.trim() !== '' && !isWrapperLine(line));
}

/** Skipped when looking for the app file an asset file was copied from. */
const NOT_SOURCES = new Set(['node_modules', '.git', '.venv', 'venv', '__pycache__', '.tmp', 'dist', 'coverage']);
const MAX_DEPTH = 6;

/**
 * Names a file of a function's code asset as the app names it: the app's file with the same name and the same
 * contents (an asset made with `Code.fromAsset('handlers')` is a copy of that directory), else its path in the asset.
 */
export class SourceLocator {
  private byName?: Map<string, string[]>;
  private readonly found = new Map<string, string>();

  constructor(private readonly appDir: string | undefined) {}

  name(codeDir: string, file: string): string {
    const key = `${codeDir}\0${file}`;
    let named = this.found.get(key);
    if (named === undefined) {
      named = this.lookUp(file) ?? path.relative(codeDir, file);
      this.found.set(key, named);
    }
    return named;
  }

  private lookUp(file: string): string | undefined {
    if (!this.appDir || !fs.existsSync(file)) return undefined;
    const contents = fs.readFileSync(file);
    const same = (this.index().get(path.basename(file)) ?? []).filter((candidate) => {
      try {
        return fs.readFileSync(candidate).equals(contents);
      } catch {
        return false;
      }
    });
    return same.length === 1 ? path.relative(this.appDir, same[0]) : undefined;
  }

  private index(): Map<string, string[]> {
    if (this.byName) return this.byName;
    const byName = new Map<string, string[]>();
    const walk = (dir: string, depth: number): void => {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const entry of entries) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
          if (depth < MAX_DEPTH && !NOT_SOURCES.has(entry.name) && !/^cdk\.out|\.cdk\.out$/.test(entry.name)) walk(full, depth + 1);
        } else if (entry.isFile()) {
          byName.set(entry.name, [...(byName.get(entry.name) ?? []), full]);
        }
      }
    };
    walk(this.appDir!, 0);
    return (this.byName = byName);
  }
}

const NODE_FRAME = /^\s+at (?:(.+?) \()?(.+?):(\d+):(\d+)\)?$/;
const PYTHON_FRAME = /^ {2}File "(.+)", line (\d+), in (.+)$/;

/** Whether `file` is part of the function's own code (not a dependency it ships). */
function ownFile(file: string, codeDir: string): boolean {
  const relative = path.relative(codeDir, file);
  return !relative.startsWith('..') && !path.isAbsolute(relative) && !/(^|[\\/])(node_modules|site-packages)[\\/]/.test(relative);
}

/**
 * The frames of an error's stack (Node.js or a Python traceback) in the function's own files, as the runtime writes
 * them: `at handler (handlers/orders.js:4:38)`, or Python's `File "handlers/orders.py", line 4, in handler` and its line.
 */
export function userFrames(stack: string | undefined, codeDir: string, locator: SourceLocator): string[] {
  const frames: string[] = [];
  const lines = (stack ?? '').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const node = NODE_FRAME.exec(lines[i]);
    if (node && ownFile(node[2], codeDir)) {
      const where = `${locator.name(codeDir, node[2])}:${node[3]}:${node[4]}`;
      frames.push(node[1] ? `at ${node[1]} (${where})` : `at ${where}`);
      continue;
    }
    const python = PYTHON_FRAME.exec(lines[i]);
    if (python && ownFile(python[1], codeDir)) {
      frames.push(`File "${locator.name(codeDir, python[1])}", line ${python[2]}, in ${python[3]}`);
      if (lines[i + 1]?.startsWith('    ')) frames.push(`  ${lines[i + 1].trim()}`);
    }
  }
  return frames;
}
