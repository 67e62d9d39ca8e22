#!/usr/bin/env bash
# The Python bindings as another team uses them: build the wheel with jsii-pacmak, install it into a fresh
# virtual environment with aws-cdk-lib and constructs from PyPI, and run the pytest tests in test/python
# (they synthesize examples/python-app and the README's Python quick start).
#
# Run by `npm test` (projen task test:python), after `bundle`. Everything it writes and caches stays in
# the workspace, under .tmp/ and dist/.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
started=$(date +%s)

# Caches inside the workspace, whoever runs this (.ci/run sets the first four already).
export TMPDIR="${TMPDIR:-$root/.tmp/tmp}"
export CDK_HOME="${CDK_HOME:-$root/.tmp/cdk-home}"
export PIP_CACHE_DIR="${PIP_CACHE_DIR:-$root/.tmp/pip-cache}"
export npm_config_cache="${npm_config_cache:-$root/.tmp/npm-cache}"
# Where the jsii runtime unpacks aws-cdk-lib for Python (default: ~/.cache/aws/jsii/package-cache).
export JSII_RUNTIME_PACKAGE_CACHE_ROOT="${JSII_RUNTIME_PACKAGE_CACHE_ROOT:-$root/.tmp/jsii-package-cache}"
export PYTHONDONTWRITEBYTECODE=1
export PIP_DISABLE_PIP_VERSION_CHECK=1
# The tests run the CDK CLI from node_modules: no telemetry, no version check (CI reaches package registries only).
export CDK_DISABLE_CLI_TELEMETRY=true
export CDK_DISABLE_VERSION_CHECK=true
# The Node.js that runs the tests is not the user's to act on: jsii's 11-line end-of-life banner (which the Python
# runtime prints as byte strings) and the AWS SDK's NodeVersionSupportWarning are silenced by the variables they read.
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
node_major=$(node -p 'process.versions.node.split(".")[0]')
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="$node_major"
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION="$node_major"
mkdir -p "$TMPDIR" "$CDK_HOME"

step() { echo "test:python: $* ($(( $(date +%s) - started )) s)"; }

# 1. The wheel, with the command the README gives for building it locally. (`set -e` does not stop inside an
#    `&&` list, hence the explicit exit; an old wheel must never be tested instead.)
step "building the wheel"
rm -rf dist/python
npx projen bundle && npx projen compile && npx projen package:python || { echo "test:python: building the wheel failed" >&2; exit 1; }

wheels=(dist/python/babes_stripe_eventbridge-*.whl)
if [ "${#wheels[@]}" -ne 1 ] || [ ! -f "${wheels[0]}" ]; then
  echo "test:python: expected exactly one wheel in dist/python, found: ${wheels[*]}" >&2
  exit 1
fi

# 2. A fresh virtual environment with the wheel, the example app's requirements and pytest. aws-cdk-lib and
#    constructs are pinned to the versions the TypeScript tests use, so both suites check the same templates.
step "installing ${wheels[0]} into a fresh virtual environment"
venv="$root/.tmp/python/venv"
rm -rf "$venv"
python3 -m venv "$venv"
cdk_version=$(node -p 'require("aws-cdk-lib/package.json").version')
constructs_version=$(node -p 'require("constructs/package.json").version')
"$venv/bin/pip" install --quiet \
  "${wheels[0]}" \
  -r examples/python-app/requirements.txt \
  -r test/python/requirements.txt \
  "aws-cdk-lib==$cdk_version" "constructs==$constructs_version"

# The README's install command for the wheel (section install), as a user beside the clone runs it; it names the version
# a clone builds (package.json stays at 0.0.0 between releases), so a release build runs it on its own wheel.
readme_pip=$(sed -n '/^<!-- section:install -->$/,/^<!-- \/section:install -->$/p' README.md | grep '^pip install ' || true)
if ! [[ "$readme_pip" =~ ^pip\ install\ \.\./stripe-eventbridge/dist/python/babes_stripe_eventbridge-0\.0\.0-py3-none-any\.whl$ ]]; then
  echo "test:python: the README's install section has no 'pip install ../stripe-eventbridge/dist/python/babes_stripe_eventbridge-0.0.0-py3-none-any.whl' line: $readme_pip" >&2
  exit 1
fi
"$venv/bin/pip" install --quiet "$root/${wheels[0]}" || { echo "test:python: the README's \`$readme_pip\` failed" >&2; exit 1; }

# `--setup-only`: the wheel and the virtual environment, without the tests (the demo of examples/python-app uses them).
if [ "${1:-}" = "--setup-only" ]; then
  step "done: $venv"
  exit 0
fi

# 3. The tests. They import the library from the virtual environment only (a test checks where it comes from).
step "running pytest"
export STRIPE_EB_WHEEL="$root/${wheels[0]}"
"$venv/bin/python" -m pytest -p no:cacheprovider --rootdir test/python test/python "$@"
step "done"
