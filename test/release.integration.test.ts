/**
 * Releases as projen construct libraries make them: `npx projen release` (versions from conventional commits, CHANGELOG.md,
 * the tarball and the wheel in dist/), `npx projen release:publish` run by a maintainer with registry tokens, and a dry
 * run in .ci/run. The dry run itself runs in .ci/run on the real artifacts; these tests check the wiring, the first
 * version, and that publishing refuses to start without what it needs (registries made unreachable, so nothing can leave).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './support/readme';

const tasks = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, '.projen', 'tasks.json'), 'utf8')).tasks;
const steps = (name: string): string[] =>
  tasks[name].steps.map((s: any) => s.spawn ?? s.builtin ?? s.exec ?? s.execArgs.join(' '));

/** A scratch git repository, for what must not touch this one. */
function scratchRepo(name: string): string {
  fs.mkdirSync(path.join(REPO_ROOT, '.tmp'), { recursive: true });
  const dir = fs.mkdtempSync(path.join(REPO_ROOT, '.tmp', `${name}-`));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
  git('init', '--quiet', '--initial-branch=main');
  fs.writeFileSync(path.join(dir, 'README.md'), 'scratch\n');
  git('add', '.');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '--quiet', '-m', 'feat: first');
  return dir;
}

test('npx projen release: bump from the conventional commits, the full build (tests, tarball, wheel), then CHANGELOG.md and a tag, not pushed', () => {
  expect(steps('release')).toEqual(['rm -fr dist', 'bump', 'build', 'unbump', 'git diff --ignore-space-at-eol --exit-code', 'publish:git']);
  expect(tasks.bump.env).toMatchObject({ BUMP_PACKAGE: expect.stringMatching(/^commit-and-tag-version@/), CHANGELOG: 'dist/changelog.md', BUMPFILE: 'dist/version.txt' });
  expect(steps('build')).toEqual(['default', 'pre-compile', 'compile', 'post-compile', 'test', 'package']);
  expect(steps('package-all')).toEqual(['package:js', 'package:python']);
  // The release commit and tag stay local until release:publish has published the artifacts.
  expect(steps('publish:git')).toEqual(['release/update-changelog', 'release/tag-version']);
  expect(tasks['publish:git'].env.PROJECT_CHANGELOG_FILE).toBe('CHANGELOG.md');
  expect(steps('release:publish')).toEqual(['bash scripts/release.sh publish']);
  expect(steps('release:dry-run')).toEqual(['bash scripts/release.sh dry-run']);
});

test('.ci/run runs the release dry run right after npm test, on the artifacts npm test packed', () => {
  const ci = fs.readFileSync(path.join(REPO_ROOT, '.ci', 'run'), 'utf8').split('\n').filter((l) => /^(npm|npx|bash|step)\b/.test(l));
  const test = ci.indexOf('npm test');
  expect(test).toBeGreaterThan(0);
  expect(ci[test + 1]).toMatch(/^step "the release, dry run/);
  expect(ci[test + 2]).toBe('npx projen release:dry-run');
  // No build of its own: only what `npm test` (test:python, test:package) left in dist/.
  const code = fs.readFileSync(path.join(REPO_ROOT, 'scripts', 'release.sh'), 'utf8').split('\n').filter((l) => !/^\s*#/.test(l));
  expect(code.filter((l) => /projen\W+(package|compile|bundle|build)|jsii-pacmak/.test(l))).toEqual([]);
});

test('the first release is 0.1.0; after a tag, the commits since it decide', () => {
  const command = steps('bump:next-version')[0];
  const repo = scratchRepo('release-version');
  const next = () => execFileSync('bash', ['-c', command], { cwd: repo, encoding: 'utf8' }).trim();
  expect(next()).toBe('0.1.0');
  execFileSync('git', ['tag', 'v0.1.0'], { cwd: repo });
  expect(next()).toBe('');
});

test('release:publish refuses to start without each thing it needs, and says how to get it', () => {
  const repo = scratchRepo('release-publish');
  fs.mkdirSync(path.join(repo, 'scripts'));
  fs.copyFileSync(path.join(REPO_ROOT, 'scripts', 'release.sh'), path.join(repo, 'scripts', 'release.sh'));
  const publish = (env: Record<string, string>) => {
    // Registries no one listens on: whatever happens, nothing is published.
    const base = { PATH: process.env.PATH!, HOME: repo, npm_config_registry: 'http://127.0.0.1:9/', TWINE_REPOSITORY_URL: 'http://127.0.0.1:9/' };
    const run = spawnSync('bash', ['scripts/release.sh', 'publish'], { cwd: repo, env: { ...base, ...env }, encoding: 'utf8' });
    expect(run.status).toBe(1);
    return run.stderr.trim();
  };
  expect(publish({})).toBe('release: NPM_TOKEN is not set: an npm access token that may publish @babes/stripe-eventbridge');
  expect(publish({ NPM_TOKEN: 'n' })).toBe('release: TWINE_PASSWORD is not set: a PyPI API token for babes-stripe-eventbridge');
  const tokens = { NPM_TOKEN: 'n', TWINE_PASSWORD: 't' };
  expect(publish(tokens)).toBe('release: dist/version.txt is missing: run `npx projen release` first');

  fs.mkdirSync(path.join(repo, 'dist', 'js'), { recursive: true });
  fs.mkdirSync(path.join(repo, 'dist', 'python'));
  fs.writeFileSync(path.join(repo, 'dist', 'version.txt'), '0.1.0');
  expect(publish(tokens)).toBe('release: HEAD is not tagged v0.1.0: run `npx projen release` (it commits CHANGELOG.md and tags the release)');

  execFileSync('git', ['tag', 'v0.1.0'], { cwd: repo });
  expect(publish(tokens)).toMatch(/^release: expected one npm tarball in dist\/js, found: {2}\(build them with `npx projen release`/);

  // A tarball packed at another version than the release's.
  fs.mkdirSync(path.join(repo, 'package'));
  fs.writeFileSync(path.join(repo, 'package', 'package.json'), JSON.stringify({ name: '@babes/stripe-eventbridge', version: '0.0.0' }));
  execFileSync('tar', ['-czf', 'dist/js/stripe-eventbridge@0.0.0.jsii.tgz', 'package'], { cwd: repo });
  fs.writeFileSync(path.join(repo, 'dist', 'python', 'babes_stripe_eventbridge-0.1.0-py3-none-any.whl'), '');
  fs.writeFileSync(path.join(repo, 'dist', 'python', 'babes_stripe_eventbridge-0.1.0.tar.gz'), '');
  expect(publish(tokens)).toBe('release: dist/js/stripe-eventbridge@0.0.0.jsii.tgz is version 0.0.0, not 0.1.0');
});
