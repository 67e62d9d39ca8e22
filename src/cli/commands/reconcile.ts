/**
 * `stripe-eventbridge reconcile`: proves that every Stripe event of the integration's types reached its
 * handler, from Stripe's own event log (src/reconcile/), and backfills what did not. Uses the AWS SDK's
 * usual credentials, region and endpoint settings (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_DYNAMODB, …);
 * --stripe-api-base and --dynamodb-endpoint point it at local stand-ins.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient, DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DEFAULT_RECONCILE_GRACE_SECONDS, DEFAULT_RECONCILE_WINDOW_SECONDS, ENV_STRIPE_API_BASE } from '../../contract/reconcile';
import { backfill, BackfillSummary, lambdaInvoker } from '../../reconcile/backfill';
import { DurationFormatError, parseDuration } from '../../reconcile/durations';
import { reconcile } from '../../reconcile/reconcile';
import { formatReport, reportJson } from '../../reconcile/report-text';
import { ReconcileRoute } from '../../reconcile/routes';
import { createStripeClient, eventWindow, EventWindowError } from '../../reconcile/stripe-events';
import { CliCommand, CliIo, EXIT_INVALID, EXIT_NO, EXIT_OK, onThisMachine, parseOptions, urlOption, UsageError } from '../command';
import { DEFAULT_LOCAL_TABLE_PREFIX, routesFromAssembly } from '../reconcile/assembly-routes';
import { routesFromStack } from '../reconcile/deployed-stack';
import { ENV_STRIPE_API_KEY, stripeKey } from '../reconcile/stripe-key';

const HELP = `Usage:
  stripe-eventbridge reconcile --stack <name> [--since 3d] [--handler <names>] [--secret <id>] [--json]
                               [--backfill [--dry-run] [--limit <n>]]
  stripe-eventbridge reconcile --synth <cdk.out> [--stack <name>] [--table-prefix <prefix>] [...the same]

Lists the Stripe events of the integration's handler types from Stripe's Events API (GET /v1/events for
handlers of snapshot events, GET /v2/core/events for handlers of thin events), routes each one with the
rules' patterns exactly as EventBridge would, and looks up each handler's idempotency record (a thin event's
under its snapshot twin's id when it has one).
Prints, per handler, the events processed, in progress and missing (with their ids), and the events no
rule would take. Stripe keeps 30 days of events.

Where the integration is read from:
  --stack <name>        A deployed stack: CloudFormation (the template and its resources, nested stacks
                        included) and each handler function's environment (its idempotency table and key
                        prefix) through the Lambda API.
  --synth <cdk.out>     A cloud assembly, for local runs: with --stack, the stack in it; a table of the stack
                        is read as <prefix><logical id> (--table-prefix, default ${DEFAULT_LOCAL_TABLE_PREFIX}, the local replay's).

Options:
  --since <duration>    How far back: 3d, 12h, 90m (default 3d, at most 30d).
  --grace <duration>    Leave out events younger than this: they may still be on their way (default 15m).
  --handler <names>     Only these handlers (comma-separated names, e.g. Orders).
  --secret <id>         A Secrets Manager secret (ARN or name) holding the Stripe key. Without it, the key is
                        read from ${ENV_STRIPE_API_KEY}. Use a restricted key with Read access to Events (v1
                        and v2, for handlers of thin events); the key is never taken as an option value.
  --json                Print the report as JSON (event ids, types and times; never payloads).
  --backfill            Send each missing event to its handler's function in the EventBridge envelope a
                        partner bus delivers (a thin event as its notification; asynchronous invoke: the
                        function's retries and dead-letter queue apply; idempotency makes a repeat harmless).
  --dry-run             With --backfill: list what would be sent; invoke nothing.
  --limit <n>           With --backfill: send at most n events.
  --region <region>     The AWS region (default: the SDK's, e.g. AWS_REGION).

On this machine (with --synth), against local stand-ins:
  --stripe-api-base <url>      The Stripe API's address, e.g. stripe-mock's http://127.0.0.1:12111
                               (default https://api.stripe.com; or ${ENV_STRIPE_API_BASE}).
  --dynamodb-endpoint <url>    DynamoDB's address, e.g. DynamoDB Local's http://127.0.0.1:8000 (default: the
                               SDK's; or AWS_ENDPOINT_URL_DYNAMODB). On this machine's own addresses, no AWS
                               credentials are needed: DynamoDB Local takes any.
  For example, after \`stripe-eventbridge replay --synth cdk.out --events events.jsonl --dynamodb-endpoint
  http://127.0.0.1:8000\` left its tables in DynamoDB Local:
    STRIPE_API_KEY=sk_test_123 stripe-eventbridge reconcile --synth cdk.out --since 30d \\
      --stripe-api-base http://127.0.0.1:12111 --dynamodb-endpoint http://127.0.0.1:8000

Exit code: 0 when no event is missing (with --backfill: when every missing event was sent); 1 when events
are missing (or were not sent); 2 for bad options and errors.`;

interface Parsed {
  readonly stack?: string;
  readonly synth?: string;
  readonly sinceSeconds: number;
  readonly graceSeconds: number;
  readonly handlers?: string[];
  readonly secret?: string;
  readonly json: boolean;
  readonly backfill: boolean;
  readonly dryRun: boolean;
  readonly limit?: number;
  readonly region?: string;
  readonly tablePrefix: string;
  readonly stripeApiBase?: string;
  readonly dynamodbEndpoint?: string;
}

function parse(args: readonly string[]): Parsed {
  const o = parseOptions(args, {
    values: ['stack', 'synth', 'since', 'grace', 'handler', 'secret', 'limit', 'region', 'table-prefix', 'stripe-api-base', 'dynamodb-endpoint'],
    flags: ['json', 'backfill', 'dry-run'],
  });
  const v = o.values;
  if (v.stack === undefined && v.synth === undefined) throw new UsageError('name the integration: --stack <deployed stack> or --synth <cdk.out>');
  if (v['table-prefix'] !== undefined && v.synth === undefined) throw new UsageError('--table-prefix only applies with --synth');
  if (!o.flags.has('backfill') && (o.flags.has('dry-run') || v.limit !== undefined)) throw new UsageError('--dry-run and --limit only apply with --backfill');
  let limit: number | undefined;
  if (v.limit !== undefined) {
    limit = Number(v.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit needs a whole number of at least 1, got '${v.limit}'`);
  }
  const duration = (text: string | undefined, name: string, fallback: number) => {
    try {
      return text === undefined ? fallback : parseDuration(text, name);
    } catch (err) {
      if (err instanceof DurationFormatError) throw new UsageError(err.message);
      throw err;
    }
  };
  const sinceSeconds = duration(v.since, '--since', DEFAULT_RECONCILE_WINDOW_SECONDS);
  const graceSeconds = duration(v.grace, '--grace', DEFAULT_RECONCILE_GRACE_SECONDS);
  try {
    eventWindow(0, sinceSeconds, graceSeconds);
  } catch (err) {
    if (err instanceof EventWindowError) throw new UsageError(`--since, --grace: ${err.message}`);
    throw err;
  }
  return {
    stack: v.stack,
    synth: v.synth,
    sinceSeconds,
    graceSeconds,
    handlers: v.handler?.split(',').map((h) => h.trim()).filter((h) => h !== ''),
    secret: v.secret,
    json: o.flags.has('json'),
    backfill: o.flags.has('backfill'),
    dryRun: o.flags.has('dry-run'),
    limit,
    region: v.region,
    tablePrefix: v['table-prefix'] ?? DEFAULT_LOCAL_TABLE_PREFIX,
    stripeApiBase: urlOption(v['stripe-api-base'], 'stripe-api-base'),
    dynamodbEndpoint: urlOption(v['dynamodb-endpoint'], 'dynamodb-endpoint'),
  };
}

function only(routes: ReconcileRoute[], names: string[] | undefined): ReconcileRoute[] {
  if (!names) return routes;
  const unknown = names.filter((n) => !routes.some((r) => r.handler === n));
  if (unknown.length > 0) {
    throw new UsageError(`--handler: no handler named ${unknown.map((n) => `'${n}'`).join(', ')}; the integration's handlers are ${routes.map((r) => r.handler).join(', ')}`);
  }
  return routes.filter((r) => names.includes(r.handler));
}

/** The DynamoDB client's settings: the SDK's own (AWS_ENDPOINT_URL_DYNAMODB among them) unless --dynamodb-endpoint says. */
function dynamoDbConfig(p: Parsed): DynamoDBClientConfig {
  if (!p.dynamodbEndpoint) return { region: p.region };
  if (!onThisMachine(p.dynamodbEndpoint)) return { region: p.region, endpoint: p.dynamodbEndpoint };
  const anyCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  return { region: p.region ?? process.env.AWS_REGION ?? 'us-east-1', endpoint: p.dynamodbEndpoint, credentials: anyCredentials };
}

async function run(p: Parsed, io: CliIo): Promise<number> {
  const clients: Array<{ destroy(): void }> = [];
  const client = <T extends { destroy(): void }>(c: T): T => {
    clients.push(c);
    return c;
  };
  const lambda = () => client(new LambdaClient({ region: p.region }));
  try {
    // Checked before anything else is read: without a key there is nothing to compare with.
    const { key, from } = await stripeKey(process.env, p.secret, () => client(new SecretsManagerClient({ region: p.region })));
    if (key.startsWith('sk_')) io.err(`note: ${from} holds a secret key (sk_…); a restricted key with only Read access to Events is enough and safer.`);
    const now = Math.floor(Date.now() / 1000);
    const window = eventWindow(now, p.sinceSeconds, p.graceSeconds);
    const all = p.synth !== undefined
      ? routesFromAssembly(p.synth, p.stack, p.tablePrefix)
      : await routesFromStack(client(new CloudFormationClient({ region: p.region })), lambda(), p.stack!);
    const routes = only(all, p.handlers);
    const ddb = client(new DynamoDBClient(dynamoDbConfig(p)));
    const result = await reconcile({
      routes,
      stripe: createStripeClient(key, p.stripeApiBase ?? (process.env[ENV_STRIPE_API_BASE] || undefined)),
      ddb,
      window,
      now,
    });
    const { report } = result;
    let summary: BackfillSummary | undefined;
    if (!p.json) {
      io.out(formatReport(report, now).join('\n'));
      const them = report.missing === 1 ? 'it' : 'them';
      if (report.missing > 0 && !p.backfill) io.out(`Deliver ${them} with --backfill (add --dry-run to list ${them} first).`);
    }
    if (p.backfill && report.missing > 0) {
      const log = p.json ? undefined : io.out;
      summary = await backfill({ result, invoke: lambdaInvoker(lambda()), ddb, now, dryRun: p.dryRun, limit: p.limit, log });
    }
    if (p.json) io.out(JSON.stringify({ ...reportJson(report), ...(summary ? { backfill: summary } : {}) }, null, 2));
    if (report.missing === 0) return EXIT_OK;
    // Every missing event sent (a thin event by its snapshot twin): none failed, none left by the limit, none held back
    // (another key scope, failing before).
    return summary && !p.dryRun && summary.sent.length + summary.twins.length === report.missing ? EXIT_OK : EXIT_NO;
  } finally {
    for (const c of clients) c.destroy();
  }
}

export const command: CliCommand = {
  summary: 'Check every Stripe event of the last days against the handlers\' idempotency records; backfill what is missing',
  help: HELP,
  async run(args, io) {
    const parsed = parse(args);
    try {
      return await run(parsed, io);
    } catch (err) {
      if (err instanceof UsageError) throw err;
      io.err(`stripe-eventbridge reconcile: ${(err as Error).message ?? String(err)}`);
      return EXIT_INVALID;
    }
  },
};
