/**
 * The JSON text of a pattern or an event given as an object. `JSON.stringify` recurses, so it throws
 * `RangeError: Maximum call stack size exceeded` for a value nested a few thousand levels deep. The reader
 * rejects anything nested deeper than MAX_NESTING_DEPTH at the container that goes one level too deep,
 * without reading on, so for such a value the containers below that level are written empty: the text is
 * the same up to the point where the reader stops, and the reader gives the same answer.
 */
import { MAX_NESTING_DEPTH } from './json-reader';

export function toJsonText(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    return JSON.stringify(cutBelow(value, MAX_NESTING_DEPTH + 1));
  }
}

function isContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  // A value with toJSON is written as what toJSON returns: left for JSON.stringify.
  return typeof value === 'object' && value !== null && typeof (value as { toJSON?: unknown }).toJSON !== 'function';
}

/** A copy of `value` whose arrays and objects at nesting level `depth` (the top is level 1) are empty. */
function cutBelow(value: unknown, depth: number): unknown {
  const copy = (v: unknown, level: number): unknown => {
    if (!isContainer(v)) return v;
    // (A prototype-less object, so that a "__proto__" key is copied as a key.)
    const empty = Array.isArray(v) ? [] : (Object.create(null) as Record<string, unknown>);
    if (level < depth) pending.push([v, empty, level]);
    return empty;
  };
  const pending: [Record<string, unknown> | unknown[], Record<string, unknown> | unknown[], number][] = [];
  const top = copy(value, 1);
  for (let item = pending.pop(); item; item = pending.pop()) {
    const [source, target, level] = item;
    if (Array.isArray(source)) {
      for (const element of source) (target as unknown[]).push(copy(element, level + 1));
    } else {
      for (const key of Object.keys(source)) (target as Record<string, unknown>)[key] = copy(source[key], level + 1);
    }
  }
  return top;
}
