/**
 * The Node.js benchmark's four variants (bench/run.ts measures them end to end on DynamoDB Local, bench/cpu.ts
 * measures their own CPU time): how each is bundled and configured.
 */
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import type { Tables } from './measure';
import { LOCAL_AWS_ENV } from '../src/cli/local/dynamodb-local';
import type { LocalFunctionSpec } from '../src/cli/local/local-lambda';
import {
  ENV_DYNAMODB_ENDPOINT,
  ENV_HANDLER_NAME,
  ENV_IDEMPOTENCY_KEY_PREFIX,
  ENV_IDEMPOTENCY_TABLE,
  ENV_IDEMPOTENCY_TTL_SECONDS,
  ENV_USER_HANDLER,
  WRAPPER_HANDLER,
} from '../src/contract/wrapper';

export type Variant = 'bare' | 'powertools' | 'wrapper' | 'transactional';
export const VARIANTS: readonly Variant[] = ['bare', 'powertools', 'wrapper', 'transactional'];
export const LABEL: Record<Variant, string> = {
  bare: '(a) bare handler',
  powertools: '(b) Powertools makeIdempotent',
  wrapper: '(c) stripe-eventbridge wrapper',
  transactional: '(d) wrapper, transactional effects',
};
/** The variants whose handler the benchmark bundles itself; (c) is the layer with (a)'s handler as the user's code. */
export type Bundled = 'bare' | 'powertools' | 'transactional';
export const MEMORY_MB = 512; // the construct's default

const ROOT = path.join(__dirname, '..');
export const OUT_DIR = path.join(ROOT, '.tmp', 'bench');
/** The wrapper layer `projen bundle` builds; BENCH_WRAPPER_LAYER points at another build of it (to compare two). */
export const WRAPPER_LAYER = process.env.BENCH_WRAPPER_LAYER ?? path.join(ROOT, 'assets', 'lambda', 'wrapper', 'handler');
export const WRAPPER_FILE = path.join(WRAPPER_LAYER, 'stripe-eventbridge', 'wrapper.js');
/** `context.effects`, which the wrapper loads on a handler's first call (src/lambda/wrapper/effects-on-use.ts). */
export const EFFECTS_FILE = path.join(WRAPPER_LAYER, 'stripe-eventbridge', 'effects.js');

/** Bundles one of bench/handlers/ exactly as the wrapper layer is bundled; returns its directory (`index.js`). */
export async function bundleHandler(name: string): Promise<string> {
  const dir = path.join(OUT_DIR, name);
  await esbuild.build({
    entryPoints: [path.join(__dirname, 'handlers', `${name}.ts`)],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    external: ['@aws-sdk/*'],
    outfile: path.join(dir, 'index.js'),
    logLevel: 'warning',
  });
  return dir;
}

/** Bundles the handlers of (a), (b) and (d); returns their directories. */
export async function bundleHandlers(): Promise<Record<Bundled, string>> {
  return { bare: await bundleHandler('bare'), powertools: await bundleHandler('powertools'), transactional: await bundleHandler('transactional') };
}

/** The function of `variant`, configured as the construct configures a wrapped function for (c) and (d). */
export function spec(variant: Variant, name: string, dirs: Record<Bundled, string>, tables: Tables, endpoint: string): LocalFunctionSpec {
  const common = { ...LOCAL_AWS_ENV, BENCH_DYNAMODB_ENDPOINT: endpoint, BENCH_BUSINESS_TABLE: tables.business };
  if (variant === 'bare') {
    return { name, taskRoot: dirs.bare, handler: 'index.handler', memoryMb: MEMORY_MB, environment: common };
  }
  if (variant === 'powertools') {
    return { name, taskRoot: dirs.powertools, handler: 'index.handler', memoryMb: MEMORY_MB, environment: { ...common, BENCH_IDEMPOTENCY_TABLE: tables.idempotency } };
  }
  return wrappedSpec(name, variant === 'transactional' ? dirs.transactional : dirs.bare, tables, endpoint);
}

/**
 * A function of the user's code in `taskRoot` (`index.handler`) under the wrapper layer, configured as
 * StripeEventBridgeIntegration configures a wrapped function (test/support/local-stack.ts does the same), with the
 * tables' names in BENCH_* variables for the handler.
 */
export function wrappedSpec(
  name: string,
  taskRoot: string,
  tables: Tables,
  endpoint: string,
  environment: Record<string, string> = {},
): LocalFunctionSpec {
  return {
    name,
    taskRoot,
    handler: WRAPPER_HANDLER,
    layers: [WRAPPER_LAYER],
    memoryMb: MEMORY_MB,
    environment: {
      ...LOCAL_AWS_ENV,
      BENCH_DYNAMODB_ENDPOINT: endpoint,
      BENCH_BUSINESS_TABLE: tables.business,
      [ENV_USER_HANDLER]: 'index.handler',
      [ENV_HANDLER_NAME]: name,
      [ENV_IDEMPOTENCY_TABLE]: tables.idempotency,
      [ENV_IDEMPOTENCY_KEY_PREFIX]: `Bench.${name}`,
      [ENV_IDEMPOTENCY_TTL_SECONDS]: String(36 * 86_400),
      [ENV_DYNAMODB_ENDPOINT]: endpoint,
      POWERTOOLS_SERVICE_NAME: name,
      ...environment,
    },
  };
}
