export interface CoalescedRunner {
  /** Starts a round, or asks the running one for one more; resolves when the rounds end. */
  run(): Promise<void>;
  /** Resolves once no round is running. */
  idle(): Promise<void>;
}

/**
 * Runs `round` one at a time. A call while a round runs asks for exactly one
 * more round after it, so a wake-up (a new message, a freed slot) is never
 * lost and never starts a second concurrent round.
 */
export function coalescedRunner(round: () => Promise<void>, active: () => boolean): CoalescedRunner {
  let current: Promise<void> | null = null;
  let again = false;
  return {
    run() {
      if (!active()) return Promise.resolve();
      if (current) {
        again = true;
        return current;
      }
      current = (async () => {
        do {
          again = false;
          await round();
        } while (again && active());
        current = null;
      })();
      return current;
    },
    idle: () => current ?? Promise.resolve(),
  };
}
