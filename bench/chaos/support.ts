/** The chaos run's DynamoDB Local, which it kills and restarts, and its seeded randomness. */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DynamoDbLocal, freePort, startDynamoDbLocal } from '../../src/cli/local/dynamodb-local';

/**
 * Numbers in [0, 1) from a seed string, the same for the same string: SHA-256 counter mode, so that each
 * invocation's fault depends only on its seed, delivery and attempt, not on the order lanes run in.
 */
export function seededRandom(seed: string): () => number {
  let counter = 0;
  return () => createHash('sha256').update(`${seed}#${counter++}`).digest().readUInt32BE(0) / 2 ** 32;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * DynamoDB Local on a fixed port with its data in a database file (`-dbPath`, `-sharedDb`), so that a kill
 * (SIGKILL, no shutdown) and a restart on the same file keep what it acknowledged, as a real table does
 * across an outage. The file lives in /dev/shm when there is one (a RAM file system: it survives the process,
 * and writes need no disk), else in the workspace's .tmp.
 */
export class RestartableDynamoDb {
  public static async start(name: string): Promise<RestartableDynamoDb> {
    const base = fs.existsSync('/dev/shm') ? '/dev/shm' : path.join(__dirname, '..', '..', '.tmp');
    const dir = path.join(base, `stripe-eventbridge-${name}-${process.pid}`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const port = await freePort();
    return new RestartableDynamoDb(dir, port, await startDynamoDbLocal({ port, dbPath: dir, timeoutMs: 120_000 }));
  }

  private restarting?: Promise<void>;

  private constructor(private readonly dir: string, public readonly port: number, private current: DynamoDbLocal) {}

  public get endpoint(): string {
    return this.current.endpoint;
  }

  /** Kills DynamoDB Local (SIGKILL) and starts it again on the same port and file; requests meanwhile fail. */
  public crashAndRestart(): Promise<void> {
    if (this.restarting) return this.restarting;
    this.restarting = (async () => {
      const pid = this.current.pid!;
      process.kill(pid, 'SIGKILL');
      while (alive(pid)) await sleep(20);
      await sleep(200);
      this.current = await startDynamoDbLocal({ port: this.port, dbPath: this.dir, timeoutMs: 120_000 });
    })().finally(() => {
      this.restarting = undefined;
    });
    return this.restarting;
  }

  /** Resolves when no restart is under way. */
  public async settled(): Promise<void> {
    await this.restarting;
  }

  public async stop(): Promise<void> {
    await this.settled();
    await this.current.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
