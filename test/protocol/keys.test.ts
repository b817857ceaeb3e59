import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  createSigner,
  decodePrivateKey,
  generateEncryptionKeyPair,
  parseAuthorizationHeader,
  verifyParsedAuthorization,
} from '../../src/protocol/signing/index.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const x25519Pkcs8Prefix = Buffer.from('302e020100300506032b656e04220420', 'hex');
const x25519SpkiPrefix = Buffer.from('302a300506032b656e032100', 'hex');

async function runKeyTool(): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/keys.ts'], { cwd: repoRoot, timeout: 60_000 });
  return stdout;
}

/** `NAME=value` lines, active and commented-out alternatives apart, each preceded by a label comment. */
function readLines(output: string): Map<string, string> {
  const values = new Map<string, string>();
  const lines = output.split('\n');
  lines.forEach((line, index) => {
    const match = /^(#?)([A-Za-z0-9_]+)=(\S+)$/.exec(line);
    if (match === null) return;
    const [, commented = '', name = '', value = ''] = match;
    assert.match(lines[index - 1] ?? '', /^# \S.*:$/, `no label above ${name}`);
    const key = `${commented}${name}`;
    assert.equal(values.has(key), false, `${key} printed twice`);
    values.set(key, value);
  });
  return values;
}

function required(values: Map<string, string>, name: string): string {
  const value = values.get(name);
  assert.ok(value !== undefined, `the key tool printed no ${name}`);
  return value;
}

function x25519PublicOf(rawPrivate: Buffer): Buffer {
  const privateKey = createPrivateKey({ key: Buffer.concat([x25519Pkcs8Prefix, rawPrivate]), format: 'der', type: 'pkcs8' });
  return createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
}

describe('the key tool (npm run keys)', function () {
  this.timeout(120_000);
  let values: Map<string, string>;
  let output: string;

  before(async () => {
    output = await runKeyTool();
    values = readLines(output);
  });

  it('prints labelled sections for the environment and the registry record', () => {
    assert.match(output, /^# --- Environment \(secrets/m);
    assert.match(output, /^# --- Registry record \(public\) ---$/m);
    assert.deepEqual([...values.keys()].sort(), [
      '#SIGNING_PRIVATE_KEY',
      '#X25519_PRIVATE_KEY',
      '#encr_public_key',
      'SIGNING_PRIVATE_KEY',
      'X25519_PRIVATE_KEY',
      'encr_public_key',
      'signing_public_key',
    ]);
  });

  it('prints a signing pair whose private key, in both forms, signs what the public key verifies', () => {
    const publicKey = required(values, 'signing_public_key');
    const seedForm = required(values, 'SIGNING_PRIVATE_KEY');
    const fullForm = required(values, '#SIGNING_PRIVATE_KEY');
    assert.equal(Buffer.from(publicKey, 'base64').length, 32);
    assert.equal(Buffer.from(seedForm, 'base64').length, 32);
    assert.equal(fullForm, Buffer.concat([Buffer.from(seedForm, 'base64'), Buffer.from(publicKey, 'base64')]).toString('base64'));
    const body = new Uint8Array(Buffer.from('{"context":{"action":"on_search"}}', 'utf8'));
    for (const privateKey of [seedForm, fullForm]) {
      assert.equal(Buffer.from(decodePrivateKey(privateKey).publicKey).toString('base64'), publicKey);
      const header = createSigner({ subscriberId: 'bpp.example.in', uniqueKeyId: 'k1', privateKey }).sign(body, { nowSeconds: 1_750_000_000 });
      const verdict = verifyParsedAuthorization(parseAuthorizationHeader(header), body, publicKey, { nowSeconds: 1_750_000_000 });
      assert.equal(verdict.ok, true);
    }
  });

  it('prints a valid X25519 pair: the public key derives from the private key and key agreement works', () => {
    const rawPrivate = Buffer.from(required(values, 'X25519_PRIVATE_KEY'), 'base64');
    const derPrivate = Buffer.from(required(values, '#X25519_PRIVATE_KEY'), 'base64');
    const derPublic = Buffer.from(required(values, 'encr_public_key'), 'base64');
    const rawPublic = Buffer.from(required(values, '#encr_public_key'), 'base64');
    assert.equal(rawPrivate.length, 32);
    assert.deepEqual(derPrivate, Buffer.concat([x25519Pkcs8Prefix, rawPrivate]));
    assert.deepEqual(derPublic, Buffer.concat([x25519SpkiPrefix, rawPublic]));
    assert.deepEqual(x25519PublicOf(rawPrivate), derPublic);

    const ours = createPrivateKey({ key: derPrivate, format: 'der', type: 'pkcs8' });
    const peer = generateKeyPairSync('x25519');
    const oursShared = diffieHellman({ privateKey: ours, publicKey: peer.publicKey });
    const peerShared = diffieHellman({ privateKey: peer.privateKey, publicKey: createPublicKey({ key: derPublic, format: 'der', type: 'spki' }) });
    assert.deepEqual(oursShared, peerShared);
  });

  it('prints fresh keys on every run', async () => {
    const second = readLines(await runKeyTool());
    assert.notEqual(required(second, 'SIGNING_PRIVATE_KEY'), required(values, 'SIGNING_PRIVATE_KEY'));
    assert.notEqual(required(second, 'X25519_PRIVATE_KEY'), required(values, 'X25519_PRIVATE_KEY'));
  });

  it('generateEncryptionKeyPair gives matching raw and DER forms', () => {
    const pair = generateEncryptionKeyPair();
    assert.deepEqual(x25519PublicOf(Buffer.from(pair.privateKey, 'base64')).toString('base64'), pair.publicKeyDer);
    assert.equal(Buffer.from(pair.publicKeyDer, 'base64').subarray(x25519SpkiPrefix.length).toString('base64'), pair.publicKey);
    assert.equal(Buffer.from(pair.privateKeyDer, 'base64').subarray(x25519Pkcs8Prefix.length).toString('base64'), pair.privateKey);
  });
});
