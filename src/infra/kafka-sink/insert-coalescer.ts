import type { RejectRow } from './reject-row.js';

/** What one chunk of one partition's batch contributes to an insert: the sink's rows and its dead letters. */
export interface InsertPart<Row> {
  rows: Row[];
  rejects: RejectRow[];
}

interface Waiting<Row> {
  part: InsertPart<Row>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export interface InsertCoalescer<Row> {
  /** Resolves once an insert holding `part` succeeded; rejects with that insert's error. */
  add(part: InsertPart<Row>): Promise<void>;
}

export interface InsertCoalescerOptions<Row> {
  maxRows: number;
  /** How long the first waiting chunk waits for others before its insert starts. */
  lingerMs: number;
  /**
   * Inserts running at once (default 1). Two let the sink encode and send
   * one insert while ClickHouse parses the other; only for a `insert` whose
   * concurrent runs cannot disturb each other.
   */
  maxInFlight?: number;
  insert: (part: InsertPart<Row>) => Promise<void>;
}

const sizeOf = (part: InsertPart<unknown>) => part.rows.length + part.rejects.length;

/**
 * Merges the chunks that partitions consumed concurrently hand in at about
 * the same time into one insert of at most `maxRows` messages. ClickHouse
 * writes a part per insert, so a few large inserts cost far less than one
 * small insert per partition. One insert runs at a time (or `maxInFlight`);
 * what arrives meanwhile waits and goes in the next, so inserts grow with the
 * load. A partition hands in its next chunk only after the insert carrying
 * the previous one succeeded, so concurrent inserts never reorder a
 * partition's offsets.
 * A chunk is never split: each caller learns the outcome of the insert
 * that carried its chunk, and commits its offsets only after a success.
 */
export function createInsertCoalescer<Row>(options: InsertCoalescerOptions<Row>): InsertCoalescer<Row> {
  let waiting: Waiting<Row>[] = [];
  let waitingRows = 0;
  let timer: NodeJS.Timeout | undefined;
  let inFlight = 0;
  const maxInFlight = options.maxInFlight ?? 1;

  const takeGroup = (): Waiting<Row>[] => {
    let rows = 0;
    let count = 0;
    for (const entry of waiting) {
      if (count > 0 && rows + sizeOf(entry.part) > options.maxRows) break;
      rows += sizeOf(entry.part);
      count += 1;
    }
    const group = waiting.slice(0, count);
    waiting = waiting.slice(count);
    waitingRows -= rows;
    return group;
  };

  const flush = (): void => {
    clearTimeout(timer);
    timer = undefined;
    if (inFlight >= maxInFlight || waiting.length === 0) return;
    inFlight += 1;
    const group = takeGroup();
    const merged: InsertPart<Row> = { rows: group.flatMap((entry) => entry.part.rows), rejects: group.flatMap((entry) => entry.part.rejects) };
    void options
      .insert(merged)
      .then(
        () => group.forEach((entry) => entry.resolve()),
        (error: unknown) => group.forEach((entry) => entry.reject(error)),
      )
      .finally(() => {
        inFlight -= 1;
        flush();
      });
    // A second slot takes what is left now only if that fills an insert; otherwise it lingers as usual.
    if (waitingRows >= options.maxRows) flush();
    else if (waiting.length > 0) timer ??= setTimeout(flush, options.lingerMs);
  };

  return {
    add(part) {
      return new Promise<void>((resolve, reject) => {
        waiting.push({ part, resolve, reject });
        waitingRows += sizeOf(part);
        if (waitingRows >= options.maxRows) flush();
        else timer ??= setTimeout(flush, options.lingerMs);
      });
    },
  };
}
