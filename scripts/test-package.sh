#!/usr/bin/env bash
# The npm package as a user installs it: pack the tarball (jsii-pacmak, as a release would), install it into
# an empty project with only its dependencies and peer dependencies (aws-cdk-lib and constructs at the
# versions the tests use), then scripts/check-package.js loads every file it publishes.
#
# Run by `npm test` (projen task test:package) after test:python, which compiles. Everything stays under .tmp/.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
export npm_config_cache="${npm_config_cache:-$root/.tmp/npm-cache}"
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="$(node -p 'process.versions.node.split(".")[0]')"

[ -f lib/index.js ] || npx projen compile
rm -rf dist/js
npx projen package:js > /dev/null
tarballs=(dist/js/*.tgz)
if [ "${#tarballs[@]}" -ne 1 ] || [ ! -f "${tarballs[0]}" ]; then
  echo "test:package: expected exactly one tarball in dist/js, found: ${tarballs[*]}" >&2
  exit 1
fi

work="$root/.tmp/package-test"
rm -rf "$work"
mkdir -p "$work"
cdk_version=$(node -p 'require("aws-cdk-lib/package.json").version')
constructs_version=$(node -p 'require("constructs/package.json").version')
stripe_version=$(node -p 'JSON.parse(require("fs").readFileSync("node_modules/stripe/package.json", "utf8")).version')
types_lambda_version=$(node -p 'require("@types/aws-lambda/package.json").version')
echo '{ "name": "package-test", "version": "0.0.0", "private": true }' > "$work/package.json"
# The peer dependencies a CDK app has, and what docs/handlers.md tells TypeScript users to add for typed handlers.
(cd "$work" && npm install --no-audit --no-fund --prefer-offline --loglevel=error \
  "$root/${tarballs[0]}" "aws-cdk-lib@$cdk_version" "constructs@$constructs_version" \
  "stripe@$stripe_version" "@types/aws-lambda@$types_lambda_version")

# The README's install command for the tarball (section install), as a user beside the clone runs it: it names the
# version a clone builds (package.json stays at 0.0.0 between releases), so a release build runs it on its own tarball.
readme_npm=$(sed -n '/^<!-- section:install -->$/,/^<!-- \/section:install -->$/p' README.md | grep '^npm install ' || true)
if ! [[ "$readme_npm" =~ ^npm\ install\ \.\./stripe-eventbridge/dist/js/stripe-eventbridge@0\.0\.0\.jsii\.tgz$ ]]; then
  echo "test:package: the README's install section has no 'npm install ../stripe-eventbridge/dist/js/stripe-eventbridge@0.0.0.jsii.tgz' line: $readme_npm" >&2
  exit 1
fi
(cd "$work" && npm install --no-audit --no-fund --prefer-offline --loglevel=error "$root/${tarballs[0]}" > /dev/null) \
  || { echo "test:package: the README's \`$readme_npm\` failed" >&2; exit 1; }

node scripts/check-package.js "$work" "$root/${tarballs[0]}"

# `stripe-eventbridge replay` from the tarball, as a user runs it: a fresh CDK app (JavaScript, a Node.js and a Python
# handler) replays real Stripe samples. Its first run installs DynamoDB Local and the AWS SDK into the (emptied) cache
# directory, which proves the install on first use; the local Python runtime is the tests' when they made one.
bash scripts/check-package-replay.sh "$work"
