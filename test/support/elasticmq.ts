/**
 * ElasticMQ, an SQS-compatible server (Maven Central org.elasticmq:elasticmq-server_2.13), for tests of
 * code that reads SQS. Resolved with Maven into the workspace's .tmp/m2, started on a free loopback port,
 * stopped by the test.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { freePort } from '../../src/local/dynamodb-local';

const ROOT = path.join(__dirname, '..', '..');
const TMP = path.join(ROOT, '.tmp');
const CLASSPATH_FILE = path.join(TMP, 'elasticmq.classpath');

function classpath(): string {
  if (!fs.existsSync(CLASSPATH_FILE)) {
    fs.mkdirSync(TMP, { recursive: true });
    execFileSync(
      'mvn',
      ['-q', '-B', '-f', path.join(ROOT, 'test', 'elasticmq', 'pom.xml'), `-Dmaven.repo.local=${path.join(TMP, 'm2')}`, 'dependency:build-classpath', `-Dmdep.outputFile=${CLASSPATH_FILE}`],
      { stdio: 'inherit', timeout: 300_000 },
    );
  }
  return fs.readFileSync(CLASSPATH_FILE, 'utf8').trim();
}

export interface ElasticMq {
  readonly endpoint: string;
  stop(): Promise<void>;
}

export async function startElasticMq(): Promise<ElasticMq> {
  const port = await freePort();
  const config = path.join(TMP, `elasticmq-${port}.conf`);
  fs.writeFileSync(
    config,
    [
      'include classpath("application.conf")',
      `node-address { protocol = http, host = "127.0.0.1", port = ${port}, context-path = "" }`,
      `rest-sqs { enabled = true, bind-port = ${port}, bind-hostname = "127.0.0.1", sqs-limits = strict }`,
      'rest-stats { enabled = false }',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('java', [`-Dconfig.file=${config}`, '-cp', classpath(), 'org.elasticmq.server.Main'], { stdio: 'ignore' });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`ElasticMQ exited with code ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('ElasticMQ did not start within 60 s');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
        fs.rmSync(config, { force: true });
      }),
  };
}
