import { NackError } from '../../errors/index.js';
import type { Step } from './step.js';

/** Per-subscriber fixed window, counted after authentication so a forged id cannot exhaust someone else's quota. */
export const rateLimit: Step = async (message, deps) => {
  const subscriber = message.signer?.subscriberId;
  if (!subscriber) return;
  const { limit, windowMs } = deps.settings.rateLimit;
  const decision = await deps.rateLimiter.hit(`${message.role}:${subscriber}`, limit, windowMs);
  if (!decision.allowed) {
    throw new NackError('RATE_LIMITED', `more than ${limit} messages in ${windowMs} ms from ${subscriber}; retry in ${decision.resetMs} ms`);
  }
};
