/**
 * A local Python execution environment: a Python process running python-bootstrap.py, the stand-in for the Lambda
 * Python runtime. Invocations go to its stdin and its messages come back on file descriptor 3, one JSON document per
 * line. The interpreter is `STRIPE_EB_LOCAL_PYTHON` (a virtual environment with boto3, which the Lambda Python
 * runtime provides: python-env.ts makes one) or `python3`.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { Readable } from 'node:stream';
import { ExecutionEnvironment } from './execution-environment';
import type { LocalFunctionSpec } from './function-spec';
import { ChildMessage, ParentMessage } from './protocol';
import { packageAsset } from '../../package/package-assets';

const BOOTSTRAP = packageAsset('cli', 'local', 'python-bootstrap', 'bootstrap.py');

/** The interpreter that runs local Python functions. */
export function localPython(): string {
  return process.env.STRIPE_EB_LOCAL_PYTHON || 'python3';
}

export class PythonSandbox extends ExecutionEnvironment {
  private readonly child: ChildProcess;

  constructor(spec: LocalFunctionSpec, baseEnvironment: Record<string, string>) {
    super(spec.name);
    const env: Record<string, string> = {
      ...baseEnvironment,
      AWS_EXECUTION_ENV: `AWS_Lambda_${spec.runtime}`,
      PYTHONUNBUFFERED: '1',
      // Lambda's /var/task and /opt are read-only: compiled modules go to a cache of their own, never into cdk.out.
      PYTHONPYCACHEPREFIX: path.join(os.tmpdir(), 'stripe-eventbridge-pycache'),
      ...spec.environment,
    };
    this.child = spawn(localPython(), ['-X', 'utf8', BOOTSTRAP], { cwd: spec.taskRoot, env, stdio: ['pipe', 'inherit', 'inherit', 'pipe'] });
    const lines = readline.createInterface({ input: this.child.stdio[3] as Readable, crlfDelay: Infinity });
    lines.on('line', (line) => this.received(JSON.parse(line) as ChildMessage));
    this.child.stdin!.on('error', () => undefined); // a dead process is reported by 'exit'
    this.child.on('error', (err) => this.received({ type: 'init_error', error: { name: err.name, message: `cannot start ${localPython()}: ${err.message}` } }));
    // 'close', not 'exit': the last messages on file descriptor 3 are read before it.
    this.child.on('close', (code, signal) => this.exitedWith(code, signal));
  }

  protected post(message: ParentMessage, onError: (err: Error) => void): void {
    this.child.stdin!.write(JSON.stringify(message) + '\n', (err) => {
      if (err) onError(err);
    });
  }

  protected kill(): void {
    this.child.kill('SIGKILL');
  }
}
