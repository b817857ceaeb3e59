interface Waiting<T> {
  item: T;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Queues items and hands them to `commit` in batches; see createGroupCommit. */
export interface GroupCommit<T> {
  /** Resolves once a `commit` that included `item` succeeded; rejects with its error otherwise. */
  add(item: T): Promise<void>;
  /** Resolves once every item added so far has been committed or rejected. */
  idle(): Promise<void>;
}

/**
 * Group commit: one `commit` runs at a time, and whatever is added while it
 * runs goes into the next call together. An fsync per batch instead of per
 * item keeps durable appends cheap under load without delaying a lone item.
 */
export function createGroupCommit<T>(commit: (items: T[]) => Promise<void>): GroupCommit<T> {
  let queue: Waiting<T>[] = [];
  let running: Promise<void> | null = null;

  const drain = async (): Promise<void> => {
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      try {
        await commit(batch.map((entry) => entry.item));
        for (const entry of batch) entry.resolve();
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    running = null;
  };

  return {
    add(item) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        running ??= drain();
      });
    },
    async idle() {
      while (running) await running;
    },
  };
}
