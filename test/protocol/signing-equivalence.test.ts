import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import {
  blake2b512Base64,
  createSigner,
  nativeEd25519,
  parseAuthorizationHeader,
  signingString,
  verifyParsedAuthorization,
} from '../../src/protocol/signing/index.js';
import { nobleEd25519 } from '../support/noble-ed25519.js';
import { b64 } from './signing-fixtures.js';

/** mulberry32: a seeded generator, so a failing run can be replayed from its seed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const runSeed = randomInt(2 ** 31);
const random = seededRandom(runSeed);
const int = (below: number): number => Math.floor(random() * below);

function randomBytes(length: number): Uint8Array {
  return Uint8Array.from({ length }, () => int(256));
}

// ASCII, Latin-1, Devanagari, CJK and astral (4-byte) ranges, so bodies mix 1- to 4-byte UTF-8.
const codePointRanges: [number, number][] = [
  [0x20, 0x7e],
  [0xa0, 0xff],
  [0x900, 0x97f],
  [0x4e00, 0x9fff],
  [0x1f300, 0x1f64f],
];

function randomBody(maxBytes: number): Uint8Array {
  if (int(8) === 0) return randomBytes(maxBytes);
  let text = '';
  let size = 0;
  for (;;) {
    const [low, high] = codePointRanges[int(codePointRanges.length)] as [number, number];
    const char = String.fromCodePoint(low + int(high - low + 1));
    const charSize = Buffer.byteLength(char, 'utf8');
    if (size + charSize > maxBytes) break;
    text += char;
    size += charSize;
  }
  return new Uint8Array(Buffer.from(text, 'utf8'));
}

function messageFor(body: Uint8Array, created: number, expires: number): Uint8Array {
  return new Uint8Array(Buffer.from(signingString(created, expires, blake2b512Base64(body)), 'utf8'));
}

function flipBit(bytes: Uint8Array): Uint8Array {
  const copy = Uint8Array.from(bytes);
  const bit = int(copy.length * 8);
  copy[bit >> 3] = (copy[bit >> 3] as number) ^ (1 << (bit & 7));
  return copy;
}

describe('native and noble Ed25519 equivalence', function () {
  this.timeout(120_000);
  const keyCount = 1000;

  it(`over ${keyCount} random keys and bodies, signatures are byte-identical and verdicts agree on valid and tampered input`, () => {
    const tamperings = ['body', 'signature', 'wrong key', 'expires'] as const;
    const verdictCounts = { valid: 0, invalid: 0 };
    let nonAsciiBodies = 0;
    let previousPublicKey = nativeEd25519.publicKeyFromSeed(randomBytes(32));
    for (let i = 0; i < keyCount; i++) {
      const seed = randomBytes(32);
      const body = randomBody(int(4097));
      if (body.some((byte) => byte > 0x7f)) nonAsciiBodies++;
      const created = 1_600_000_000 + int(200_000_000);
      const expires = created + 1 + int(3600);
      const context = `run seed ${runSeed}, key ${i} (seed ${b64(seed)}, body ${body.length} bytes)`;

      const publicKey = nativeEd25519.publicKeyFromSeed(seed);
      assert.deepEqual(nobleEd25519.publicKeyFromSeed(seed), publicKey, context);
      const message = messageFor(body, created, expires);
      const signature = nativeEd25519.sign(seed, message);
      assert.deepEqual(nobleEd25519.sign(seed, message), signature, context);
      assert.equal(nativeEd25519.verify(publicKey, message, signature), true, context);
      assert.equal(nobleEd25519.verify(publicKey, message, signature), true, context);
      verdictCounts.valid++;

      const tampering = tamperings[i % tamperings.length];
      let [badKey, badMessage, badSignature] = [publicKey, message, signature];
      if (tampering === 'body') badMessage = messageFor(body.length === 0 ? Uint8Array.of(0) : flipBit(body), created, expires);
      if (tampering === 'signature') badSignature = flipBit(signature);
      if (tampering === 'wrong key') badKey = previousPublicKey;
      if (tampering === 'expires') badMessage = messageFor(body, created, expires + 1);
      const nativeVerdict = nativeEd25519.verify(badKey, badMessage, badSignature);
      assert.equal(nobleEd25519.verify(badKey, badMessage, badSignature), nativeVerdict, `${context}, ${tampering} tampered`);
      assert.equal(nativeVerdict, false, `${context}, ${tampering} tampered`);
      verdictCounts.invalid++;

      // Malformed lengths are answered false by both, without throwing.
      for (const impl of [nativeEd25519, nobleEd25519]) {
        assert.equal(impl.verify(publicKey, message, signature.subarray(0, 63)), false, context);
        assert.equal(impl.verify(publicKey.subarray(1), message, signature), false, context);
      }
      previousPublicKey = publicKey;
    }
    assert.deepEqual(verdictCounts, { valid: keyCount, invalid: keyCount });
    assert.ok(nonAsciiBodies > keyCount / 2, `only ${nonAsciiBodies} bodies held non-ASCII bytes`);
  });

  it('the full header path gives identical headers and verdicts with either implementation', () => {
    for (let i = 0; i < 100; i++) {
      const privateKey = b64(randomBytes(32));
      const body = randomBody(int(4097));
      const nowSeconds = 1_700_000_000 + int(1_000_000);
      const key = { subscriberId: `np${i}.example.org`, uniqueKeyId: `k-${i}`, privateKey };
      const native = createSigner(key);
      const header = native.sign(body, { nowSeconds });
      assert.equal(createSigner(key, { ed25519: nobleEd25519 }).sign(body, { nowSeconds }), header);
      const params = parseAuthorizationHeader(header);
      const tamperedBody = body.length === 0 ? Uint8Array.of(32) : flipBit(body);
      for (const [candidate, expectOk] of [[body, true], [tamperedBody, false]] as const) {
        const verdicts = [nativeEd25519, nobleEd25519].map((ed25519) =>
          verifyParsedAuthorization(params, candidate, native.publicKey, { nowSeconds, ed25519 }),
        );
        assert.deepEqual(verdicts[1], verdicts[0], `run seed ${runSeed}, header ${i}`);
        assert.equal(verdicts[0]?.ok, expectOk, `run seed ${runSeed}, header ${i}`);
      }
    }
  });
});
