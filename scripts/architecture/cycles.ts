/** Import cycles: Tarjan's strongly connected components; any component of two or more modules (or a self-import) is a cycle. */
import { rel } from './source-files';

export function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const problems: string[] = [];
  const strongConnect = (v: string): void => {
    indexOf.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indexOf.has(w)) {
        strongConnect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, indexOf.get(w)!));
      }
    }
    if (low.get(v) === indexOf.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) {
        problems.push(`import cycle: ${component.map(rel).sort().join(' ↔ ')}`);
      }
    }
  };
  for (const file of graph.keys()) if (!indexOf.has(file)) strongConnect(file);
  return problems;
}
