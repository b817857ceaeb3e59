import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * The masking work one audit response may do, counted in units: one per
 * body character parsed and string character a text rule scans, a few per
 * JSON value visited. Masking is linear, so units track CPU time; the budget caps what a
 * single request can cost whatever the log holds.
 */
export interface MaskBudget {
  /** Spends `units` if they fit; once a request did not fit, nothing more does (later bodies are withheld too). */
  take(units: number): boolean;
  readonly spent: number;
  /** True once a slice of work was done since the last pause; the pause is then counted as taken. */
  pauseDue(): boolean;
  /** Lets other requests (and /health/live) run if a pause is due. */
  pace(): Promise<void>;
}

/**
 * About 8 MiB of body text: a page of 500 ordinary 4 KiB records takes under
 * half, any 1 MiB body fits alone.
 */
export const defaultMaskBudgetUnits = 8 * 1024 * 1024;

/** Work done between two pauses: a millisecond or two of masking. */
const unitsPerTurn = 64 * 1024;

export function createMaskBudget(limit: number = defaultMaskBudgetUnits): MaskBudget {
  let spent = 0;
  let closed = false;
  let pausedAt = 0;
  return {
    take(units) {
      if (closed || spent + units > limit) {
        closed = true;
        return false;
      }
      spent += units;
      return true;
    },
    get spent() {
      return spent;
    },
    pauseDue() {
      if (spent - pausedAt < unitsPerTurn) return false;
      pausedAt = spent;
      return true;
    },
    async pace() {
      if (this.pauseDue()) await nextTurn();
    },
  };
}
