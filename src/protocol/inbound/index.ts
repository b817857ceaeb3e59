export { createInbox, type Inbox, type InboxEntry } from './inbox.js';
export { createInboxWorker, type InboxWorker, type InboxWorkerOptions } from './inbox-worker.js';
