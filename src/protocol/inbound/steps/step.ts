import type { InboundMessage } from '../inbound-message.js';
import type { InboundDeps } from '../inbound-deps.js';

/** One check of the inbound pipeline; it throws a NackError to refuse the message. */
export type Step = (message: InboundMessage, deps: InboundDeps) => Promise<void> | void;
