import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createFieldCipher } from '../../src/infra/crypto/field-cipher.js';

const newKey = () => randomBytes(32).toString('base64');

/** Replaces one base64 part of a sealed value with the same bytes, one bit flipped. */
function flipBit(sealed: string, part: number): string {
  const parts = sealed.split(':');
  const bytes = Buffer.from(parts[part] ?? '', 'base64');
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  parts[part] = bytes.toString('base64');
  return parts.join(':');
}

describe('field cipher', () => {
  it('round-trips text, with a fresh IV each time', () => {
    const cipher = createFieldCipher(newKey());
    const first = cipher.encrypt('+919876543210');
    const second = cipher.encrypt('+919876543210');
    assert.match(first, /^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    assert.notEqual(first, second);
    assert.equal(cipher.decrypt(first), '+919876543210');
    assert.equal(cipher.decrypt(second), '+919876543210');
    assert.equal(cipher.decrypt(cipher.encrypt('')), '');
    assert.equal(cipher.decrypt(cipher.encrypt('ನಮ್ಮ ಯಾತ್ರಿ')), 'ನಮ್ಮ ಯಾತ್ರಿ');
  });

  it('refuses a tampered ciphertext, tag or IV, another key, and malformed values', () => {
    const cipher = createFieldCipher(newKey());
    const sealed = cipher.encrypt('+919876543210');
    for (const part of [1, 2, 3]) assert.throws(() => cipher.decrypt(flipBit(sealed, part)));
    assert.throws(() => createFieldCipher(newKey()).decrypt(sealed));
    assert.throws(() => cipher.decrypt(sealed.replace(/^v1/, 'v2')), /not a v1/);
    assert.throws(() => cipher.decrypt('v1:abc'), /not a v1/);
  });

  it('hashes stably under one key, differently under another, and under a derived subkey rather than the raw key or none', () => {
    const key = newKey();
    const a = createFieldCipher(key);
    const b = createFieldCipher(key);
    assert.equal(a.hash('+919876543210'), b.hash('+919876543210'));
    assert.notEqual(a.hash('+919876543210'), a.hash('+919876543211'));
    assert.notEqual(a.hash('+919876543210'), createFieldCipher(newKey()).hash('+919876543210'));
    assert.equal(Buffer.from(a.hash('x'), 'base64').length, 32);
    assert.notEqual(a.hash('x'), createHash('sha256').update('x').digest('base64'));
    assert.notEqual(a.hash('x'), createHmac('sha256', Buffer.from(key, 'base64')).update('x').digest('base64'));
  });

  it('refuses a key that is not 32 bytes', () => {
    assert.throws(() => createFieldCipher(randomBytes(16).toString('base64')), /32 bytes/);
  });
});
