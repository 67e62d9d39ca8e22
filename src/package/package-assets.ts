/**
 * The pre-bundled assets shipped in the package's `assets/` directory (built by `npx projen bundle`):
 * the wrapper layer, the destination provider, the local Lambda sandbox and the CLI. Found from the
 * package root, so the same code works from `lib/` (the published package), from `src/` (tests) and
 * from inside the CLI bundle.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StripeEventBridgeError } from '../contract/errors';

const PACKAGE_NAME = '@babes/stripe-eventbridge';

function isPackageRoot(dir: string): boolean {
  const manifest = path.join(dir, 'package.json');
  if (!fs.existsSync(manifest)) return false;
  try {
    return (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === PACKAGE_NAME;
  } catch {
    return false;
  }
}

let root: string | undefined;

/** The directory holding this package's package.json. */
export function packageRoot(): string {
  if (root) return root;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (isPackageRoot(dir)) return (root = dir);
    if (path.dirname(dir) === dir) throw new StripeEventBridgeError(`cannot find the ${PACKAGE_NAME} package root above ${__dirname}`);
  }
}

/** A path inside the package's `assets/` directory, e.g. `packageAsset('lambda', 'wrapper', 'handler')`. */
export function packageAsset(...segments: string[]): string {
  return path.join(packageRoot(), 'assets', ...segments);
}
