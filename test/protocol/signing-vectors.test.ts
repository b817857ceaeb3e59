import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  type Ed25519Impl,
  blake2b512Base64,
  buildAuthorizationHeader,
  createSigner,
  decodePrivateKey,
  nativeEd25519,
  parseAuthorizationHeader,
  signingString,
  verifyParsedAuthorization,
} from '../../src/protocol/signing/index.js';
import { nobleEd25519 } from '../support/noble-ed25519.js';
import { b64, fromB64, signingVectors, vectorBody, vectorHeader } from './signing-fixtures.js';

const impls: [string, Ed25519Impl][] = [
  ['native', nativeEd25519],
  ['noble', nobleEd25519],
];

describe('signing test vectors', () => {
  it('BLAKE2b-512 matches the RFC 7693 sanity vector and the vector body digest', () => {
    const { input, hex, base64 } = signingVectors.blake2b_sanity;
    const sanity = blake2b512Base64(Buffer.from(input, 'utf8'));
    assert.equal(sanity, base64);
    assert.equal(Buffer.from(sanity, 'base64').toString('hex'), hex);
    assert.equal(blake2b512Base64(vectorBody), signingVectors.blake2b_512_base64_of_body);
    assert.equal(blake2b512Base64(new Uint8Array(0)), createHash('blake2b512').update('').digest('base64'));
  });

  it('holds the three published vectors', () => {
    assert.deepEqual(signingVectors.vectors.map((v) => v.id), ['beckn-006-bap', 'ondc-python-utility', 'beckn-006-bg-derived']);
  });

  for (const vector of signingVectors.vectors) {
    describe(`vector ${vector.id}`, () => {
      const header = vectorHeader(vector);
      const digest = blake2b512Base64(vectorBody);
      const message = new Uint8Array(Buffer.from(signingString(vector.created, vector.expires, digest), 'utf8'));

      it('rebuilds the signing string byte for byte', () => {
        assert.equal(signingString(vector.created, vector.expires, digest), vector.signing_string);
      });

      it('decodes the 64-byte private key (and the 32-byte seed where given) to the published public key', () => {
        const decoded = decodePrivateKey(vector.signing_private_key_b64_64byte_seed_plus_pub);
        assert.equal(b64(decoded.publicKey), vector.signing_public_key_b64_raw32);
        if (vector.seed_b64_32 !== undefined) {
          assert.equal(b64(decoded.seed), vector.seed_b64_32);
          assert.equal(b64(decodePrivateKey(vector.seed_b64_32).publicKey), vector.signing_public_key_b64_raw32);
        }
      });

      it('parses the published header and rebuilds it byte for byte', () => {
        const params = parseAuthorizationHeader(header);
        assert.equal(params.created, vector.created);
        assert.equal(params.expires, vector.expires);
        assert.equal(params.signature, vector.signature_b64);
        assert.equal(buildAuthorizationHeader(params), header);
      });

      for (const [name, impl] of impls) {
        it(`${name}: derives the public key, reproduces the signature and verifies it`, () => {
          const { seed } = decodePrivateKey(vector.signing_private_key_b64_64byte_seed_plus_pub);
          assert.equal(b64(impl.publicKeyFromSeed(seed)), vector.signing_public_key_b64_raw32);
          assert.equal(b64(impl.sign(seed, message)), vector.signature_b64);
          const publicKey = fromB64(vector.signing_public_key_b64_raw32);
          assert.equal(impl.verify(publicKey, message, fromB64(vector.signature_b64)), true);
          const otherMessage = new Uint8Array(Buffer.from(signingString(vector.created, vector.expires + 1, digest), 'utf8'));
          assert.equal(impl.verify(publicKey, otherMessage, fromB64(vector.signature_b64)), false);
        });

        it(`${name}: a signer with either private key form emits the published header`, () => {
          const params = parseAuthorizationHeader(header);
          const seedForm = b64(decodePrivateKey(vector.signing_private_key_b64_64byte_seed_plus_pub).seed);
          for (const privateKey of [vector.signing_private_key_b64_64byte_seed_plus_pub, seedForm]) {
            const signer = createSigner({ subscriberId: params.subscriberId, uniqueKeyId: params.uniqueKeyId, privateKey }, { ed25519: impl });
            assert.equal(signer.publicKey, vector.signing_public_key_b64_raw32);
            assert.equal(signer.sign(vectorBody, { nowSeconds: vector.created, ttlSeconds: vector.expires - vector.created }), header);
          }
        });

        it(`${name}: verifyParsedAuthorization accepts the published header over the raw body`, () => {
          const verdict = verifyParsedAuthorization(parseAuthorizationHeader(header), vectorBody, vector.signing_public_key_b64_raw32, {
            nowSeconds: vector.created,
            ed25519: impl,
          });
          assert.deepEqual(verdict, { ok: true, params: parseAuthorizationHeader(header) });
        });
      }

      it('the default (native) signer emits the published header', () => {
        const params = parseAuthorizationHeader(header);
        const signer = createSigner({
          subscriberId: params.subscriberId,
          uniqueKeyId: params.uniqueKeyId,
          privateKey: vector.signing_private_key_b64_64byte_seed_plus_pub,
        });
        assert.equal(signer.sign(vectorBody, { nowSeconds: vector.created, ttlSeconds: vector.expires - vector.created }), header);
      });
    });
  }
});
