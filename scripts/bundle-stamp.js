#!/usr/bin/env node
/**
 * Lets `npx projen bundle` skip the work when assets/ was built from the sources as they are now. The bundle task
 * runs `node scripts/bundle-stamp.js stale` as its condition (exit 0: bundle; exit 1: nothing to do) and
 * `node scripts/bundle-stamp.js record` as its last step.
 *
 * The stamp (.tmp/bundle-stamp.json) holds two digests: of everything a bundle is built from (every file under src/,
 * the Python layer's build script, the bundler's command lines in .projen/tasks.json, package-lock.json for the
 * installed packages, STRIPE_EB_BUILD_PYTHON), and of everything under assets/ as the bundle left it. Either one
 * differing (a source edited, a package upgraded, an asset deleted or changed by hand, a bundle run on its own) means
 * bundling again. Plain Node.js, so that the check costs a few hundred milliseconds, not a TypeScript compile.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const STAMP = path.join(ROOT, '.tmp', 'bundle-stamp.json');
const INPUTS = ['src', 'scripts/build-python-assets.ts', '.projen/tasks.json', 'package-lock.json'];
const OUTPUTS = ['assets'];

/** Every file under these paths (relative to the repository), sorted. */
function files(paths) {
  const out = [];
  const walk = (rel) => {
    const abs = path.join(ROOT, rel);
    if (!fs.existsSync(abs)) return;
    if (fs.statSync(abs).isDirectory()) {
      for (const name of fs.readdirSync(abs).sort()) {
        if (name !== '__pycache__') walk(path.join(rel, name));
      }
    } else {
      out.push(rel);
    }
  };
  paths.forEach(walk);
  return out;
}

/** One digest of the files' names and contents (and of `extra`); null when there are none. */
function digest(paths, extra = '') {
  const list = files(paths);
  if (list.length === 0) return null;
  const hash = crypto.createHash('sha256').update(extra);
  for (const rel of list) hash.update(`\0${rel}\0`).update(fs.readFileSync(path.join(ROOT, rel)));
  return hash.digest('hex');
}

const current = () => ({
  inputs: digest(INPUTS, `STRIPE_EB_BUILD_PYTHON=${process.env.STRIPE_EB_BUILD_PYTHON ?? ''}`),
  outputs: digest(OUTPUTS),
});

const command = process.argv[2];
if (command === 'record') {
  fs.mkdirSync(path.dirname(STAMP), { recursive: true });
  fs.writeFileSync(STAMP, `${JSON.stringify({ ...current(), recorded: new Date().toISOString() }, null, 2)}\n`);
} else if (command === 'stale') {
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(STAMP, 'utf8'));
  } catch {
    process.exit(0);
  }
  const now = current();
  if (now.outputs === null || now.inputs !== stamp.inputs || now.outputs !== stamp.outputs) process.exit(0);
  console.error(`assets/ is as \`npx projen bundle\` built it from the current sources (${stamp.recorded}): nothing to bundle`);
  process.exit(1);
} else {
  console.error('usage: node scripts/bundle-stamp.js stale|record');
  process.exit(2);
}
