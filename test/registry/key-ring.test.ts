import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/infra/logging/logger.js';
import { createKeyRing, type Signer } from '../../src/protocol/index.js';
import {
  generateSigningKeyPair,
  KeysFileError,
  parseAuthorizationHeader,
  parseKeysFile,
  verifyParsedAuthorization,
  writeKeysFile,
  type KeyFileEntry,
} from '../../src/protocol/signing/index.js';

const logger = createLogger('silent');
const hour = 3_600_000;

function entry(uniqueKeyId: string, registeredAt: number | null, validUntil = Date.now() + hour, validFrom = Date.now() - hour): KeyFileEntry & { publicKey: string } {
  const pair = generateSigningKeyPair();
  return {
    unique_key_id: uniqueKeyId,
    signing_private_key: pair.privateKeySeed,
    valid_from: new Date(validFrom).toISOString(),
    valid_until: new Date(validUntil).toISOString(),
    registered_at: registeredAt === null ? null : new Date(registeredAt).toISOString(),
    publicKey: pair.publicKey,
  };
}

const plain = ({ publicKey: _publicKey, ...rest }: KeyFileEntry & { publicKey: string }): KeyFileEntry => rest;

describe('signing key ring: the keys file the running service re-reads', () => {
  let dir: string;
  let path: string;
  const configured = entry('key-1', 0);
  const fallback = { uniqueKeyId: 'key-1', privateKey: configured.signing_private_key, publicKey: configured.publicKey };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'beckn-ride-test-keyring-'));
    path = join(dir, 'keys.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('signs with the configured key until the file names a registered key inside its validity, then with the one registered last', async () => {
    const ring = createKeyRing({ path, fallback, logger });
    assert.equal((await ring.refresh()).uniqueKeyId, 'key-1', 'no file yet');

    const unregistered = entry('key-2', null);
    const lapsed = entry('key-0', Date.now(), Date.now() - 1_000);
    const notYet = entry('key-9', Date.now(), Date.now() + 2 * hour, Date.now() + hour);
    await writeKeysFile(path, { keys: [unregistered, lapsed, notYet].map(plain) });
    assert.equal((await ring.refresh()).uniqueKeyId, 'key-1', 'unregistered, lapsed and not-yet-valid keys are never used');
    assert.equal(statSync(path).mode & 0o777, 0o600, 'the file is its owner\'s only');

    const older = entry('key-3', Date.now() - 60_000);
    const newer = entry('key-4', Date.now() - 1_000);
    await writeKeysFile(path, { keys: [newer, older, unregistered].map(plain) });
    const current = await ring.refresh();
    assert.equal(current.uniqueKeyId, 'key-4');
    assert.equal(current.publicKey, newer.publicKey);
  });

  it('swaps the bound signers in place when the file changes, and keeps the current key when the file is unreadable', async () => {
    const ring = createKeyRing({ path, fallback, logger });
    await ring.refresh();
    const signers: Partial<Record<'bap' | 'bpp', Signer>> = { bpp: undefined };
    ring.bindSigners(signers as Record<string, Signer>, { bap: 'rider.example', bpp: 'provider.example', gateway: 'gw.example' }, 30);
    const signerBefore = signers.bpp;
    assert.equal(signerBefore?.uniqueKeyId, 'key-1');

    const rotated = entry('key-2', Date.now());
    await writeKeysFile(path, { keys: [plain(configured), plain(rotated)] });
    await ring.refresh();
    const signer = signers.bpp as Signer;
    assert.notEqual(signer, signerBefore);
    assert.equal(signer.uniqueKeyId, 'key-2');
    const body = Buffer.from('{"context":{}}');
    const params = parseAuthorizationHeader(signer.sign(body));
    assert.equal(params.subscriberId, 'provider.example');
    assert.equal(params.uniqueKeyId, 'key-2');
    assert.ok(verifyParsedAuthorization(params, body, rotated.publicKey, {}).ok);
    assert.equal(Object.keys(signers).join(), 'bpp', 'only the roles bound get a signer');

    writeFileSync(path, '{"keys": [ half written');
    assert.equal((await ring.refresh()).uniqueKeyId, 'key-2', 'a broken file changes nothing');
    assert.equal((signers.bpp as Signer).uniqueKeyId, 'key-2');
  });

  it('refuses a keys file with a broken entry, naming it', () => {
    const good = plain(entry('key-1', 0));
    const cases: [string, unknown][] = [
      ['not an object with keys', []],
      ['a key id with a pipe', { keys: [{ ...good, unique_key_id: 'a|b' }] }],
      ['a key listed twice', { keys: [good, good] }],
      ['a private key of 31 bytes', { keys: [{ ...good, signing_private_key: Buffer.alloc(31).toString('base64') }] }],
      ['no valid_until', { keys: [{ ...good, valid_until: undefined }] }],
      ['registered_at that is not a time', { keys: [{ ...good, registered_at: 'yesterday' }] }],
    ];
    for (const [name, content] of cases) {
      assert.throws(() => parseKeysFile(JSON.stringify(content)), KeysFileError, name);
    }
    assert.throws(() => parseKeysFile('{'), /not JSON/);
    assert.deepEqual(parseKeysFile(JSON.stringify({ keys: [good] })).keys, [good]);
  });
});
