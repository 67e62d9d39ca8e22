/** The bundled CLI (`npx projen bundle`) run as users run it: a child process, with only the environment a test gives. */
import { spawn } from 'node:child_process';
import * as path from 'node:path';

export const CLI = path.join(__dirname, '..', '..', 'assets', 'cli', 'index', 'index.js');

export interface CliRun {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

/**
 * Runs `stripe-eventbridge <args>` asynchronously (stand-ins in the test's process must keep serving), with
 * PATH and `env` as its whole environment.
 */
export function runCli(args: readonly string[], env: Record<string, string | undefined>): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}
