/**
 * The main job, on a fresh clone and without an AWS account: The Babes Club's integration end to end. It is
 * `stripe-eventbridge replay` (src/cli/commands/replay.ts) run on examples/babes-club, followed by the shop's own
 * tables as the handlers left them.
 *
 *   npm run demo                                  # the default stream (examples/babes-club/replay/stream.ts)
 *   npm run demo -- --count 1000                  # a generated 1,000-event stream
 *   npm run demo -- --events my-events.jsonl      # your own: one EventBridge event (or Stripe event) per line
 *   npm run demo -- --reconcile                   # events lost before AWS, found and backfilled (demo-reconcile.ts)
 *   npm run demo -- --app examples/python-app     # another app (its one stack): the Python example
 *   npm run demo -- --app examples/platform-accounts  # thin events: a platform's connected accounts
 *   npm run demo -- --quiet                       # the header and the summary
 *
 * An app's own `replay/` directory may hold its stream and what the local Stripe API serves: `replay/events.jsonl`
 * replaces The Babes Club's default stream, and `replay/stripe-objects.json` is given to the replay as `--stripe-objects`.
 *
 * Exits non-zero if a valid Stripe event was not processed or an entry of --events could not be replayed (the
 * default stream's one malformed event is dead-lettered on purpose); stops everything it started.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ScanCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { reconcileDemo } from './demo-reconcile';
import { defaultStream, generatedStream } from '../examples/babes-club/replay/stream';
import { replaySummary, runReplay } from '../src/cli/commands/replay';
import { isPythonCdkApp, synthesizeAppCommand } from '../src/cli/local/cdk-app';
import { LOCAL_AWS_ENV, startDynamoDbLocal } from '../src/cli/local/dynamodb-local';
import { failedDeliveries } from '../src/cli/local/replay-output';
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

/** A table with a header row and aligned columns: [header, field, format?]. */
function table(title: string, rows: Record<string, unknown>[], columns: [string, string, ((row: Record<string, unknown>) => string)?][]): void {
  const shown = rows.slice(0, 25);
  const cells = shown.map((row) => columns.map(([, field, format]) => (format ? format(row) : String(row[field] ?? '-'))));
  const widths = columns.map(([header], i) => Math.max(header.length, ...cells.map((c) => c[i].length)));
  const line = (values: string[]) => `  ${values.map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]))).join('  ')}`;
  console.log(`\n${title} (${rows.length})`);
  if (rows.length === 0) return;
  console.log(line(columns.map(([header]) => header)));
  for (const c of cells) console.log(line(c));
  if (rows.length > shown.length) console.log(`  … and ${rows.length - shown.length} more`);
}

const money = (amount: unknown, currency: unknown) => (typeof amount === 'number' ? `${(amount / 100).toFixed(2)} ${String(currency ?? '').toUpperCase()}` : '-');
const date = (seconds: unknown) => (typeof seconds === 'number' ? new Date(seconds * 1000).toISOString().slice(0, 10) : '-');

async function printShop(client: DynamoDBClient, stack: SynthesizedStack, tables: Record<string, string>): Promise<void> {
  const commerce = stack.tables.find((x) => x.logicalId.startsWith('CommerceTable'));
  if (!commerce) return;
  const scan = await client.send(new ScanCommand({ TableName: tables[commerce.logicalId], ConsistentRead: true }));
  const items = scan.Items?.map((i) => unmarshall(i)) ?? [];
  const byKey = (a: Record<string, any>, b: Record<string, any>) => `${a.PK}${a.SK}`.localeCompare(`${b.PK}${b.SK}`);
  table('Orders', items.filter((i) => i.type === 'ORDER').sort(byKey), [
    ['User', 'PK'],
    ['Order', 'SK'],
    ['Paid', 'amount', (r) => money(r.amount, r.currency)],
    ['E-mail', 'email'],
    ['Status', 'status'],
    ['Refunded', 'amountRefunded', (r) => (r.amountRefunded === undefined ? '-' : money(r.amountRefunded, r.currency))],
  ]);
  table('Checkout sessions', items.filter((i) => i.SK === 'SESSION').sort(byKey), [
    ['Session', 'PK'],
    ['Status', 'status'],
    ['User', 'userId'],
  ]);
  table('Memberships', items.filter((i) => i.type === 'MEMBERSHIP').sort(byKey), [
    ['User', 'PK'],
    ['Status', 'status'],
    ['Stripe status', 'stripeStatus'],
    ['Subscription', 'subscriptionId'],
    ['Paid until', 'currentPeriodEnd', (r) => date(r.currentPeriodEnd)],
  ]);
  // examples/python-app's thin events: what its handler fetched from Stripe for each meter error report.
  const reports = items.filter((i) => i.type === 'METER_ERROR_REPORT').sort(byKey);
  if (reports.length === 0) return;
  table('Meter error reports', reports, [
    ['Meter', 'meter', (r) => `${r.meter} (${String(r.PK).replace(/^METER#/, '')})`],
    ['Validated', 'validationStart', (r) => `${String(r.validationStart).slice(0, 16)} to ${String(r.validationEnd).slice(11, 16)}`],
    ['Errors', 'errorCount'],
    ['Codes', 'errorCodes', (r) => (Array.isArray(r.errorCodes) ? r.errorCodes.join(', ') : '-')],
  ]);
}

/** The demo's accounts table (examples/platform-accounts): one row per connected account, as the handlers keep it. */
async function printAccounts(client: DynamoDBClient, stack: SynthesizedStack, tables: Record<string, string>): Promise<void> {
  const accounts = stack.tables.find((x) => x.logicalId.startsWith('ConnectedAccounts'));
  if (!accounts) return;
  const scan = await client.send(new ScanCommand({ TableName: tables[accounts.logicalId], ConsistentRead: true }));
  const items = (scan.Items?.map((i) => unmarshall(i)) ?? []).sort((a, b) => String(a.accountId).localeCompare(String(b.accountId)));
  table('Connected accounts', items, [
    ['Account', 'accountId'],
    ['Name', 'displayName'],
    ['Status', 'status'],
    ['Configurations', 'configurations', (r) => (Array.isArray(r.configurations) && r.configurations.length > 0 ? r.configurations.join(',') : '-')],
    ['Requirements', 'requirementsStatus'],
    ['Due', 'requirementsDue', (r) => (Array.isArray(r.requirementsDue) ? String(r.requirementsDue.length) : '-')],
  ]);
}

/** The app's own file in its `replay/` directory, if it has it. */
function appReplayFile(app: string, name: string): string | undefined {
  const file = path.join(app, 'replay', name);
  return fs.existsSync(file) ? file : undefined;
}

/** The default stream of an app: its own, or The Babes Club's. */
function appStream(app: string): { file: string; label: string } {
  const own = appReplayFile(app, 'events.jsonl');
  if (own) return { file: own, label: path.relative(ROOT, own) };
  return { file: writeStream(defaultStream(), 'default-stream.jsonl'), label: 'the default stream (examples/babes-club/replay/stream.ts)' };
}

/** The default or generated stream as a JSON Lines file, for `replay --events`. */
function writeStream(events: unknown[], name: string): string {
  const dir = path.join(ROOT, '.tmp', 'demo');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  fs.writeFileSync(file, `${events.map((e) => JSON.stringify(e)).join('\n')}\n`);
  return file;
}

const io = {
  out: (text: string) => console.log(text),
  err: (text: string) => console.error(text),
  readInput: (file: string) => fs.readFileSync(file === '-' ? 0 : file, 'utf8'),
};

async function reconcile(): Promise<number> {
  const cdkOut = path.join(EXAMPLE, 'cdk.out');
  synthesizeAppCommand(EXAMPLE, cdkOut);
  const stack = SynthesizedStack.load(cdkOut);
  const ddb = await startDynamoDbLocal();
  const client = new DynamoDBClient({ endpoint: ddb.endpoint, region: LOCAL_AWS_ENV.AWS_REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    // Events lost before AWS, found by `stripe-eventbridge reconcile` and backfilled (scripts/demo-reconcile.ts).
    return await reconcileDemo({ stack, cdkOut, ddb: { endpoint: ddb.endpoint, client } });
  } finally {
    client.destroy();
    await ddb.stop();
  }
}

/**
 * Builds the assets the demo runs (the wrapper layers, the local sandbox, the CLI) with `projen bundle`, showing its
 * output only if it fails. STRIPE_EB_DEMO_BUNDLED=1 skips it (the tests, which bundle before they start).
 */
function bundle(): void {
  if (process.env.STRIPE_EB_DEMO_BUNDLED === '1') return;
  const run = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'projen'), ['bundle'], { cwd: ROOT, encoding: 'utf8' });
  if (run.status !== 0) {
    process.stderr.write(`${run.stdout ?? ''}${run.stderr ?? ''}`);
    throw new Error(`building the assets failed (npx projen bundle, exit code ${run.status ?? run.error?.message})`);
  }
}

async function main(): Promise<number> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const args = parseArgs(process.argv.slice(2));
  bundle();
  if (args.reconcile) return reconcile();
  if (isPythonCdkApp(args.app)) {
    // A Python app's `python3 app.py` runs on the environment with the wheel, as if it were activated.
    const python = pythonCdkEnvironment();
    process.env.PATH = `${path.dirname(python)}${path.delimiter}${process.env.PATH ?? ''}`;
    process.env.VIRTUAL_ENV = path.dirname(path.dirname(python));
  }
  const stream = args.events || args.count ? undefined : appStream(args.app);
  const events = args.events ?? (args.count ? writeStream(generatedStream(args.count), `generated-${args.count}.jsonl`) : stream!.file);
  const label = args.events ? args.events : args.count ? `a generated stream of ${args.count} (examples/babes-club/replay/stream.ts)` : stream!.label;
  const stripeObjects = appReplayFile(args.app, 'stripe-objects.json');
  console.log(`${path.relative(ROOT, args.app)} through \`stripe-eventbridge replay\``);
  const result = await runReplay({
    events,
    eventsLabel: label,
    appDir: args.app,
    concurrency: args.concurrency,
    quiet: args.quiet,
    pythonDir: path.join(ROOT, '.tmp', 'python', 'local-lambda'),
    stripeObjects,
    stripeObjectsLabel: stripeObjects && path.relative(ROOT, stripeObjects),
    afterReplay: args.quiet ? undefined : async ({ client, stack, report: r }) => {
      await printShop(client, stack, r.tables);
      await printAccounts(client, stack, r.tables);
    },
  }, io);
  const { report, stream: read, stripeApi } = result;
  console.log(`\n${replaySummary(result)}`);
  const failed = failedDeliveries(report);
  if (failed > 0) console.log(`FAILED: ${failed} deliveries of valid Stripe events ended in the dead-letter queue`);
  const unread = read.problems.length;
  if (unread > 0) console.log(`FAILED: ${unread} ${unread === 1 ? 'entry' : 'entries'} of ${label} could not be replayed (listed above)`);
  const stripeProblems = stripeApi?.problems.length ?? 0;
  if (stripeProblems > 0) console.log(`FAILED: the local Stripe API reported ${stripeProblems} ${stripeProblems === 1 ? 'problem' : 'problems'} (listed above)`);
  return failed > 0 || unread > 0 || stripeProblems > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(2);
  },
);
