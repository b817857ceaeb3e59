import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { TestApp } from '../support/test-app.js';
import { caller, runRide, startRideApp, type Ride } from './support/ride-app.js';

/**
 * A whole ride (search, book, pay, arrive, start with the OTP, end, rate) with
 * the service logging at debug level into memory and the message log in its
 * file; then every secret of the run is looked for in the logs, in the raw
 * message log and in what the masking auditor reads.
 */
describe('no secret, phone number, OTP or token in the logs or the message log', function () {
  this.timeout(240_000);
  const logs: string[] = [];
  let app: TestApp;
  let ride: Ride;
  const auditorPiiToken = randomBytes(24).toString('base64url');

  before(async () => {
    const started = Date.now();
    app = await startRideApp({ kafka: false, logs, env: { LOG_LEVEL: 'debug', AUDITOR_PII_TOKEN: auditorPiiToken } });
    ride = await runRide(app);
    console.log(`      leak check: the ride took ${Date.now() - started} ms, ${logs.length} log lines`);
  });
  after(async () => {
    await app?.close();
  });

  /** Each secret with the forms it could be written in. */
  const secrets = () => {
    const { secrets } = app.ctx.config;
    const phoneForms = (phone: string) => [phone, phone.slice(1), phone.slice(-10)];
    const keyForms = (key: string) => {
      const bytes = Buffer.from(key, 'base64');
      return [bytes.toString('base64'), bytes.toString('base64url'), bytes.toString('hex')];
    };
    return {
      'admin token': [secrets.adminToken],
      'auditor token': [secrets.auditorToken],
      'auditor pii token': [auditorPiiToken],
      'signing private key': keyForms(secrets.signingPrivateKey).map((form) => form.slice(0, 43)),
      'encryption key': keyForms(secrets.encryptionKey),
      'rider token': [ride.riderToken],
      'driver token': [ride.driverToken],
      'payment client auth token': [ride.clientAuthToken],
      'rider phone': phoneForms(ride.riderPhone),
      'driver phone': phoneForms(ride.driverPhone),
      // A 4-digit OTP is everywhere as a substring of numbers; as a whole string value it is the OTP.
      OTP: [`"${ride.otp}"`, `\\"${ride.otp}\\"`, `otp=${ride.otp}`, `OTP ${ride.otp}`],
    } satisfies Record<string, string[]>;
  };

  const leaksIn = (text: string, names: readonly string[]) =>
    Object.entries(secrets())
      .filter(([name]) => names.includes(name))
      .flatMap(([name, forms]) => forms.filter((form) => form.length > 0 && text.includes(form)).map((form) => `${name} (${form.slice(0, 12)}…)`));
  const every = () => Object.keys(secrets());
  const noSecretsButPii = () => every().filter((name) => !['rider phone', 'driver phone', 'OTP'].includes(name));

  it('has run a whole ride through the logging', () => {
    assert.ok(ride.otp && ride.clientAuthToken && ride.riderToken && ride.driverToken, JSON.stringify(ride));
    assert.ok(logs.length > 20, `log lines captured: ${logs.length}`);
  });

  it('the service log holds none of them', () => {
    const text = logs.join('');
    const found = leaksIn(text, every());
    assert.deepEqual(found, [], `in the log:\n${logs.filter((line) => leaksIn(line, every()).length > 0).slice(0, 5).join('')}`);
  });

  it('the raw message log holds no secret or token (phones and the OTP travel in Beckn bodies by design)', () => {
    const file = app.ctx.config.beckn.messageLogFile;
    const text = readFileSync(file, 'utf8');
    assert.ok(text.includes(ride.transactionId), 'the raw log holds the ride');
    assert.deepEqual(leaksIn(text, noSecretsButPii()), []);
  });

  it('what the masking auditor reads holds none of them, phones and OTP included', async () => {
    const call = caller(app.baseUrl);
    const auditor = app.ctx.config.secrets.auditorToken;
    const transaction = await call('GET', `/audit/transactions/${ride.transactionId}`, auditor);
    assert.equal(transaction.status, 200, JSON.stringify(transaction.body));
    assert.ok(transaction.body.records.length >= 10, `records of the ride: ${transaction.body.records.length}`);
    const pages = [JSON.stringify(transaction.body)];
    for (const record of transaction.body.records as { id: string }[]) {
      const raw = await call('GET', `/audit/messages/${record.id}/raw?format=json`, auditor);
      assert.equal(raw.status, 200);
      pages.push(JSON.stringify(raw.body));
    }
    const exported = await call('GET', `/audit/export?from=${new Date(Date.now() - 3_600_000).toISOString()}&to=${new Date(Date.now() + 60_000).toISOString()}&format=ndjson`, auditor);
    assert.equal(exported.status, 200);
    pages.push(typeof exported.body === 'string' ? exported.body : JSON.stringify(exported.body));
    const text = pages.join('\n');
    assert.deepEqual(leaksIn(text, every()), []);
    // The raw view (auditor_pii) does show the phones: the check above would have seen them.
    const rawView = await call('GET', `/audit/transactions/${ride.transactionId}`, auditorPiiToken);
    assert.ok(leaksIn(JSON.stringify(rawView.body), ['rider phone']).length > 0, 'the auditor_pii view holds the rider phone, so the masked check can see one');
  });
});
