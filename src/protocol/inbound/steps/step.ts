import type { InboundMessage } from '../inbound-message.js';
import type { InboundDeps } from '../inbound-deps.js';

/** One check of the inbound pipeline; it throws a NackError to refuse the message. */
export type Step = (message: InboundMessage, deps: InboundDeps) => Promise<void> | void;

/** Names a step a factory made (its function is anonymous), so its span and stack traces say which check ran. */
export function namedStep(name: string, step: Step): Step {
  return Object.defineProperty(step, 'name', { value: name });
}
