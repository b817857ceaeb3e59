import assert from 'node:assert/strict';
import sodium from 'libsodium-wrappers';
import {
  blake2b512Base64,
  buildAuthorizationHeader,
  createSigner,
  decodePrivateKey,
  parseAuthorizationHeader,
  signedHeaders,
  signingString,
  verifyParsedAuthorization,
} from '../../src/protocol/signing/index.js';
import { b64, fromB64 } from './signing-fixtures.js';

const body = new Uint8Array(
  Buffer.from('{"context":{"action":"search","bap_id":"rider.example.in","city":"std:080"},"message":{"intent":{"tags":["चालक","🚕"]}}}', 'utf8'),
);
const nowSeconds = 1_750_000_000;

function signingStringOf(header: string): string {
  const params = parseAuthorizationHeader(header);
  return signingString(params.created, params.expires, blake2b512Base64(body));
}

describe('interoperability with libsodium', () => {
  before(async () => {
    await sodium.ready;
  });

  it('headers we sign verify with crypto_sign_verify_detached over the same signing string', () => {
    for (let i = 0; i < 20; i++) {
      const pair = sodium.crypto_sign_keypair();
      const signer = createSigner({ subscriberId: 'bpp.example.in', uniqueKeyId: `key-${i}`, privateKey: b64(pair.privateKey.subarray(0, 32)) });
      assert.equal(signer.publicKey, b64(pair.publicKey));
      const header = signer.sign(body, { nowSeconds });
      const signature = fromB64(parseAuthorizationHeader(header).signature);
      assert.equal(sodium.crypto_sign_verify_detached(signature, signingStringOf(header), pair.publicKey), true);
      const otherBody = signingString(nowSeconds, nowSeconds + 300, blake2b512Base64(Uint8Array.of(1)));
      assert.equal(sodium.crypto_sign_verify_detached(signature, otherBody, pair.publicKey), false);
    }
  });

  it('headers signed with crypto_sign_detached and the 64-byte secret key verify with ours', () => {
    for (let i = 0; i < 20; i++) {
      const pair = sodium.crypto_sign_keypair();
      const created = nowSeconds - 10;
      const expires = created + 3600;
      const signature = sodium.crypto_sign_detached(signingString(created, expires, blake2b512Base64(body)), pair.privateKey);
      const header = buildAuthorizationHeader({
        subscriberId: 'bap.example.in',
        uniqueKeyId: `${i}`,
        algorithm: 'ed25519',
        created,
        expires,
        headers: signedHeaders,
        signature: b64(signature),
      });
      const params = parseAuthorizationHeader(header);
      assert.equal(verifyParsedAuthorization(params, body, b64(pair.publicKey), { nowSeconds }).ok, true);
      const tampered = verifyParsedAuthorization(params, Uint8Array.from(body, (byte, index) => (index === 5 ? byte ^ 1 : byte)), b64(pair.publicKey), {
        nowSeconds,
      });
      assert.equal(tampered.ok, false);
    }
  });

  it("libsodium's 64-byte secret key is accepted as our private key and gives identical signatures", () => {
    for (let i = 0; i < 20; i++) {
      const pair = sodium.crypto_sign_keypair();
      assert.equal(pair.privateKey.length, 64);
      const decoded = decodePrivateKey(b64(pair.privateKey));
      assert.deepEqual(decoded.publicKey, pair.publicKey);
      assert.deepEqual(sodium.crypto_sign_seed_keypair(decoded.seed).privateKey, pair.privateKey);
      const signer = createSigner({ subscriberId: 'bap.example.in', uniqueKeyId: 'k1', privateKey: b64(pair.privateKey) });
      const header = signer.sign(body, { nowSeconds, ttlSeconds: 60 });
      const expected = sodium.crypto_sign_detached(signingStringOf(header), pair.privateKey);
      assert.equal(parseAuthorizationHeader(header).signature, b64(expected));
    }
  });

  it('a 64-byte key whose public half does not match its seed is refused', () => {
    const pair = sodium.crypto_sign_keypair();
    const other = sodium.crypto_sign_keypair();
    const mismatched = new Uint8Array([...pair.privateKey.subarray(0, 32), ...other.publicKey]);
    assert.throws(() => decodePrivateKey(b64(mismatched)), /public half does not match/);
  });
});
