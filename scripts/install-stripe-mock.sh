#!/usr/bin/env bash
# Installs stripe-mock (Stripe's own mock of its API, github.com/stripe/stripe-mock) into .tmp/go/bin with
# `go install` through the Go module proxy, for the tests of the Stripe Events API client. Everything Go
# writes (module cache, build cache) stays under .tmp/go; the module cache is kept writable (-modcacherw) so
# that `rm -rf .tmp` works for any user. stripe-mock embeds Stripe's v1 OpenAPI spec, which the tests also
# read from the module cache (embedded/openapi/spec3.json) to validate a local Events API stand-in.
#
# Pinned, so that the spec the tests validate against changes only with this line. Prints the binary's path.
# Does nothing when that version is already installed. Run by the jest global setup and by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

STRIPE_MOCK_VERSION=v0.203.0

root="$PWD/.tmp/go"
bin="$root/bin/stripe-mock"
stamp="$root/bin/stripe-mock.version"
if [ -x "$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$STRIPE_MOCK_VERSION" ] \
  && [ -f "$root/mod/github.com/stripe/stripe-mock@$STRIPE_MOCK_VERSION/embedded/openapi/spec3.json" ]; then
  echo "$bin"
  exit 0
fi

if ! command -v go > /dev/null; then
  echo "install-stripe-mock: Go is not installed; the Stripe API tests need it to build stripe-mock (https://go.dev/dl/)" >&2
  exit 1
fi
mkdir -p "$root/bin" "$root/mod" "$root/cache"
echo "install-stripe-mock: go install github.com/stripe/stripe-mock@$STRIPE_MOCK_VERSION into .tmp/go (first run only)" >&2
GOBIN="$root/bin" GOPATH="$root" GOMODCACHE="$root/mod" GOCACHE="$root/cache" GOFLAGS="-modcacherw -buildvcs=false" \
  go install "github.com/stripe/stripe-mock@$STRIPE_MOCK_VERSION" >&2
echo "$STRIPE_MOCK_VERSION" > "$stamp"
echo "$bin"
