/**
 * Python CDK apps run by the CLI: which interpreter runs them, and how their failures read.
 *
 * The babes-stripe-eventbridge wheel installs a `stripe-eventbridge` script (jsii-pacmak writes it from package.json's
 * `bin`). It asks jsii's runtime for the command and runs it: this Node.js program, started with
 * `JSII_AGENT=Python/<version>` and with the directory of the runtime's own Node.js put first on PATH (@jsii/kernel
 * `getBinScriptCommand`). An app's `python3 app.py` would then find that directory's python3 (often /usr/bin's, without
 * aws-cdk-lib) instead of the environment's. The environment's interpreter is the one running the script, the parent of
 * this process; its argv[0] is the script's first line, which pip writes as the environment's own python.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The command line of the parent process (Linux's /proc, else `ps`), or undefined. */
function parentCommandLine(): string[] | undefined {
  try {
    return fs.readFileSync(`/proc/${process.ppid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
  } catch {
    const ps = spawnSync('ps', ['-o', 'command=', '-p', String(process.ppid)], { encoding: 'utf8' });
    return ps.status === 0 ? ps.stdout.trim().split(/\s+/) : undefined;
  }
}

/**
 * The interpreter of the Python environment the CLI was started from, when it runs as the wheel's `stripe-eventbridge`
 * script; undefined otherwise (e.g. from npx, where PATH is the user's own).
 */
export function callingPython(env: NodeJS.ProcessEnv = process.env, parentArgv: () => string[] | undefined = parentCommandLine): string | undefined {
  if (!env.JSII_AGENT?.startsWith('Python/')) return undefined;
  const interpreter = parentArgv()?.[0];
  return interpreter && path.isAbsolute(interpreter) && /python[\d.]*$/.test(path.basename(interpreter)) && fs.existsSync(interpreter) ? interpreter : undefined;
}

/** `env` with `python` first on PATH, as its environment's activation script would put it. */
export function withPythonFirst(env: NodeJS.ProcessEnv, python: string): NodeJS.ProcessEnv {
  const bin = path.dirname(python);
  const prefix = path.dirname(bin);
  const activated: NodeJS.ProcessEnv = { ...env, PATH: `${bin}${path.delimiter}${env.PATH ?? ''}` };
  if (fs.existsSync(path.join(prefix, 'pyvenv.cfg'))) activated.VIRTUAL_ENV = prefix;
  return activated;
}

/** The python3 that `env`'s PATH leads to, for messages. */
export function python3OnPath(env: NodeJS.ProcessEnv): string {
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, 'python3');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return 'python3';
}

/** Modules a Python CDK app with this library imports; missing, they mean the app ran on the wrong Python. */
const APP_MODULES = /^ModuleNotFoundError: No module named '(aws_cdk|constructs|babes_stripe_eventbridge)'/m;

/**
 * Why a Python app could not import aws-cdk-lib or this library, and what to do, when that is what its output says.
 */
export function missingModuleHint(output: string, appDir: string, env: NodeJS.ProcessEnv): string | undefined {
  const missing = APP_MODULES.exec(output)?.[1];
  if (!missing) return undefined;
  const venv = ['.venv', 'venv'].find((dir) => fs.existsSync(path.join(appDir, dir, 'bin', 'python')));
  const named = venv ? `"${venv}/bin/python app.py"` : '"<your environment>/bin/python app.py"';
  return (
    `The app ran on ${python3OnPath(env)}, which has no '${missing}'. Run stripe-eventbridge from the virtual environment ` +
    'that has aws-cdk-lib and babes-stripe-eventbridge (activate it, or run its bin/stripe-eventbridge), or name its ' +
    `interpreter in cdk.json: "app": ${named}.`
  );
}

const FRAME = /^ {2}File "(.+)", line (\d+), in (.+)$/;
const JS_CAUSE = /^jsii\.errors\.JavaScriptError:/;
const DIRECT_CAUSE = 'The above exception was the direct cause of the following exception:';

/**
 * A Python app's output with a failure from this library (or aws-cdk-lib) said once. jsii's Python runtime prints such
 * an error twice: the JavaScript error with its stack (jsii.errors.JavaScriptError), then the Python traceback through
 * jsii's own modules, ending in the same message. Kept: what the app printed before, the traceback's frames in the
 * app's own files (paths relative to its directory), and the error. Other output is returned unchanged.
 */
export function condenseJsiiTraceback(lines: readonly string[], appDir: string): string[] {
  const marker = lines.lastIndexOf(DIRECT_CAUSE);
  if (marker < 0) return [...lines];
  let cause = marker - 1;
  while (cause >= 0 && !JS_CAUSE.test(lines[cause])) cause--;
  const traceback = lines.indexOf('Traceback (most recent call last):', marker);
  if (cause < 0 || traceback < 0) return [...lines];

  const frames: string[] = [];
  let i = traceback + 1;
  for (; i < lines.length && lines[i].startsWith('  '); i++) {
    const frame = FRAME.exec(lines[i]);
    if (!frame) continue;
    const file = path.resolve(appDir, frame[1]);
    const own = !/[\\/](site|dist)-packages[\\/]|^<frozen /.test(frame[1]) && !path.relative(appDir, file).startsWith('..');
    if (!own) continue;
    frames.push(`  File "${path.relative(appDir, file)}", line ${frame[2]}, in ${frame[3]}`);
    // The frame's source line, without the carets that point into it.
    const code = lines[i + 1];
    if (code?.startsWith('    ') && !/^\s*[\^~]+\s*$/.test(code)) frames.push(code);
  }
  const error = lines.slice(i).filter((line, k, rest) => line !== '' || k < rest.length - 1);
  const header = frames.length > 0 ? ['Traceback (most recent call last), in the app\'s files:', ...frames] : [];
  return [...lines.slice(0, cause), ...header, ...error];
}
