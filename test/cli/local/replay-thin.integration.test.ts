/**
 * Thin events through `stripe-eventbridge replay`, as users run it: the bundled CLI in a child process, on
 * examples/platform-accounts (its real bundled handlers and the real wrapper layer, whose `context.stripe` reads the
 * key from the replay's local Secrets Manager and fetches from its local Stripe API). First the command of
 * docs/local-development.md's `replay-thin` section, as printed, against the docs' output; then the same stream with a
 * snapshot event added, against the test run's DynamoDB Local, to read what the handlers wrote.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { App } from 'aws-cdk-lib';
import { PlatformAccountsStack } from '../../../examples/platform-accounts/lib/platform-accounts-stack';
import { ACCOUNTS, EVENT_SOURCE } from '../../../examples/platform-accounts/replay/stream';
import { readmeBlocks, REPO_ROOT } from '../../support/readme';

const CLI = path.join(REPO_ROOT, 'assets', 'cli', 'index', 'index.js');
const EXAMPLE = path.join(REPO_ROOT, 'examples', 'platform-accounts');
const timeless = (text: string) => text.trim().replace(/\d+\.\d+ s\b/g, 'N s').split('\n');

test('the replay-thin section: its command in examples/platform-accounts prints the docs\' output, nothing on standard error, exit 0', () => {
  const blocks = readmeBlocks().filter((b) => b.section === 'replay-thin');
  expect(blocks.map((b) => b.lang)).toEqual(['sh', 'text']);
  const [cd, run] = blocks[0].code.split('\n');
  expect(cd).toBe('cd examples/platform-accounts');
  const result = spawnSync('bash', ['-c', run.replace(/^npx stripe-eventbridge /, `node ${CLI} `)], { cwd: EXAMPLE, encoding: 'utf8', timeout: 180_000 });
  expect(result.stderr).toBe('');
  expect(timeless(result.stdout)).toEqual(timeless(blocks[1].code));
  expect(result.status).toBe(0);
}, 200_000);

test('--json: every fetch answered by the local Stripe API with the replay\'s key; the handlers\' rows as the accounts are; a snapshot event has no bus in a thin-only app', async () => {
  const work = fs.mkdtempSync(path.join(REPO_ROOT, '.tmp', 'replay-thin-'));
  const app = new App({ outdir: path.join(work, 'cdk.out'), context: JSON.parse(fs.readFileSync(path.join(EXAMPLE, 'cdk.json'), 'utf8')).context });
  new PlatformAccountsStack(app, 'PlatformAccounts', { eventSourceName: EVENT_SOURCE, readKeySecretName: 'platform/stripe-read-key' });
  const cdkOut = app.synth().directory;
  const snapshot = fs.readFileSync(path.join(REPO_ROOT, 'examples', 'babes-club', 'replay', 'sample-events.jsonl'), 'utf8').split('\n')[0];
  const events = path.join(work, 'events.jsonl');
  fs.writeFileSync(events, `${fs.readFileSync(path.join(EXAMPLE, 'replay', 'events.jsonl'), 'utf8')}${JSON.stringify(JSON.parse(snapshot).detail)}\n`);
  const endpoint = process.env.STRIPE_EB_TEST_DYNAMODB_ENDPOINT!;

  const result = spawnSync(process.execPath, [
    CLI, 'replay', '--synth', cdkOut, '--events', events, '--stripe-objects', path.join(EXAMPLE, 'replay', 'stripe-objects.json'),
    '--json', '--concurrency', '1', '--dynamodb-endpoint', endpoint,
  ], { cwd: work, encoding: 'utf8', timeout: 180_000 });
  // With --json, the header goes to standard error.
  expect(result.stderr.trim().split('\n')).toEqual([
    `PlatformAccounts from ${cdkOut}: 2 functions, 2 rules, 2 tables`,
    expect.stringMatching(/^Stripe API \(local, checked against Stripe's v2 OpenAPI spec 2025-12-15\.clover\): 3 objects from .*stripe-objects\.json; 1 full event from the stream; 8 events and 1 account made from the notifications$/),
    `replaying 12 events from events.jsonl against DynamoDB at ${endpoint} (1 at a time)`,
  ]);
  const out = JSON.parse(result.stdout);
  expect(out.counts).toMatchObject({ processed: 9, duplicate: 2, unmatched: 1, dlq: 0, failed: 0, unreadable: 0 });
  expect(out.events.at(-1)).toMatchObject({ type: 'checkout.session.completed', noBusFor: 'snapshot', deliveries: [] });
  expect(out.exitCode).toBe(0);
  expect(result.status).toBe(0);

  // One GET per fresh event (duplicates fetch nothing): the account, with its requirements for their handler.
  const { requests, problems } = out.stripeApi;
  expect(problems).toEqual([]);
  expect(requests.map((r: any) => `${r.method} ${r.path} ${r.status}`)).toEqual([
    `GET /v2/core/accounts/${ACCOUNTS.furever} 200`,
    `GET /v2/core/accounts/${ACCOUNTS.furever}?include[0]=requirements 200`,
    `GET /v2/core/accounts/${ACCOUNTS.rocket} 200`,
    `GET /v2/core/accounts/${ACCOUNTS.furever} 200`,
    `GET /v2/core/accounts/${ACCOUNTS.corner} 200`,
    `GET /v2/core/accounts/${ACCOUNTS.corner} 200`,
    `GET /v2/core/accounts/${ACCOUNTS.unseeded} 200`,
    `GET /v2/core/accounts/${ACCOUNTS.rocket}?include[0]=requirements 200`,
    `GET /v2/core/accounts/${ACCOUNTS.rocket} 200`,
  ]);

  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    // The replay's name of the accounts table: `replay-<logical id>`.
    const template = JSON.parse(fs.readFileSync(path.join(cdkOut, 'PlatformAccounts.template.json'), 'utf8'));
    const logicalId = Object.keys(template.Resources).find((id) => id.startsWith('ConnectedAccountsTable'));
    const table = `replay-${logicalId}`;
    const rows = ((await client.send(new ScanCommand({ TableName: table, ConsistentRead: true }))).Items ?? []).map((i) => unmarshall(i));
    const byId = Object.fromEntries(rows.map((r) => [r.accountId, r]));
    expect(Object.keys(byId).sort()).toEqual(Object.values(ACCOUNTS).sort());
    expect(byId[ACCOUNTS.furever]).toMatchObject({
      displayName: 'Furever Pet Supplies',
      status: 'active',
      configurations: ['customer', 'merchant'],
      requirementsStatus: 'currently_due',
      requirementsDue: ['business_details.address', 'identity.attestations.terms_of_service.account'],
    });
    expect(byId[ACCOUNTS.rocket]).toMatchObject({ displayName: 'Rocket Rides', status: 'active', requirementsStatus: 'none', requirementsDue: [] });
    expect(byId[ACCOUNTS.corner]).toMatchObject({ displayName: 'Corner Coffee', status: 'closed' });
    // Not in stripe-objects.json: the minimal account the local API made from its notification.
    expect(byId[ACCOUNTS.unseeded]).toMatchObject({ displayName: null, status: 'active', configurations: [] });
  } finally {
    client.destroy();
  }
}, 200_000);
