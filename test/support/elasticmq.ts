/**
 * ElasticMQ, an SQS-compatible server (Maven Central org.elasticmq:elasticmq-server_2.13), for tests of
 * code that reads SQS. Resolved with Maven into the workspace's .tmp/m2, started on a free loopback port,
 * stopped by the test.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freePort, waitForPort } from '../../src/cli/local/dynamodb-local';

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
      // Queue URLs and ARNs in the account and region of the Lambda stand-in's functions.
      'aws { region = "us-east-1", accountId = "123456789012" }',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('java', [`-Dconfig.file=${config}`, '-cp', classpath(), 'org.elasticmq.server.Main'], { stdio: 'ignore' });
  try {
    await waitForPort(port, child, 60_000, 'ElasticMQ');
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
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
