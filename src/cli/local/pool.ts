/** Runs `work` over `items` with at most `concurrency` at a time; `work` may push more items (retries). */
export async function runPool<T>(items: readonly T[], concurrency: number, work: (item: T, queue: T[]) => Promise<void>): Promise<void> {
  const queue = [...items];
  let active = 0;
  await new Promise<void>((resolve, reject) => {
    const next = (): void => {
      if (queue.length === 0 && active === 0) return resolve();
      while (active < concurrency && queue.length > 0) {
        const item = queue.shift()!;
        active++;
        work(item, queue).then(
          () => {
            active--;
            next();
          },
          reject,
        );
      }
    };
    next();
  });
}
