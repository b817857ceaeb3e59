export { recordSentRequest, findSentRequest, isKnownTransaction, callbackChannel, type SentRequest } from './sent-requests.js';
