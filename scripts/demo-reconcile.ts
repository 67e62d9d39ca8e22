/**
 * `npm run demo -- --reconcile`: proving that nothing was missed, on this machine.
 *
 * The Stripe account's event log (a local Events API) holds The Babes Club's events of the last days; a few
 * of them are dropped "before AWS" (a disabled event destination) and the rest are replayed through the
 * synthesized integration. Then the real `stripe-eventbridge reconcile` command (the CLI bundle, in a child
 * process) finds the dropped ones, `--backfill` sends them through the Lambda Invoke API of a local
 * stand-in that runs the handlers' real assets, a second check finds nothing missing, and the original
 * deliveries arriving late are duplicates: each event's effect happens once.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { defaultStream } from '../examples/babes-club/replay/stream';
import { LOCAL_AWS_ENV } from '../src/cli/local/dynamodb-local';
import { LocalLambdaFunction } from '../src/cli/local/local-lambda';
import { replay } from '../src/cli/local/replay';
import { SynthesizedStack } from '../src/cli/local/synthesized-stack';
import { EventPattern } from '../src/event-pattern/event-pattern';
import { LambdaInvokeServer } from '../test/support/lambda-invoke-server';
import { StripeEventsServer } from '../test/support/stripe-events-server';
import { stripeV1SpecFile } from '../test/support/stripe-mock';

type Json = Record<string, any>;
const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'assets', 'cli', 'index', 'index.js');
const KEY = 'rk_test_51BabesClubReadEvents';
/** Lost before AWS: Mia's bank payment clearing, Ava's refund, Noah's recovered membership. */
const DROPPED = ['evt_1BabesMiaAsyncPaid', 'evt_1BabesAvaRefund', 'evt_1BabesNoahRecovered'];

export interface ReconcileDemoOptions {
  readonly stack: SynthesizedStack;
  readonly cdkOut: string;
  readonly ddb: { readonly endpoint: string; readonly client: DynamoDBClient };
}

/** The default stream, moved to the last two days (its order kept), so that it lies in Stripe's window. */
function recentStream(): Json[] {
  const stream = defaultStream();
  const valid = stream.filter((e) => typeof e.detail?.id === 'string' && e.detail.id.startsWith('evt_'));
  const order = [...new Set(valid.map((e) => e.detail.id as string))].sort(
    (a, b) => valid.find((e) => e.detail.id === a)!.detail.created - valid.find((e) => e.detail.id === b)!.detail.created,
  );
  const start = Math.floor(Date.now() / 1000) - 2 * 86400;
  return stream.map((e) => {
    const rank = order.indexOf(e.detail?.id);
    if (rank < 0) return e;
    const created = start + rank * 600;
    return { ...e, time: new Date(created * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'), detail: { ...e.detail, created } };
  });
}

/**
 * A Stripe event as the Events API lists it today: two of the published samples the stream is built from
 * predate the current shape (`pending_webhooks` missing, `previous_attributes: null`), which Stripe's
 * spec for GET /v1/events no longer allows.
 */
function asListed(event: Json): Json {
  const { previous_attributes: previous, ...data } = event.data;
  return { pending_webhooks: 0, ...event, data: previous ? { ...data, previous_attributes: previous } : data };
}

function run(args: string[], env: Record<string, string>): Promise<number> {
  console.log(`\n$ stripe-eventbridge ${args.join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('close', (code) => resolve(code ?? 2));
  });
}

/** The wrapper's outcome in an invocation's log. */
function outcomeOf(logs: string[]): string {
  for (const line of logs) {
    try {
      const outcome = JSON.parse(line).outcome;
      if (typeof outcome === 'string') return outcome;
    } catch {
      // not a JSON line
    }
  }
  return 'no outcome';
}

/** What the lost events were about, as the shop's commerce table has it. */
async function state(stack: SynthesizedStack, tables: Record<string, string>, client: DynamoDBClient): Promise<string> {
  const commerce = tables[stack.tables.find((t) => t.logicalId.startsWith('CommerceTable'))!.logicalId];
  const items = ((await client.send(new ScanCommand({ TableName: commerce, ConsistentRead: true }))).Items ?? []).map((i) => unmarshall(i));
  const find = (type: string, user: string) => items.find((i) => i.type === type && String(i.PK).includes(user));
  const mia = find('ORDER', 'mia');
  const ava = find('ORDER', 'ava');
  const noah = find('MEMBERSHIP', 'noah');
  return `${mia ? `Mia's order is ${mia.status}` : 'Mia has no order yet (her bank payment has not cleared)'}, Ava's order has ${ava?.amountRefunded ?? 0} of ${ava?.amount} refunded, Noah's membership is ${noah?.status}`;
}

export async function reconcileDemo({ stack, cdkOut, ddb }: ReconcileDemoOptions): Promise<number> {
  const events = recentStream();
  const validated = fs.existsSync(stripeV1SpecFile());
  const stripe = await StripeEventsServer.start({ apiKey: KEY, validate: validated });
  const log = new Map<string, Json>();
  for (const e of events) if (typeof e.detail?.id === 'string' && e.detail.id.startsWith('evt_')) log.set(e.detail.id, asListed(e.detail));
  stripe.seed(...log.values());
  const functions: Record<string, LocalLambdaFunction> = {};
  // Takes its functions when it starts, below, once they are made.
  let invokeServer: LambdaInvokeServer | undefined;
  try {
    console.log(
      `The Stripe account's event log (a local Events API${validated ? ', every request checked against Stripe\'s OpenAPI spec' : ''}) holds ` +
        `${log.size} events of the last two days. ${DROPPED.length} never reach AWS (a disabled event destination): ${DROPPED.join(', ')}.`,
    );
    const delivered = events.filter((e) => !DROPPED.includes(e.detail?.id));
    const replayed = await replay({ stack, events: delivered, ddb });
    const c = replayed.counts;
    console.log(
      `The other ${delivered.length} deliveries of the stream (redeliveries, a type no rule takes and a malformed event among them) went through ` +
        `the synthesized rules and functions: ${c.processed} processed, ${c.duplicate} duplicates, ${c.unmatched} unmatched, ${c.dlq} dead-lettered.`,
    );

    for (const fn of stack.functions.filter((f) => typeof f.rawEnvironment.STRIPE_EB_IDEMPOTENCY_TABLE === 'object')) {
      functions[fn.logicalId] = new LocalLambdaFunction(
        stack.localSpec(fn, (id) => replayed.tables[id], { ...LOCAL_AWS_ENV, AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint }),
      );
    }
    const env = {
      ...LOCAL_AWS_ENV,
      AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
      AWS_ENDPOINT_URL_LAMBDA: await (invokeServer = new LambdaInvokeServer(functions)).start(),
      STRIPE_EB_STRIPE_API_BASE: stripe.url,
      STRIPE_API_KEY: KEY,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    console.log(`Meanwhile in the shop: ${await state(stack, replayed.tables, ddb.client)}.`);
    const args = ['reconcile', '--synth', path.relative(process.cwd(), cdkOut), '--stack', 'BabesClubPayments', '--since', '3d'];
    const found = await run(args, env);
    const backfilled = await run([...args, '--backfill'], env);
    const server = invokeServer;
    const results = await server.settled();
    for (const [i, r] of results.entries()) {
      const event = server.invocations[i].event as Json;
      console.log(`  ${event.detail.id} → ${stack.functions.find((f) => f.logicalId === server.invocations[i].functionName)?.name}: ${r.ok ? outcomeOf(r.logs) : `FAILED ${r.error?.message}`}`);
    }
    const after = await run(args, env);

    // The destination is enabled again and the original deliveries arrive after all, routed by the rules: duplicates.
    const rules = stack.rules.map((r) => ({ pattern: EventPattern.compile(r.pattern as object), targets: r.targets.map((t) => t.logicalId!) }));
    const lateOutcomes: string[] = [];
    for (const e of events.filter((x) => DROPPED.includes(x.detail?.id))) {
      for (const target of rules.filter((r) => r.pattern.matches(e)).flatMap((r) => r.targets)) {
        lateOutcomes.push(outcomeOf((await functions[target].invoke(e)).logs));
      }
    }
    console.log(`\nThe original deliveries arrive late after all: ${lateOutcomes.filter((o) => o === 'duplicate').length} of ${lateOutcomes.length} are duplicates; nothing happens twice.`);

    console.log(`After the backfill: ${await state(stack, replayed.tables, ddb.client)}.`);

    const ok = found === 1 && backfilled === 0 && after === 0 && results.length === DROPPED.length && results.every((r) => r.ok && outcomeOf(r.logs) === 'processed')
      && lateOutcomes.length > 0 && lateOutcomes.every((o) => o === 'duplicate') && stripe.violations.length === 0;
    console.log(ok
      ? `\nReconciliation found the ${DROPPED.length} lost events and the backfill processed each once.`
      : `\nFAILED: expected the check to find ${DROPPED.length} missing events (exit 1), the backfill to process each once (exit 0), then nothing missing (exit 0)` +
        `${stripe.violations.length ? `; Stripe API spec violations: ${stripe.violations.join('; ')}` : ''}`);
    return ok ? 0 : 1;
  } finally {
    Object.values(functions).forEach((f) => f.close());
    await invokeServer?.stop();
    await stripe.close();
  }
}
