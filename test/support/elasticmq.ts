/**
 * ElasticMQ, an SQS-compatible server (Maven Central org.elasticmq:elasticmq-server_2.13), for tests of
 * code that reads SQS. Resolved with Maven into the workspace's .tmp/m2, started on a free loopback port,
 * stopped by the test.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { classpathOf, MavenClasspath } from './maven';
import { freePort, waitForPort } from '../../src/cli/local/dynamodb-local';

const ROOT = path.join(__dirname, '..', '..');
const TMP = path.join(ROOT, '.tmp');
/** ElasticMQ's server and its dependencies (resolved once for the run by the global setup). */
export const ELASTICMQ_CLASSPATH: MavenClasspath = {
  pom: path.join(ROOT, 'test', 'elasticmq', 'pom.xml'),
  classpathFile: path.join(TMP, 'elasticmq.classpath'),
};

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
  const child: ChildProcess = spawn('java', [`-Dconfig.file=${config}`, '-cp', classpathOf(ELASTICMQ_CLASSPATH), 'org.elasticmq.server.Main'], { stdio: 'ignore' });
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
