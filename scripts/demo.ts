/**
 * The main job, on a fresh clone and without an AWS account: The Babes Club's integration end to end.
 *
 *   npm run demo                                  # the default stream (examples/babes-club/replay/stream.ts)
 *   npm run demo -- --count 1000                  # a generated 1,000-event stream
 *   npm run demo -- --events my-events.jsonl      # your own: one EventBridge event per line
 *   npm run demo -- --reconcile                   # events lost before AWS, found and backfilled (demo-reconcile.ts)
 *   npm run demo -- --app examples/python-app     # another app (its one stack): the Python example
 *
 * 1. synthesizes examples/babes-club (or the --app directory) with the CDK CLI;
 * 2. starts DynamoDB Local and creates the tables declared in the synthesized template;
 * 3. routes each event by evaluating every synthesized rule's pattern with the offline matcher;
 * 4. runs the matched function's real asset from cdk.out (wrapper layer and handler) with the template's
 *    environment pointed at the local tables, retrying failures as Lambda does, then dead-lettering;
 * 5. prints each event → handler → outcome, the resulting orders, sessions and memberships, and a summary.
 *
 * Exits non-zero if an event that should have been processed was not; stops everything it started.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { reconcileDemo } from './demo-reconcile';
import { defaultStream, generatedStream } from '../examples/babes-club/replay/stream';
import { isPythonCdkApp, synthesizeCdkApp } from '../src/cli/local/cdk-app';
import { LOCAL_AWS_ENV, startDynamoDbLocal } from '../src/cli/local/dynamodb-local';
import { preparePythonFunctions } from '../src/cli/local/python-env';
import { EventReport, replay } from '../src/cli/local/replay';
import { SynthesizedStack } from '../src/cli/local/synthesized-stack';

const ROOT = path.join(__dirname, '..');
const EXAMPLE = path.join(ROOT, 'examples', 'babes-club');

interface Args {
  app: string;
  events?: string;
  count?: number;
  concurrency?: number;
  quiet: boolean;
  reconcile?: boolean;
}

function parseArgs(argv: string[]): Args {
  const out: Args = { app: EXAMPLE, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '--app') out.app = path.resolve(process.cwd(), value());
    else if (arg === '--events') out.events = value();
    else if (arg === '--count') out.count = Number(value());
    else if (arg === '--concurrency') out.concurrency = Number(value());
    else if (arg === '--quiet') out.quiet = true;
    else if (arg === '--reconcile') out.reconcile = true;
    else throw new Error(`unknown argument ${arg}; use --app <dir>, --events <file.jsonl>, --count <n>, --concurrency <n>, --quiet or --reconcile`);
  }
  if (out.count !== undefined && !(Number.isInteger(out.count) && out.count > 0)) throw new Error('--count needs a positive whole number');
  if (out.reconcile && (out.events !== undefined || out.count !== undefined)) throw new Error('--reconcile runs its own stream; leave out --events and --count');
  if (out.reconcile && out.app !== EXAMPLE) throw new Error('--reconcile runs with examples/babes-club; leave out --app');
  return out;
}

function loadEvents(file: string): unknown[] {
  return fs
    .readFileSync(path.resolve(process.cwd(), file), 'utf8')
    .split('\n')
    .map((line, i) => [line.trim(), i + 1] as const)
    .filter(([line]) => line !== '')
    .map(([line, n]) => {
      try {
        return JSON.parse(line);
      } catch (err) {
        throw new Error(`${file}:${n} is not JSON: ${(err as Error).message}`);
      }
    });
}

function describe(report: EventReport): string {
  const what = `#${String(report.index + 1).padEnd(4)} ${(report.stripeEventId ?? '(no evt_ id)').padEnd(28)} ${(report.type ?? '?').padEnd(42)}`;
  if (report.deliveries.length === 0) return `${what} → no rule: unmatched`;
  return `${what} → ${report.deliveries
    .map((d) => {
      const retries = d.attempts > 1 ? ` after ${d.attempts} attempts` : '';
      if (d.outcome !== 'dlq') return `${d.handler}: ${d.outcome}${retries}`;
      return `${d.handler}: failed → dead-letter queue (${report.invalidReason ? 'expected: not a Stripe event' : 'UNEXPECTED'}; ${d.error})`;
    })
    .join('; ')}`;
}

/**
 * The Python a Python example app is synthesized with: STRIPE_EB_APP_PYTHON, or the virtual environment with the
 * wheel that `npx projen test:python` builds (made here, with the same script, when it is missing).
 */
function pythonCdkEnvironment(): string {
  if (process.env.STRIPE_EB_APP_PYTHON) return process.env.STRIPE_EB_APP_PYTHON;
  const python = path.join(ROOT, '.tmp', 'python', 'venv', 'bin', 'python');
  if (!fs.existsSync(python)) {
    console.log('building the Python wheel and its virtual environment (scripts/test-python.sh --setup-only; a few minutes, once)');
    execFileSync('bash', [path.join(ROOT, 'scripts', 'test-python.sh'), '--setup-only'], { cwd: ROOT, stdio: 'inherit' });
  }
  return python;
}

function table(title: string, rows: Record<string, unknown>[], columns: string[]): void {
  console.log(`\n${title} (${rows.length})`);
  for (const row of rows.slice(0, 25)) {
    console.log(`  ${columns.map((c) => String(row[c] ?? '-')).join('  ')}`);
  }
  if (rows.length > 25) console.log(`  … and ${rows.length - 25} more`);
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const events = args.events ? loadEvents(args.events) : args.count ? generatedStream(args.count) : defaultStream();
  const source = args.events ? args.events : args.count ? `a generated stream of ${args.count}` : 'the default stream';

  let t = Date.now();
  const cdkOut = path.join(args.app, 'cdk.out');
  synthesizeCdkApp(args.app, { cdkCli: path.join(ROOT, 'node_modules', '.bin', 'cdk'), outdir: cdkOut, python: isPythonCdkApp(args.app) ? pythonCdkEnvironment() : undefined });
  const stack = SynthesizedStack.load(cdkOut);
  preparePythonFunctions(stack.functions.map((f) => f.runtime), { dir: path.join(ROOT, '.tmp', 'python', 'local-lambda'), onInstall: console.log });
  console.log(
    `synthesized ${path.relative(ROOT, args.app)} in ${((Date.now() - t) / 1000).toFixed(1)} s: ` +
      `${stack.functions.length} functions, ${stack.rules.length} rules, ${stack.tables.length} tables`,
  );

  const ddb = await startDynamoDbLocal();
  const client = new DynamoDBClient({ endpoint: ddb.endpoint, region: LOCAL_AWS_ENV.AWS_REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    // Events lost before AWS, found by `stripe-eventbridge reconcile` and backfilled (scripts/demo-reconcile.ts).
    if (args.reconcile) return await reconcileDemo({ stack, cdkOut, ddb: { endpoint: ddb.endpoint, client } });
    console.log(`DynamoDB Local at ${ddb.endpoint}; replaying ${events.length} events from ${source}\n`);
    t = Date.now();
    const report = await replay({
      stack,
      events,
      ddb: { endpoint: ddb.endpoint, client },
      concurrency: args.concurrency,
      onEvent: args.quiet ? undefined : (r) => console.log(describe(r)),
    });
    const seconds = (Date.now() - t) / 1000;

    const commerce = report.tables[stack.tables.find((x) => x.logicalId.startsWith('CommerceTable'))!.logicalId];
    const items = (await client.send(new ScanCommand({ TableName: commerce, ConsistentRead: true }))).Items?.map((i) => unmarshall(i)) ?? [];
    table('Orders', items.filter((i) => i.type === 'ORDER'), ['PK', 'SK', 'amount', 'currency', 'email', 'status', 'amountRefunded']);
    table('Checkout sessions', items.filter((i) => i.SK === 'SESSION'), ['PK', 'status', 'userId']);
    table('Memberships', items.filter((i) => i.type === 'MEMBERSHIP'), ['PK', 'status', 'stripeStatus', 'subscriptionId', 'currentPeriodEnd']);

    const c = report.counts;
    const unexpected = c.dlq - c.expectedDlq;
    console.log(
      `\n${events.length} events in ${seconds.toFixed(2)} s (${(events.length / seconds).toFixed(0)} events/s): ` +
        `${c.processed} processed, ${c.duplicate} duplicates, ${c.unmatched} unmatched, ` +
        `${c.expectedDlq} dead-lettered as expected (not Stripe events), ${unexpected} failed, ${c.retried} retries`,
    );
    if (unexpected > 0) {
      console.log(`FAILED: ${unexpected} deliveries of valid Stripe events ended in the dead-letter queue`);
      return 1;
    }
    return 0;
  } finally {
    client.destroy();
    await ddb.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(2);
  },
);
