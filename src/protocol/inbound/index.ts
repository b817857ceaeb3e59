export { createInbox, type Inbox, type InboxEntry } from './inbox.js';
export { createInboxWorker, type InboxWorker, type InboxWorkerOptions } from './inbox-worker.js';
export { createInboxLoadGauge, type InboxLoad, type InboxLoadGauge } from './inbox-load.js';
export { parseIsoDuration } from './iso-duration.js';
export { cityOf, type BecknContext } from './beckn-context.js';
export { hyphenatePaymentSpelling } from './steps/index.js';
