/**
 * The sizes of the Python layers `projen bundle` built: the wrapper layer every wrapped Python function gets
 * (assets/lambda/python-wrapper) and the Stripe layer (stripe-python, assets/lambda/python-stripe) that only the
 * functions receiving thin events or holding a Stripe API key secret get. Unzipped bytes and files, and the size of
 * the zip Lambda receives (what counts against its 50 MB zipped upload limit and 250 MB unzipped for a function and
 * its layers).
 *
 * bench/python.ts records these with its other figures; `npx ts-node --project tsconfig.dev.json bench/python-layers.ts`
 * measures and records them alone (the `python_layer_*` and `python_stripe_layer_*` keys of bench/results/latest.json).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RESULTS, writeResults } from './results';

const ROOT = path.join(__dirname, '..');
export const PYTHON_WRAPPER_LAYER = path.join(ROOT, 'assets', 'lambda', 'python-wrapper');
export const PYTHON_STRIPE_LAYER = path.join(ROOT, 'assets', 'lambda', 'python-stripe');

export function directoryBytes(dir: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const sub = directoryBytes(full);
      bytes += sub.bytes;
      files += sub.files;
    } else {
      bytes += fs.statSync(full).size;
      files++;
    }
  }
  return { bytes, files };
}

/** A layer as Lambda receives it: the size of its zip. */
export function zippedBytes(dir: string): number | undefined {
  const zip = path.join(os.tmpdir(), `python-layer-${process.pid}.zip`);
  const done = spawnSync('python3', ['-c', 'import shutil,sys; shutil.make_archive(sys.argv[1][:-4], "zip", sys.argv[2])', zip, dir]);
  if (done.status !== 0) return undefined;
  const bytes = fs.statSync(zip).size;
  fs.rmSync(zip, { force: true });
  return bytes;
}

/** The figures of both layers, as bench/results/latest.json keeps them. */
export function pythonLayerFigures(): Record<string, number | undefined> {
  for (const [dir, marker] of [[PYTHON_WRAPPER_LAYER, 'python/stripe_eventbridge/wrapper.py'], [PYTHON_STRIPE_LAYER, 'python/stripe/__init__.py']]) {
    if (!fs.existsSync(path.join(dir, marker))) throw new Error(`${dir} is missing: run \`npx projen bundle\` first.`);
  }
  const wrapper = directoryBytes(PYTHON_WRAPPER_LAYER);
  const stripe = directoryBytes(PYTHON_STRIPE_LAYER);
  return {
    python_layer_bytes: wrapper.bytes,
    python_layer_zip_bytes: zippedBytes(PYTHON_WRAPPER_LAYER),
    python_layer_files: wrapper.files,
    python_stripe_layer_bytes: stripe.bytes,
    python_stripe_layer_zip_bytes: zippedBytes(PYTHON_STRIPE_LAYER),
    python_stripe_layer_files: stripe.files,
  };
}

if (require.main === module) {
  const figures = pythonLayerFigures();
  writeResults(figures);
  for (const [key, value] of Object.entries(figures)) console.log(`${key}: ${value}`);
  console.log(`written to ${path.relative(ROOT, RESULTS)}`);
}
