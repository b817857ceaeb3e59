export type { Step } from './step.js';
export { requireJson, parseBody } from './parse-body.js';
export { verifySignature } from './verify-signature.js';
export { rateLimit } from './rate-limit.js';
export { admitLoad, type AdmissionBounds } from './admit-load.js';
export { bindRequestSigner, bindCallbackSigner } from './bind-signer.js';
export { validateSchema, acceptRequests, acceptCallbacks } from './validate-schema.js';
export {
  checkEnvelope,
  checkTimeWindow,
  checkBapUri,
  checkBppUri,
  checkAddressedToProvider,
  checkAddressedToConsumer,
} from './check-context.js';
export { checkCallbackCorrelation } from './check-callback-correlation.js';
export { checkDuplicate, settleAgainstInbox } from './check-duplicate.js';
export { normalisePaymentSpelling, hyphenatePaymentSpelling } from './payment-spelling.js';
