import type { WaitForOptions } from './correlation-store.js';

type Subscribe = (channel: string, onMessage: (message: string) => void) => Promise<() => Promise<void>>;

const never = new Promise<never>(() => undefined);

/**
 * `waitFor` built on an adapter's `subscribe`, so both adapters share one
 * implementation of the ordering and clean-up rules: the listener exists
 * before the subscription is requested, `onSubscribed` runs only once it is
 * active, and the subscription is removed whatever the outcome. `closed`
 * settles when the store closes, which ends the wait with null.
 */
export async function waitForMessage(
  subscribe: Subscribe,
  closed: Promise<void>,
  channel: string,
  timeoutMs: number,
  options: WaitForOptions = {},
): Promise<string | null> {
  let deliver: (message: string) => void = () => undefined;
  const received = new Promise<string>((resolve) => {
    deliver = resolve;
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), timeoutMs);
    void closed.then(() => resolve(null));
  });
  try {
    const subscribing = subscribe(channel, (message) => deliver(message));
    const unsubscribe = await Promise.race([subscribing, timedOut]);
    if (unsubscribe === null) {
      // The subscription became active after the deadline: drop it once it exists
      // (a subscription that failed late has nothing to drop).
      void subscribing.then(
        (late) => late(),
        () => undefined,
      );
      return null;
    }
    try {
      const { onSubscribed } = options;
      const triggerFailed = onSubscribed ? Promise.resolve().then(onSubscribed).then(() => never) : never;
      return await Promise.race([received, timedOut, triggerFailed]);
    } finally {
      await unsubscribe();
    }
  } finally {
    clearTimeout(timer);
  }
}
