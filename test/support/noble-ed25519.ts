import { createHash } from 'node:crypto';
import * as ed from '@noble/ed25519';
import { type Ed25519Impl, assertSeed, publicKeyLength, signatureLength } from '../../src/protocol/signing/index.js';

// noble's synchronous API needs a SHA-512 provider; node:crypto's is used
// unless the process already configured one.
ed.hashes.sha512 ??= (message) => new Uint8Array(createHash('sha512').update(message).digest());

/**
 * Ed25519 in pure JavaScript (@noble/ed25519): the independent reference the
 * native path is checked against, by tests and benchmarks only (noble is a
 * devDependency; the service signs with node:crypto). Verification uses RFC 8032 rules
 * (`zip215: false`), as OpenSSL does, so both give the same verdicts.
 */
export const nobleEd25519: Ed25519Impl = {
  sign(seed, message) {
    assertSeed(seed);
    return ed.sign(message, seed);
  },
  verify(publicKey, message, signature) {
    if (publicKey.length !== publicKeyLength || signature.length !== signatureLength) return false;
    try {
      return ed.verify(signature, message, publicKey, { zip215: false });
    } catch {
      return false;
    }
  },
  publicKeyFromSeed(seed) {
    assertSeed(seed);
    return ed.getPublicKey(seed);
  },
};
