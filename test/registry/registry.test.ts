import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import {
  lookupResponseSchema,
  RegistrySeedError,
  subscriberRecordSchema,
  type SubscriberRecordInput,
  type WireSubscriberRecord,
} from '../../registry/index.js';
import { createLogger } from '../../src/infra/logging/logger.js';
import { createSigner, generateEncryptionKeyPair, generateSigningKeyPair, type Signer } from '../../src/protocol/signing/index.js';
import { postJson, startRegistryServer, type RegistryServer } from './registry-server.js';

const logger = createLogger('silent');
const adminToken = randomBytes(24).toString('base64url');
const admin = { authorization: `Bearer ${adminToken}` };
const day = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

interface Participant {
  subscriberId: string;
  uniqueKeyId: string;
  publicKey: string;
  signer: Signer;
}

function participant(subscriberId: string, uniqueKeyId: string): Participant {
  const pair = generateSigningKeyPair();
  return {
    subscriberId,
    uniqueKeyId,
    publicKey: pair.publicKey,
    signer: createSigner({ subscriberId, uniqueKeyId, privateKey: pair.privateKeySeed }),
  };
}

/** A subscribe request body for the participant's key, valid from yesterday for a year. */
function recordBody(who: Participant, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    subscriber_id: who.subscriberId,
    unique_key_id: who.uniqueKeyId,
    type: 'BPP',
    domain: 'ONDC:TRV10',
    city: 'std:080',
    country: 'IND',
    subscriber_url: `https://${who.subscriberId}/beckn/bpp`,
    signing_public_key: who.publicKey,
    encr_public_key: generateEncryptionKeyPair().publicKeyDer,
    valid_from: iso(Date.now() - day),
    valid_until: iso(Date.now() + 365 * day),
    ...extra,
  };
}

function recordInput(who: Participant, extra: Partial<SubscriberRecordInput> = {}): SubscriberRecordInput {
  return {
    subscriberId: who.subscriberId,
    uniqueKeyId: who.uniqueKeyId,
    type: 'BPP',
    domain: 'ONDC:TRV10',
    city: 'std:080',
    country: 'IND',
    subscriberUrl: `https://${who.subscriberId}/beckn/bpp`,
    signingPublicKey: who.publicKey,
    encrPublicKey: null,
    validFrom: new Date(Date.now() - day),
    validUntil: new Date(Date.now() + 365 * day),
    ...extra,
  };
}

const keyIds = (records: WireSubscriberRecord[]) => records.map((record) => `${record.subscriber_id}|${record.unique_key_id}`);

describe('dev registry (real Postgres, real HTTP)', function () {
  this.timeout(60_000);
  let server: RegistryServer;

  const lookup = async (filter: Record<string, unknown>) => postJson(`${server.baseUrl}/registry/lookup`, JSON.stringify(filter));
  const subscribe = async (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    postJson(`${server.baseUrl}/registry/subscribe`, JSON.stringify(body), headers);
  /** Signs the exact bytes sent. */
  const subscribeSignedBy = async (signer: Signer, body: Record<string, unknown>) => {
    const text = JSON.stringify(body);
    return postJson(`${server.baseUrl}/registry/subscribe`, text, { authorization: signer.sign(Buffer.from(text)) });
  };
  const setStatus = async (who: Participant, status: string, headers: Record<string, string>) =>
    postJson(
      `${server.baseUrl}/registry/subscribers/${encodeURIComponent(who.subscriberId)}/${encodeURIComponent(who.uniqueKeyId)}/status`,
      JSON.stringify({ status }),
      headers,
    );
  const statusOf = async (who: Participant): Promise<string | undefined> => {
    const { body } = await lookup({ subscriber_id: who.subscriberId, unique_key_id: who.uniqueKeyId });
    return (body as WireSubscriberRecord[])[0]?.status;
  };

  before(async () => {
    server = await startRegistryServer(logger, { adminToken });
  });
  after(async () => {
    await server?.close();
  });

  describe('lookup', () => {
    const bap = participant('bap.lookup.test', 'a1');
    const bppOne = participant('bpp.lookup.test', 'b1');
    const bppTwo = participant('bpp.lookup.test', 'b2');

    before(async () => {
      await server.registry.upsert([
        recordInput(bap, { type: 'BAP', domain: 'LOOKUP:ONE', city: 'std:011', country: 'LKA' }),
        recordInput(bppOne, { domain: 'LOOKUP:ONE', city: 'std:022', country: 'LKA', status: 'INITIATED' }),
        recordInput(bppTwo, { domain: 'LOOKUP:TWO', city: 'std:011', country: 'NPL', status: 'EXPIRED' }),
      ]);
    });

    const cases: [string, Record<string, string>, string[]][] = [
      ['subscriber_id', { subscriber_id: 'bpp.lookup.test' }, ['bpp.lookup.test|b1', 'bpp.lookup.test|b2']],
      ['unique_key_id', { subscriber_id: 'bpp.lookup.test', unique_key_id: 'b2' }, ['bpp.lookup.test|b2']],
      ['the ukId alias', { subscriber_id: 'bpp.lookup.test', ukId: 'b1' }, ['bpp.lookup.test|b1']],
      ['type and domain', { type: 'BAP', domain: 'LOOKUP:ONE' }, ['bap.lookup.test|a1']],
      ['lower-case type and country', { type: 'bpp', country: 'LKA' }, ['bpp.lookup.test|b1']],
      ['domain', { domain: 'LOOKUP:TWO' }, ['bpp.lookup.test|b2']],
      ['city', { city: 'std:011' }, ['bap.lookup.test|a1', 'bpp.lookup.test|b2']],
      ['country', { country: 'NPL' }, ['bpp.lookup.test|b2']],
      ['a domain no record has', { domain: 'LOOKUP:NONE' }, []],
    ];
    for (const [name, filter, expected] of cases) {
      it(`filters by ${name}, returning records of every status`, async () => {
        const { status, body } = await lookup(filter);
        assert.equal(status, 200);
        assert.deepEqual(keyIds(body), expected);
      });
    }

    it('answers each record in both naming styles, as its documented schema says', async () => {
      const { body } = await lookup({ subscriber_id: 'bpp.lookup.test', ukId: 'b1' });
      const [record] = body as WireSubscriberRecord[];
      assert.ok(record);
      assert.equal(record.subscriber_url, 'https://bpp.lookup.test/beckn/bpp');
      assert.equal(record.url, record.subscriber_url);
      assert.equal(record.unique_key_id, 'b1');
      assert.equal(record.ukId, 'b1');
      assert.equal(record.signing_public_key, bppOne.publicKey);
      assert.equal(record.status, 'INITIATED');
      assert.equal(record.type, 'BPP');
      assert.equal(record.domain, 'LOOKUP:ONE');
      assert.equal(record.city, 'std:022');
      assert.equal(record.country, 'LKA');
      assert.equal(record.encr_public_key, null);
      assert.ok(Date.parse(record.valid_until) > Date.parse(record.valid_from));
      assert.ok(record.created !== null && record.updated !== null);
      const ajv = new Ajv({ allowUnionTypes: true });
      addFormats.default(ajv);
      const validate = ajv.compile(lookupResponseSchema);
      assert.ok(validate(body), JSON.stringify(validate.errors));
    });

    it('refuses unknown filter properties and conflicting key ids with 400', async () => {
      const unknown = await lookup({ subscriber_id: 'bpp.lookup.test', region: 'south' });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.error.code, 'VALIDATION_FAILED');
      const conflicting = await lookup({ unique_key_id: 'b1', ukId: 'b2' });
      assert.equal(conflicting.status, 400);
      assert.equal(conflicting.body.error.code, 'VALIDATION_FAILED');
    });
  });

  describe('seed file', () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'beckn-ride-test-seed-'));
    });
    after(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('loads the example seed, whose records use either naming style', async () => {
      const path = fileURLToPath(new URL('../../registry/seed.example.json', import.meta.url));
      assert.equal(await server.registry.loadSeedFile(path), 2);
      const { body } = await lookup({ subscriber_id: 'city-cabs.example.net', ukId: 'city-cabs-key-1' });
      assert.equal(body.length, 1);
      assert.equal(body[0].subscriber_url, 'https://city-cabs.example.net/beckn/bpp');
      assert.equal(body[0].status, 'SUBSCRIBED');
      const rider = await lookup({ subscriber_id: 'rider-app.example.org' });
      assert.deepEqual(keyIds(rider.body), ['rider-app.example.org|rider-app-key-2025']);
      assert.equal(rider.body[0].type, 'BAP');
    });

    it('stops at the first bad record, naming its index and the reason, and loads nothing', async () => {
      const good = recordBody(participant('seed-good.test', 'k1'));
      const bad = recordBody(participant('seed-bad.test', 'k1'), { valid_from: iso(Date.now()), valid_until: iso(Date.now() - day) });
      const path = join(dir, 'bad-dates.json');
      await writeFile(path, JSON.stringify([good, bad]));
      await assert.rejects(server.registry.loadSeedFile(path), (error: Error) => {
        assert.ok(error instanceof RegistrySeedError);
        assert.match(error.message, /bad-dates\.json, record at index 1: valid_until must be after valid_from/);
        return true;
      });
      assert.deepEqual((await lookup({ subscriber_id: 'seed-good.test' })).body, []);
    });

    const badFiles: [string, string, RegExp][] = [
      ['a signing key of 31 bytes', JSON.stringify([{ ...recordBody(participant('s.test', 'k')), signing_public_key: randomBytes(31).toString('base64') }]), /index 0: signing_public_key must be/],
      ['an unknown type', JSON.stringify([{ ...recordBody(participant('s.test', 'k')), type: 'RIDER' }]), /index 0: type must be one of/],
      ['a key listed twice', JSON.stringify([recordBody(participant('s.test', 'k')), recordBody(participant('s.test', 'k'))]), /index 1: key s\.test\|k appears twice/],
      ['an object instead of an array', JSON.stringify(recordBody(participant('s.test', 'k'))), /must hold a JSON array/],
      ['text that is not JSON', '[{"subscriber_id": ', /is not valid JSON/],
    ];
    for (const [name, content, message] of badFiles) {
      it(`refuses a seed file with ${name}`, async () => {
        const path = join(dir, `${randomBytes(4).toString('hex')}.json`);
        await writeFile(path, content);
        await assert.rejects(server.registry.loadSeedFile(path), message);
      });
    }
  });

  describe('subscribe', () => {
    it('stores a record sent with the admin token as SUBSCRIBED', async () => {
      const who = participant('admin-added.test', 'k1');
      const { status, body } = await subscribe(recordBody(who), admin);
      assert.equal(status, 200);
      assert.equal(body.status, 'SUBSCRIBED');
      assert.equal(body.ukId, 'k1');
      const ajv = new Ajv({ allowUnionTypes: true });
      addFormats.default(ajv);
      assert.ok(ajv.validate(subscriberRecordSchema, body), JSON.stringify(ajv.errors));
      assert.equal(await statusOf(who), 'SUBSCRIBED');
    });

    it('refuses a request without credentials or with a wrong bearer token (401), storing nothing', async () => {
      const who = participant('no-auth.test', 'k1');
      const none = await subscribe(recordBody(who));
      assert.equal(none.status, 401);
      assert.equal(none.body.error.code, 'UNAUTHORIZED');
      const wrong = await subscribe(recordBody(who), { authorization: `Bearer ${randomBytes(24).toString('base64url')}` });
      assert.equal(wrong.status, 401);
      assert.equal(await statusOf(who), undefined);
    });

    it('rotates keys: a subscribed key adds a new one, and the next rotation retires a key by replaces_unique_key_id', async () => {
      const first = participant('rotating.test', 'k1');
      const second = participant('rotating.test', 'k2');
      const third = participant('rotating.test', 'k3');
      await server.registry.upsert([recordInput(first)]);

      const added = await subscribeSignedBy(first.signer, recordBody(second));
      assert.equal(added.status, 200, JSON.stringify(added.body));
      assert.equal(added.body.status, 'SUBSCRIBED');
      assert.equal(await statusOf(first), 'SUBSCRIBED', 'the old key stays until it is retired');

      const replaced = await subscribeSignedBy(second.signer, recordBody(third, { replaces_unique_key_id: 'k1' }));
      assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
      assert.equal(await statusOf(third), 'SUBSCRIBED');
      assert.equal(await statusOf(first), 'EXPIRED');

      const byRetired = await subscribeSignedBy(first.signer, recordBody(participant('rotating.test', 'k4')));
      assert.equal(byRetired.status, 401);
      assert.match(byRetired.body.error.message, /not a currently valid subscribed key/);
    });

    it('lets a subscriber update its own record but never swap the key behind a key id (409)', async () => {
      const who = participant('updating.test', 'k1');
      await server.registry.upsert([recordInput(who)]);
      const updated = await subscribeSignedBy(who.signer, recordBody(who, { subscriber_url: 'https://updating.test/v2' }));
      assert.equal(updated.status, 200, JSON.stringify(updated.body));
      assert.equal(updated.body.url, 'https://updating.test/v2');
      const swapped = await subscribeSignedBy(who.signer, recordBody({ ...who, publicKey: generateSigningKeyPair().publicKey }));
      assert.equal(swapped.status, 409);
      assert.equal(swapped.body.error.code, 'CONFLICT');
    });

    it('answers 404 when replaces_unique_key_id names no key, and changes nothing', async () => {
      const who = participant('replacing-nothing.test', 'k1');
      await server.registry.upsert([recordInput(who)]);
      const next = participant('replacing-nothing.test', 'k2');
      const response = await subscribeSignedBy(who.signer, recordBody(next, { replaces_unique_key_id: 'k9' }));
      assert.equal(response.status, 404);
      assert.equal(await statusOf(next), undefined);
    });

    describe('refuses signatures that do not come from a currently valid subscribed key of the subscriber', () => {
      it('an unregistered key of a registered subscriber (401)', async () => {
        const known = participant('known.test', 'k1');
        await server.registry.upsert([recordInput(known)]);
        const stranger = participant('known.test', 'k2');
        const response = await subscribeSignedBy(stranger.signer, recordBody(stranger));
        assert.equal(response.status, 401);
        assert.match(response.body.error.message, /already registered: sign with one of its subscribed keys/);
        assert.equal(await statusOf(stranger), undefined);
      });

      it('a key whose valid_until has passed (401)', async () => {
        const old = participant('lapsed.test', 'k1');
        await server.registry.upsert([recordInput(old, { validFrom: new Date(Date.now() - 10 * day), validUntil: new Date(Date.now() - day) })]);
        const response = await subscribeSignedBy(old.signer, recordBody(participant('lapsed.test', 'k2')));
        assert.equal(response.status, 401);
        assert.match(response.body.error.message, /not a currently valid subscribed key/);
      });

      it("a signature made with another private key than the keyId's (401)", async () => {
        const who = participant('impersonated.test', 'k1');
        await server.registry.upsert([recordInput(who)]);
        const forger = createSigner({ subscriberId: who.subscriberId, uniqueKeyId: who.uniqueKeyId, privateKey: generateSigningKeyPair().privateKeySeed });
        const response = await subscribeSignedBy(forger, recordBody(participant('impersonated.test', 'k2')));
        assert.equal(response.status, 401);
        assert.match(response.body.error.message, /does not match/);
      });

      it('a signature over other bytes than the body sent (401)', async () => {
        const who = participant('tampered.test', 'k1');
        await server.registry.upsert([recordInput(who)]);
        const body = JSON.stringify(recordBody(participant('tampered.test', 'k2')));
        const header = who.signer.sign(Buffer.from(body.replace('tampered.test/beckn', 'evil.test/beckn')));
        const response = await postJson(`${server.baseUrl}/registry/subscribe`, body, { authorization: header });
        assert.equal(response.status, 401);
      });

      it('a malformed signature header (401)', async () => {
        const response = await subscribe(recordBody(participant('malformed.test', 'k1')), { authorization: 'Signature keyId="x"' });
        assert.equal(response.status, 401);
        assert.match(response.body.error.message, /signature header/);
      });

      it("another subscriber's valid key (403)", async () => {
        const other = participant('other-subscriber.test', 'k1');
        const victim = participant('victim.test', 'k1');
        await server.registry.upsert([recordInput(other), recordInput(victim)]);
        const response = await subscribeSignedBy(other.signer, recordBody(participant('victim.test', 'k2')));
        assert.equal(response.status, 403);
        assert.equal(response.body.error.code, 'FORBIDDEN');
      });
    });

    it('stores a self-signed new subscriber as INITIATED; only the admin token approves it, and then it can rotate', async () => {
      const applicant = participant('applicant.test', 'k1');
      const applied = await subscribeSignedBy(applicant.signer, recordBody(applicant));
      assert.equal(applied.status, 200, JSON.stringify(applied.body));
      assert.equal(applied.body.status, 'INITIATED');
      const resent = await subscribeSignedBy(applicant.signer, recordBody(applicant, { city: 'std:044' }));
      assert.equal(resent.status, 200);
      assert.equal(resent.body.status, 'INITIATED', 'resending while pending changes no status');

      const rotation = await subscribeSignedBy(applicant.signer, recordBody(participant('applicant.test', 'k2')));
      assert.equal(rotation.status, 401, 'an INITIATED key signs for nothing but its own record');

      const unsigned = await setStatus(applicant, 'SUBSCRIBED', {});
      assert.equal(unsigned.status, 401);
      const wrongToken = await setStatus(applicant, 'SUBSCRIBED', { authorization: `Bearer ${randomBytes(24).toString('base64url')}` });
      assert.equal(wrongToken.status, 401);
      const body = JSON.stringify({ status: 'SUBSCRIBED' });
      const selfApproved = await postJson(
        `${server.baseUrl}/registry/subscribers/applicant.test/k1/status`,
        body,
        { authorization: applicant.signer.sign(Buffer.from(body)) },
      );
      assert.equal(selfApproved.status, 401);
      assert.equal(await statusOf(applicant), 'INITIATED');

      const approved = await setStatus(applicant, 'SUBSCRIBED', admin);
      assert.equal(approved.status, 200);
      assert.equal(approved.body.status, 'SUBSCRIBED');
      assert.equal(await statusOf(applicant), 'SUBSCRIBED');
      const rotated = await subscribeSignedBy(applicant.signer, recordBody(participant('applicant.test', 'k2')));
      assert.equal(rotated.status, 200);
      assert.equal(rotated.body.status, 'SUBSCRIBED');
    });

    it('answers 404 for the status of an unknown key and 400 for an unknown status', async () => {
      assert.equal((await setStatus(participant('nobody.test', 'k1'), 'SUBSCRIBED', admin)).status, 404);
      const who = participant('status-enum.test', 'k1');
      await server.registry.upsert([recordInput(who)]);
      const response = await setStatus(who, 'APPROVED', admin);
      assert.equal(response.status, 400);
      assert.equal(await statusOf(who), 'SUBSCRIBED');
    });

    const invalidBodies: [string, (body: Record<string, unknown>) => void, RegExp][] = [
      ['valid_until equal to valid_from', (body) => (body.valid_until = body.valid_from), /valid_until must be after valid_from/],
      ['a signing key of 31 bytes', (body) => (body.signing_public_key = randomBytes(31).toString('base64')), /signing_public_key/],
      ['a signing key of 33 bytes', (body) => (body.signing_public_key = randomBytes(33).toString('base64')), /signing_public_key/],
      ['a signing key that is not base64', (body) => (body.signing_public_key = '!'.repeat(44)), /signing_public_key/],
      ['an encryption key of 20 bytes', (body) => (body.encr_public_key = randomBytes(20).toString('base64')), /encr_public_key/],
      ['an unknown type', (body) => (body.type = 'RIDER'), /type/],
      ['a subscriber_id containing "|"', (body) => (body.subscriber_id = 'a|b.test'), /subscriber_id/],
      ['a subscriber_url that is not http(s)', (body) => (body.subscriber_url = 'ftp://files.test/x'), /subscriber_url/],
      ['a date without a time zone', (body) => (body.valid_from = '2025-01-01T00:00:00'), /valid_from/],
      ['a missing signing key', (body) => delete body.signing_public_key, /signing_public_key/],
      ['an unknown property', (body) => (body.nonce = 'abc'), /unknown property nonce/],
      ['replaces_unique_key_id naming the key itself', (body) => (body.replaces_unique_key_id = body.unique_key_id), /another key/],
    ];
    for (const [name, spoil, message] of invalidBodies) {
      it(`answers 400 for ${name}, even with the admin token`, async () => {
        const body = recordBody(participant('invalid.test', randomBytes(4).toString('hex')));
        spoil(body);
        const response = await subscribe(body, admin);
        assert.equal(response.status, 400, JSON.stringify(response.body));
        assert.equal(response.body.error.code, 'VALIDATION_FAILED');
        assert.match(JSON.stringify(response.body.error), message);
      });
    }
  });
});
