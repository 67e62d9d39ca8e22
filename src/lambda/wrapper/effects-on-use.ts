/**
 * `context.effects`, loaded on first use. transactWrite and putLatest (effects.ts and latest-state*.ts, about 15 KB of
 * the layer) are a file of their own beside wrapper.js (`stripe-eventbridge/effects.js`), which Node.js loads when a
 * handler first calls one of them: a handler that never does, and every duplicate, skips them, and the wrapper's cold
 * init is that of its idempotency alone (bench/run.ts measures it against hand-written Powertools).
 */
import * as path from 'node:path';
import type { EffectsContext, StripeEffects } from './effects';

let loaded: typeof import('./effects') | undefined;

function effectsModule(): typeof import('./effects') {
  // Not a literal: esbuild leaves it to Node, which finds effects.js beside wrapper.js (jest finds the .ts).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require(path.join(__dirname, 'effects')) as typeof import('./effects');
  return loaded;
}

/** This invocation's `context.effects`: each call loads effects.js once per environment and hands over to it. */
export function createEffects(ctx: EffectsContext): StripeEffects {
  return {
    transactWrite: (input, result) => effectsModule().createEffects(ctx).transactWrite(input, result),
    putLatest: (input, result) => effectsModule().createEffects(ctx).putLatest(input, result),
  };
}
