/**
 * stripe-mock, Stripe's own mock of its API (github.com/stripe/stripe-mock): installed into .tmp/go by
 * scripts/install-stripe-mock.sh (`go install`, run once by the jest global setup), started by the tests on
 * free loopback ports and stopped afterwards. It validates every request's parameters against Stripe's
 * OpenAPI spec and answers with fixtures; it is stateless (a list is always one fixture, `has_more: false`).
 *
 * Flags, from its main.go (v0.203.0): `-http-addr <ip>:<port>` and `-https-addr <ip>:<port>`, port 0 for
 * one the system picks, each printed as "Listening for HTTP at address: …". Both are given: with only
 * `-http-addr`, it also opens HTTPS on its default port 12112 on every interface.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const REPO = path.join(__dirname, '..', '..');
const INSTALL_SCRIPT = path.join(REPO, 'scripts', 'install-stripe-mock.sh');

/** The pinned version, from the install script (one place). */
export function stripeMockVersion(): string {
  const match = /^STRIPE_MOCK_VERSION=(\S+)$/m.exec(fs.readFileSync(INSTALL_SCRIPT, 'utf8'));
  if (!match) throw new Error(`no STRIPE_MOCK_VERSION in ${INSTALL_SCRIPT}`);
  return match[1];
}

/** Installs stripe-mock when it is not there yet (the first run on a machine builds it: about a minute). */
export function ensureStripeMock(): string {
  return execFileSync('bash', [INSTALL_SCRIPT], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

/** Stripe's v1 OpenAPI spec as embedded in the installed stripe-mock (info.version is the API version). */
export function stripeV1SpecFile(): string {
  return path.join(REPO, '.tmp', 'go', 'mod', 'github.com', 'stripe', `stripe-mock@${stripeMockVersion()}`, 'embedded', 'openapi', 'spec3.json');
}

export interface StripeMock {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly process: ChildProcess;
  /** What it printed (one line per request). */
  output(): string;
  stop(): Promise<void>;
}

export async function startStripeMock(): Promise<StripeMock> {
  const binary = ensureStripeMock();
  const child = spawn(binary, ['-http-addr', '127.0.0.1:0', '-https-addr', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`stripe-mock did not start within 30 s:\n${out}`)), 30_000);
    const check = () => {
      const match = /Listening for HTTP at address: (127\.0\.0\.1:\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(`http://${match[1]}`);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`stripe-mock exited with code ${code}:\n${out}`));
    });
  });
  return {
    url,
    process: child,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
