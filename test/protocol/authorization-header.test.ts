import assert from 'node:assert/strict';
import {
  type AuthorizationParams,
  type SignatureFailure,
  SignatureHeaderError,
  blake2b512Base64,
  buildAuthorizationHeader,
  createSigner,
  generateSigningKeyPair,
  parseAuthorizationHeader,
  verifyParsedAuthorization,
} from '../../src/protocol/signing/index.js';

const signature = Buffer.alloc(64, 7).toString('base64');
const params: AuthorizationParams = {
  subscriberId: 'bpp.example.in',
  uniqueKeyId: 'ae3ea24b-cfec-495e-81f8-044aaef164ac',
  algorithm: 'ed25519',
  created: 1641287875,
  expires: 1641291475,
  headers: '(created) (expires) digest',
  signature,
};
const keyId = `${params.subscriberId}|${params.uniqueKeyId}|ed25519`;

function headerWith(overrides: Record<string, string | null>): string {
  const values: Record<string, string | null> = {
    keyId,
    algorithm: 'ed25519',
    created: '1641287875',
    expires: '1641291475',
    headers: '(created) (expires) digest',
    signature,
    ...overrides,
  };
  const parts = Object.entries(values)
    .filter((entry): entry is [string, string] => entry[1] !== null)
    .map(([name, value]) => `${name}="${value}"`);
  return `Signature ${parts.join(',')}`;
}

function failureOf(value: string | undefined): SignatureFailure {
  try {
    parseAuthorizationHeader(value);
  } catch (error) {
    assert.ok(error instanceof SignatureHeaderError, `expected a SignatureHeaderError, got ${String(error)}`);
    assert.ok(error.message.length > 0);
    return error.reason;
  }
  assert.fail(`accepted ${JSON.stringify(value)}`);
}

describe('the Authorization header', () => {
  describe('building and parsing', () => {
    it('emits the no-space BECKN-006 form and parses it back to the same parameters', () => {
      const header = buildAuthorizationHeader(params);
      assert.equal(
        header,
        `Signature keyId="${keyId}",algorithm="ed25519",created="1641287875",expires="1641291475",headers="(created) (expires) digest",signature="${signature}"`,
      );
      assert.deepEqual(parseAuthorizationHeader(header), params);
    });

    it('tolerates blanks around commas and equals signs, any parameter order and a lower-case scheme', () => {
      const spaced = `signature  signature = "${signature}" , headers="(created)  (expires) digest",  expires="1641291475",created="1641287875", algorithm="ed25519",\tkeyId="${keyId}"  `;
      assert.deepEqual(parseAuthorizationHeader(spaced), params);
    });

    it('refuses to build a keyId part that would not parse back', () => {
      assert.throws(() => buildAuthorizationHeader({ ...params, subscriberId: 'a|b' }), RangeError);
      assert.throws(() => buildAuthorizationHeader({ ...params, uniqueKeyId: '' }), RangeError);
      assert.throws(() => buildAuthorizationHeader({ ...params, created: 1.5 }), RangeError);
    });
  });

  describe('malformed and unsupported headers', () => {
    const cases: [string, string | undefined, SignatureFailure][] = [
      ['no header', undefined, 'MISSING_HEADER'],
      ['an empty header', '', 'MISSING_HEADER'],
      ['a blank header', '   ', 'MISSING_HEADER'],
      ['another scheme', `Bearer ${signature}`, 'MALFORMED_HEADER'],
      ['the scheme alone', 'Signature', 'MALFORMED_HEADER'],
      ['no parameters', 'Signature  ', 'MALFORMED_HEADER'],
      ['a trailing comma', `${headerWith({})},`, 'MALFORMED_HEADER'],
      ['text after the parameters', `${headerWith({})} extra`, 'MALFORMED_HEADER'],
      ['an unquoted value', headerWith({}).replace('created="1641287875"', 'created=1641287875'), 'MALFORMED_HEADER'],
      ['an unterminated quote', headerWith({}).replace(/"$/, ''), 'MALFORMED_HEADER'],
      ['a duplicated parameter', `${headerWith({})},created="1641287875"`, 'MALFORMED_HEADER'],
      ['an unknown parameter', `${headerWith({})},nonce="1"`, 'MALFORMED_HEADER'],
      ['no keyId', headerWith({ keyId: null }), 'MALFORMED_HEADER'],
      ['no algorithm', headerWith({ algorithm: null }), 'MALFORMED_HEADER'],
      ['no created', headerWith({ created: null }), 'MALFORMED_HEADER'],
      ['no expires', headerWith({ expires: null }), 'MALFORMED_HEADER'],
      ['no headers', headerWith({ headers: null }), 'MALFORMED_HEADER'],
      ['no signature', headerWith({ signature: null }), 'MALFORMED_HEADER'],
      ['a keyId of two parts', headerWith({ keyId: 'bpp.example.in|ed25519' }), 'MALFORMED_HEADER'],
      ['a keyId of four parts', headerWith({ keyId: `${keyId}|x` }), 'MALFORMED_HEADER'],
      ['a keyId with an empty part', headerWith({ keyId: 'bpp.example.in||ed25519' }), 'MALFORMED_HEADER'],
      ['a keyId with a blank', headerWith({ keyId: 'bpp example|k|ed25519' }), 'MALFORMED_HEADER'],
      ['algorithm rsa-sha256', headerWith({ algorithm: 'rsa-sha256' }), 'UNSUPPORTED_ALGORITHM'],
      ['the obsolete xed25519', headerWith({ algorithm: 'xed25519', keyId: 'bpp.example.in|k|xed25519' }), 'UNSUPPORTED_ALGORITHM'],
      ['a keyId naming another algorithm', headerWith({ keyId: 'bpp.example.in|k|hs2019' }), 'UNSUPPORTED_ALGORITHM'],
      ['a non-numeric created', headerWith({ created: 'yesterday' }), 'MALFORMED_HEADER'],
      ['a negative created', headerWith({ created: '-1' }), 'MALFORMED_HEADER'],
      ['a fractional expires', headerWith({ expires: '1641291475.5' }), 'MALFORMED_HEADER'],
      ['an empty expires', headerWith({ expires: '' }), 'MALFORMED_HEADER'],
      ['an unsafe integer', headerWith({ expires: '9999999999999999' }), 'MALFORMED_HEADER'],
      ['expires before created', headerWith({ expires: '1641287874' }), 'MALFORMED_HEADER'],
      ['other signed headers', headerWith({ headers: '(created) digest' }), 'MALFORMED_HEADER'],
      ['reordered signed headers', headerWith({ headers: 'digest (created) (expires)' }), 'MALFORMED_HEADER'],
      ['a signature that is not base64', headerWith({ signature: `${signature.slice(0, -3)}!!=` }), 'MALFORMED_HEADER'],
      ['a base64url signature', headerWith({ signature: Buffer.alloc(64, 0xfb).toString('base64url') }), 'MALFORMED_HEADER'],
      ['a 63-byte signature', headerWith({ signature: Buffer.alloc(63, 7).toString('base64') }), 'MALFORMED_HEADER'],
      ['a 65-byte signature', headerWith({ signature: Buffer.alloc(65, 7).toString('base64') }), 'MALFORMED_HEADER'],
      ['an empty signature', headerWith({ signature: '' }), 'MALFORMED_HEADER'],
      ['an oversized header', headerWith({ keyId: `${'a'.repeat(5000)}|k|ed25519` }), 'MALFORMED_HEADER'],
    ];
    for (const [situation, value, reason] of cases) {
      it(`${situation} → ${reason}`, () => {
        assert.equal(failureOf(value), reason);
      });
    }
  });

  describe('verification', () => {
    const pair = generateSigningKeyPair();
    const signer = createSigner({ subscriberId: 'bap.example.in', uniqueKeyId: 'k1', privateKey: pair.privateKeySeed });
    const rawBody = '{ "context": { "action": "search", "city": "std:080" },\n  "message": { "intent": { "note": "ಹಲೋ" } } }';
    const body = new Uint8Array(Buffer.from(rawBody, 'utf8'));
    const created = 1_750_000_000;
    const parsed = parseAuthorizationHeader(signer.sign(body, { nowSeconds: created }));

    function verdictAt(nowSeconds: number, clockSkewSeconds?: number) {
      return verifyParsedAuthorization(parsed, body, pair.publicKey, { nowSeconds, clockSkewSeconds });
    }

    it('signs with a 300-second lifetime by default and verifies at creation and at expiry', () => {
      assert.equal(parsed.expires - parsed.created, 300);
      assert.deepEqual(verdictAt(created), { ok: true, params: parsed });
      assert.equal(verdictAt(created + 300).ok, true);
    });

    it('is EXPIRED one second after expires, with no tolerance', () => {
      const verdict = verdictAt(created + 301, 60);
      assert.equal(verdict.ok, false);
      assert.equal(!verdict.ok && verdict.reason, 'EXPIRED');
    });

    it('accepts created up to 5 s in the future by default and is NOT_YET_VALID beyond', () => {
      assert.equal(verdictAt(created - 5).ok, true);
      const verdict = verdictAt(created - 6);
      assert.equal(!verdict.ok && verdict.reason, 'NOT_YET_VALID');
    });

    it('honours a configured clock skew', () => {
      assert.equal(verdictAt(created - 30, 30).ok, true);
      const verdict = verdictAt(created - 31, 30);
      assert.equal(!verdict.ok && verdict.reason, 'NOT_YET_VALID');
      const strict = verdictAt(created - 1, 0);
      assert.equal(!strict.ok && strict.reason, 'NOT_YET_VALID');
    });

    it('refuses a non-finite time or a negative skew instead of skipping the window checks', () => {
      assert.throws(() => verdictAt(Number.NaN), RangeError);
      assert.throws(() => verdictAt(created, Number.NaN), RangeError);
      assert.throws(() => verdictAt(created, -1), RangeError);
    });

    it('signs at the current time when no time is given', () => {
      const before = Math.floor(Date.now() / 1000);
      const header = parseAuthorizationHeader(signer.sign(body, { ttlSeconds: 60 }));
      const after = Math.floor(Date.now() / 1000);
      assert.ok(header.created >= before && header.created <= after);
      assert.equal(header.expires, header.created + 60);
      assert.equal(verifyParsedAuthorization(header, body, pair.publicKey).ok, true);
    });

    it('a tampered body is BAD_SIGNATURE', () => {
      const tampered = new Uint8Array(Buffer.from(rawBody.replace('std:080', 'std:081'), 'utf8'));
      const verdict = verifyParsedAuthorization(parsed, tampered, pair.publicKey, { nowSeconds: created });
      assert.equal(!verdict.ok && verdict.reason, 'BAD_SIGNATURE');
    });

    it('the same body re-serialised as JSON has another digest and is BAD_SIGNATURE: the raw bytes are signed', () => {
      const reserialised = new Uint8Array(Buffer.from(JSON.stringify(JSON.parse(rawBody)), 'utf8'));
      assert.notEqual(blake2b512Base64(reserialised), blake2b512Base64(body));
      const verdict = verifyParsedAuthorization(parsed, reserialised, pair.publicKey, { nowSeconds: created });
      assert.equal(!verdict.ok && verdict.reason, 'BAD_SIGNATURE');
      const signedReserialised = parseAuthorizationHeader(signer.sign(reserialised, { nowSeconds: created }));
      assert.notEqual(signedReserialised.signature, parsed.signature);
    });

    it('a header whose created or expires was edited is BAD_SIGNATURE', () => {
      for (const edited of [{ ...parsed, expires: parsed.expires + 1 }, { ...parsed, created: parsed.created - 1 }]) {
        const verdict = verifyParsedAuthorization(edited, body, pair.publicKey, { nowSeconds: created });
        assert.equal(!verdict.ok && verdict.reason, 'BAD_SIGNATURE');
      }
    });

    it("another signer's key, or an unusable registered key, is BAD_SIGNATURE", () => {
      for (const publicKey of [generateSigningKeyPair().publicKey, 'not base64!', Buffer.alloc(31).toString('base64'), '']) {
        const verdict = verifyParsedAuthorization(parsed, body, publicKey, { nowSeconds: created });
        assert.equal(!verdict.ok && verdict.reason, 'BAD_SIGNATURE', publicKey);
      }
    });

    it('hand-built parameters are checked too, without throwing', () => {
      const cases: [AuthorizationParams, SignatureFailure][] = [
        [{ ...parsed, algorithm: 'rsa-sha256' }, 'UNSUPPORTED_ALGORITHM'],
        [{ ...parsed, expires: parsed.created - 1 }, 'MALFORMED_HEADER'],
        [{ ...parsed, created: Number.NaN }, 'MALFORMED_HEADER'],
        [{ ...parsed, signature: '%%%' }, 'MALFORMED_HEADER'],
        [{ ...parsed, signature: Buffer.alloc(10).toString('base64') }, 'BAD_SIGNATURE'],
      ];
      for (const [candidate, reason] of cases) {
        const verdict = verifyParsedAuthorization(candidate, body, pair.publicKey, { nowSeconds: created });
        assert.equal(!verdict.ok && verdict.reason, reason, JSON.stringify(candidate));
      }
    });
  });

  describe('the signer', () => {
    const { privateKeySeed } = generateSigningKeyPair();

    it('refuses bad keys, identities and lifetimes when created', () => {
      assert.throws(() => createSigner({ subscriberId: 'a', uniqueKeyId: 'k', privateKey: Buffer.alloc(31).toString('base64') }), /32 or 64 bytes/);
      assert.throws(() => createSigner({ subscriberId: 'a', uniqueKeyId: 'k', privateKey: `${privateKeySeed}!` }), /base64/);
      assert.throws(() => createSigner({ subscriberId: 'a|b', uniqueKeyId: 'k', privateKey: privateKeySeed }), RangeError);
      assert.throws(() => createSigner({ subscriberId: 'a', uniqueKeyId: 'k', privateKey: privateKeySeed }, { ttlSeconds: 0 }), RangeError);
    });

    it('refuses a fractional time or lifetime when signing', () => {
      const signer = createSigner({ subscriberId: 'a', uniqueKeyId: 'k', privateKey: privateKeySeed });
      assert.throws(() => signer.sign(new Uint8Array(0), { nowSeconds: 1.5 }), RangeError);
      assert.throws(() => signer.sign(new Uint8Array(0), { ttlSeconds: -1 }), RangeError);
    });

    it('uses its configured default lifetime', () => {
      const signer = createSigner({ subscriberId: 'a', uniqueKeyId: 'k', privateKey: privateKeySeed }, { ttlSeconds: 3600 });
      const header = parseAuthorizationHeader(signer.sign(new Uint8Array(0), { nowSeconds: 100 }));
      assert.deepEqual([header.created, header.expires], [100, 3700]);
    });
  });
});
