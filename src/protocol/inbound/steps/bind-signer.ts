import { NackError } from '../../errors/index.js';
import type { BecknContext } from '../beckn-context.js';
import { namedStep, type Step } from './step.js';

/**
 * The signer must be the participant the context names as sender. A valid
 * signature by anyone else is still a forgery of that sender.
 */
function bindTo(field: 'bap_id' | 'bpp_id', type: 'BAP' | 'BPP'): Step {
  return (message) => {
    const expected = (message.context ?? ({} as BecknContext))[field];
    const signer = message.signer;
    if (!signer || signer.subscriberId !== expected || signer.type !== type) {
      message.verdict = 'invalid';
      throw new NackError(
        'SIGNER_MISMATCH',
        `signed by ${signer?.subscriberId ?? 'nobody'} (${signer?.type ?? '?'}), but context.${field} is ${String(expected)} (${type})`,
        `/context/${field}`,
      );
    }
  };
}

/** Requests are signed by the BAP named in bap_id. */
export const bindRequestSigner = namedStep('bindRequestSigner', bindTo('bap_id', 'BAP'));
/** Callbacks are signed by the BPP named in bpp_id. */
export const bindCallbackSigner = namedStep('bindCallbackSigner', bindTo('bpp_id', 'BPP'));
