#!/usr/bin/env bash
# Publishing @babes/stripe-eventbridge (npm) and babes-stripe-eventbridge (PyPI), as a maintainer does it from a clone:
#
#   npx projen release           projen's release: the next version from the conventional commits since the last tag
#                                (commit-and-tag-version), then build, test and package into dist/ (the npm tarball, the
#                                wheel and the sdist, by jsii-pacmak), then a `chore(release): X.Y.Z` commit that prepends
#                                the entry to CHANGELOG.md, and the tag vX.Y.Z. Nothing leaves the machine.
#   npx projen release:publish   this script's `publish`: the checks below, then npm and PyPI, then the commit and the tag
#                                are pushed. Needs NPM_TOKEN and TWINE_PASSWORD (TWINE_USERNAME defaults to __token__).
#   npx projen release:dry-run   this script's `dry-run`, run by .ci/run: the version and changelog entry the next release
#                                would get, and every check of `publish` on the artifacts `npm test` left in dist/.
#
# The checks: exactly one tarball, wheel and sdist, all of the version being released; `npm publish --dry-run` on the
# tarball; `twine check --strict` on the wheel and the sdist.
#
# Not publib, which projen's GitHub release workflow runs: it writes the npm token into ~/.npmrc and pip-installs twine
# into the user's own Python, which suits a throwaway CI runner and not a maintainer's machine. Here the token stays in
# the environment (the npm configuration file this script writes names the variable, not its value) and twine lives in
# a virtual environment under .tmp/.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
export npm_config_cache="${npm_config_cache:-$root/.tmp/npm-cache}"
export PIP_CACHE_DIR="${PIP_CACHE_DIR:-$root/.tmp/pip-cache}"
export PIP_DISABLE_PIP_VERSION_CHECK=1

say() { echo "release: $*"; }
fail() { echo "release: $*" >&2; exit 1; }

# Runs a command quietly; prints what it said only when it fails.
quietly() {
  local log
  log=$(mktemp)
  if ! "$@" > "$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    fail "\`$*\` failed (its output is above)"
  fi
  rm -f "$log"
}

# The one file matching a pattern, or a failure naming what was found.
only_one() {
  local what="$1"
  shift
  [ "$#" -eq 1 ] && [ -f "$1" ] || fail "expected one $what, found: $* (build them with \`npx projen release\`, or \`npm test\` for a dry run)"
  echo "$1"
}

# twine: from the Python tests' virtual environment, which `npm test` made (test/python/requirements.txt includes
# scripts/release-requirements.txt), or else from one of its own.
twine() {
  local venv="$root/.tmp/python/venv"
  if [ ! -x "$venv/bin/twine" ]; then
    venv="$root/.tmp/release/venv"
    local stamp
    stamp=$(sha256sum scripts/release-requirements.txt | cut -d' ' -f1)
    if [ "$(cat "$venv/.requirements.sha256" 2>/dev/null)" != "$stamp" ]; then
      rm -rf "$venv"
      quietly python3 -m venv "$venv"
      quietly "$venv/bin/pip" install --quiet --no-input -r scripts/release-requirements.txt
      echo "$stamp" > "$venv/.requirements.sha256"
    fi
  fi
  "$venv/bin/twine" "$@"
}

# Checks dist/ holds one tarball, wheel and sdist of version $1, as npm and PyPI will take them. Sets tarball, wheel, sdist.
check_artifacts() {
  local version="$1" out
  shopt -s nullglob
  tarball=$(only_one "npm tarball in dist/js" dist/js/*.tgz)
  wheel=$(only_one "wheel in dist/python" dist/python/*.whl)
  sdist=$(only_one "sdist in dist/python" dist/python/*.tar.gz)
  shopt -u nullglob
  local tarball_version
  tarball_version=$(tar -xzOf "$tarball" package/package.json | node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).version')
  [ "$tarball_version" = "$version" ] || fail "$tarball is version $tarball_version, not $version"
  [[ "$(basename "$wheel")" == babes_stripe_eventbridge-"$version"-py3-none-any.whl ]] || fail "$wheel is not babes_stripe_eventbridge $version"
  [[ "$(basename "$sdist")" == babes_stripe_eventbridge-"$version".tar.gz ]] || fail "$sdist is not babes_stripe_eventbridge $version"

  out=$(npm publish --dry-run --access public "$tarball" 2>&1) || { echo "$out" >&2; fail "npm publish --dry-run $tarball failed"; }
  grep -qxF "+ @babes/stripe-eventbridge@$version" <<< "$out" || { echo "$out" >&2; fail "npm publish --dry-run did not publish @babes/stripe-eventbridge@$version"; }
  say "npm publish --dry-run: @babes/stripe-eventbridge@$version ($(sed -n 's/^npm notice total files: *//p' <<< "$out") files, $(sed -n 's/^npm notice package size: *//p' <<< "$out"))"
  quietly twine check --strict "$wheel" "$sdist"
  say "twine check --strict: $(basename "$wheel"), $(basename "$sdist")"
}

# An npm configuration that authenticates to the registry with $NPM_TOKEN (read by npm from the environment).
npm_userconfig() {
  local registry file
  registry=$(npm config get registry)
  file="$root/.tmp/release/npmrc"
  mkdir -p "$(dirname "$file")"
  # shellcheck disable=SC2016 # npm expands ${NPM_TOKEN} itself: the token is never written down.
  printf '%s\n' "registry=$registry" "//${registry#*://}:_authToken=\${NPM_TOKEN}" > "$file"
  echo "$file"
}

publish() {
  [ -n "${NPM_TOKEN:-}" ] || fail "NPM_TOKEN is not set: an npm access token that may publish @babes/stripe-eventbridge"
  [ -n "${TWINE_PASSWORD:-}" ] || fail "TWINE_PASSWORD is not set: a PyPI API token for babes-stripe-eventbridge"
  export TWINE_USERNAME="${TWINE_USERNAME:-__token__}"
  [ -f dist/version.txt ] || fail "dist/version.txt is missing: run \`npx projen release\` first"
  local version tag out
  version=$(cat dist/version.txt)
  tag="v$version"
  git tag --points-at HEAD | grep -qxF "$tag" || fail "HEAD is not tagged $tag: run \`npx projen release\` (it commits CHANGELOG.md and tags the release)"
  check_artifacts "$version"

  # Already published (a publish that stopped half way, run again): npm says so, and that is fine.
  if out=$(npm publish --access public --userconfig "$(npm_userconfig)" "$tarball" 2>&1); then
    say "published @babes/stripe-eventbridge@$version to npm"
  elif grep -q "cannot publish over the previously published versions" <<< "$out"; then
    say "@babes/stripe-eventbridge@$version is on npm already"
  else
    echo "$out" >&2
    fail "npm publish failed"
  fi
  twine upload --non-interactive --skip-existing "$wheel" "$sdist"
  say "published babes-stripe-eventbridge $version to PyPI"
  git push --follow-tags origin "$(git rev-parse --abbrev-ref HEAD)"
  say "pushed $tag"
}

dry_run() {
  local started=$SECONDS current next=
  current=$(node -p 'require("./package.json").version')
  # The next version and its changelog entry, as `npx projen release` computes them; package.json is restored after.
  trap '"$root/node_modules/.bin/projen" unbump > /dev/null 2>&1 || true' EXIT
  quietly "$root/node_modules/.bin/projen" bump
  quietly "$root/node_modules/.bin/projen" unbump
  trap - EXIT
  if [ -f dist/version.txt ]; then
    next=$(cat dist/version.txt)
    say "the next release is $next: its CHANGELOG.md entry has $(grep -c '^\* ' dist/changelog.md) changes since $(git tag --list 'v*' --sort=-version:refname | head -1 | grep . || echo 'the first commit')"
  else
    next=$current
    say "HEAD is a release commit: nothing to release"
  fi
  rm -f dist/version.txt dist/releasetag.txt dist/changelog.md
  # `npm test` packed these at the version in package.json; a release packs them again at the next version.
  check_artifacts "$current"
  say "dry run passed in $(( SECONDS - started )) s: a release would publish these at $next with \`npx projen release\`, then \`npx projen release:publish\`"
}

case "${1:-}" in
  publish) publish ;;
  dry-run) dry_run ;;
  *) fail "usage: scripts/release.sh publish|dry-run" ;;
esac
