export { recordSentRequest, findSentRequest, isKnownTransaction, type SentRequest } from './sent-requests.js';
