/** A local Node.js execution environment: a forked Node.js process running the lambda-sandbox bundle, over Node IPC. */
import { ChildProcess, fork } from 'node:child_process';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { ExecutionEnvironment } from './execution-environment';
import type { LocalFunctionSpec } from './function-spec';
import { ChildMessage, ParentMessage } from './protocol';
import { packageAsset } from '../../package/package-assets';

const SANDBOX_ENTRY = packageAsset('cli', 'local', 'lambda-sandbox', 'index.js');

/** Overrides where the sandbox finds the AWS SDK (the local replay's installed copy, local-dependencies.ts). */
export const SDK_NODE_PATH_ENV = 'STRIPE_EB_LOCAL_NODE_PATH';

/** Where the parent finds the AWS SDK: given to the sandbox as NODE_PATH, as the Lambda runtime provides it. */
function sdkNodePath(): string {
  if (process.env[SDK_NODE_PATH_ENV]) return process.env[SDK_NODE_PATH_ENV];
  // Resolved at run time from this module (not bundled: the SDK is the runtime's, as in Lambda).
  const entry = createRequire(__filename).resolve('@aws-sdk/client-dynamodb');
  return entry.slice(0, entry.lastIndexOf(`${path.sep}node_modules${path.sep}`) + '/node_modules'.length);
}

export class NodeSandbox extends ExecutionEnvironment {
  private readonly child: ChildProcess;

  constructor(spec: LocalFunctionSpec, baseEnvironment: Record<string, string>) {
    super(spec.name);
    const env: Record<string, string> = {
      ...baseEnvironment,
      NODE_PATH: sdkNodePath(),
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs_local',
      ...spec.environment,
    };
    // A clean Node.js, as in Lambda: not the parent's flags (e.g. ts-node's loader when run from a script).
    this.child = fork(SANDBOX_ENTRY, [], {
      cwd: spec.taskRoot,
      env,
      execArgv: [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    this.child.on('message', (message: ChildMessage) => this.received(message));
    this.child.on('exit', (code, signal) => this.exitedWith(code, signal));
  }

  protected post(message: ParentMessage, onError: (err: Error) => void): void {
    this.child.send(message, (err) => {
      if (err) onError(err);
    });
  }

  protected kill(): void {
    this.child.kill('SIGKILL');
  }
}
