/**
 * Iteration order of a Java `HashSet<String>` holding `values` (inserted in that order). Event Ruler keeps
 * the values of `anything-but` in such sets, and the order decides which of several invalid wildcard
 * values it reports and in which order it builds its state machine.
 */
/* eslint-disable no-bitwise -- Java's String.hashCode and HashMap.hash are bit arithmetic */
function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

export function javaHashSetOrder(values: readonly string[]): string[] {
  const unique = [...new Set(values)];
  let capacity = 16;
  while (unique.length > capacity * 0.75) capacity *= 2;
  const bucket = (s: string): number => {
    const h = javaStringHash(s);
    return (h ^ (h >>> 16)) & (capacity - 1);
  };
  // Resizing splits buckets without reordering their entries, so a stable sort by final bucket suffices.
  return unique.map((value, index) => ({ value, index, bucket: bucket(value) }))
    .sort((a, b) => a.bucket - b.bucket || a.index - b.index)
    .map((e) => e.value);
}
