import assert from 'node:assert/strict';
import type { CorrelationStore } from '../../src/infra/correlation/index.js';
import { deferred, waitUntil } from '../support/wait-until.js';

export interface CorrelationFixture {
  /** Stores on one shared backend, as replicas share one Redis. */
  replicas: CorrelationStore[];
  /** A store on the same backend under another prefix (another tenant or test). */
  otherPrefix: CorrelationStore;
  cleanup(): Promise<void>;
}

export type MakeCorrelationFixture = (replicas: number) => Promise<CorrelationFixture>;

/** The behaviour every CorrelationStore adapter must show. */
export function runCorrelationStoreContract(adapterName: string, makeFixture: MakeCorrelationFixture): void {
  describe(`CorrelationStore contract: ${adapterName}`, function () {
    this.timeout(20_000);
    let fixture: CorrelationFixture;
    let a: CorrelationStore;
    let b: CorrelationStore;

    beforeEach(async () => {
      fixture = await makeFixture(2);
      [a, b] = fixture.replicas as [CorrelationStore, CorrelationStore];
    });
    afterEach(() => fixture.cleanup());

    it('returns what was set, on every replica, and null for an unknown key', async () => {
      assert.equal(await a.get('txn:missing'), null);
      await a.set('txn:1', '{"bap":"rider"}', 10_000);
      assert.equal(await a.get('txn:1'), '{"bap":"rider"}');
      assert.equal(await b.get('txn:1'), '{"bap":"rider"}');
      await b.set('txn:1', 'second', 10_000);
      assert.equal(await a.get('txn:1'), 'second');
    });

    it('keeps keys of another prefix apart', async () => {
      await a.set('shared-name', 'ours', 10_000);
      assert.equal(await fixture.otherPrefix.get('shared-name'), null);
      assert.equal(await fixture.otherPrefix.setIfAbsent('shared-name', 'theirs', 10_000), true);
      assert.equal(await a.get('shared-name'), 'ours');
    });

    it('reports the remaining ttl and forgets the value once it has passed', async () => {
      await a.set('msg:ttl', 'v', 400);
      const remaining = await b.ttl('msg:ttl');
      assert.ok(remaining !== null && remaining > 0 && remaining <= 400, `ttl was ${remaining}`);
      await waitUntil('the value expires', async () => (await b.get('msg:ttl')) === null, { timeoutMs: 5_000 });
      assert.equal(await a.ttl('msg:ttl'), null);
      assert.equal(await a.setIfAbsent('msg:ttl', 'again', 10_000), true, 'an expired key counts as absent');
    });

    it('rejects a ttl that is not a positive whole number of milliseconds', async () => {
      await assert.rejects(a.set('k', 'v', 0), RangeError);
      await assert.rejects(a.setIfAbsent('k', 'v', -5), RangeError);
      await assert.rejects(a.set('k', 'v', 1.5), RangeError);
    });

    it('lets exactly one of 50 concurrent setIfAbsent callers across two replicas win', async () => {
      const callers = Array.from({ length: 50 }, (_, i) => ({ store: i % 2 === 0 ? a : b, value: `caller-${i}` }));
      const results = await Promise.all(callers.map(({ store, value }) => store.setIfAbsent('dedup:m1', value, 10_000)));
      const winners = callers.filter((_, i) => results[i]);
      assert.equal(winners.length, 1);
      assert.equal(await a.get('dedup:m1'), winners[0]?.value);
    });

    it('deletes a key and says whether it existed', async () => {
      await a.set('corr:del', 'v', 10_000);
      assert.equal(await b.delete('corr:del'), true);
      assert.equal(await a.get('corr:del'), null);
      assert.equal(await a.delete('corr:del'), false);
    });

    it('wakes waitFor on one replica with a message published on another', async () => {
      const message = await b.waitFor('on_search:txn-1', 5_000, {
        onSubscribed: () => a.publish('on_search:txn-1', 'catalog-ready'),
      });
      assert.equal(message, 'catalog-ready');
    });

    it('resolves waitFor with null when nothing arrives in time', async () => {
      const started = Date.now();
      assert.equal(await b.waitFor('on_select:silent', 150), null);
      assert.ok(Date.now() - started >= 140, 'waited for the timeout');
    });

    it('rejects waitFor when the onSubscribed trigger fails', async () => {
      const failing = b.waitFor('on_init:txn', 5_000, {
        onSubscribed: async () => {
          throw new Error('gateway unreachable');
        },
      });
      await assert.rejects(failing, /gateway unreachable/);
    });

    it('delivers every message to every subscriber in publish order', async () => {
      const first: string[] = [];
      const second: string[] = [];
      const stopFirst = await b.subscribe('ride:42', (m) => first.push(m));
      const stopSecond = await a.subscribe('ride:42', (m) => second.push(m));
      for (const m of ['assigned', 'arrived', 'started']) await a.publish('ride:42', m);
      await waitUntil('both subscribers got all messages', () => first.length === 3 && second.length === 3);
      assert.deepEqual(first, ['assigned', 'arrived', 'started']);
      assert.deepEqual(second, ['assigned', 'arrived', 'started']);
      await stopFirst();
      await stopSecond();
    });

    it('stops delivering to a subscriber once it unsubscribes', async () => {
      const stopped: string[] = [];
      const kept: string[] = [];
      const unsubscribe = await b.subscribe('ride:7', (m) => stopped.push(m));
      const stopKept = await b.subscribe('ride:7', (m) => kept.push(m));
      await a.publish('ride:7', 'before');
      await waitUntil('both got the first message', () => stopped.length === 1 && kept.length === 1);
      await unsubscribe();
      await unsubscribe();
      await a.publish('ride:7', 'after');
      // Delivery is in order on one replica, so once `kept` has the second message
      // the unsubscribed listener would have had it too.
      await waitUntil('the remaining subscriber got the second message', () => kept.length === 2);
      assert.deepEqual(stopped, ['before']);
      await stopKept();
    });

    it('does not deliver messages across prefixes', async () => {
      const theirs: string[] = [];
      const ours: string[] = [];
      const stopTheirs = await fixture.otherPrefix.subscribe('ride:1', (m) => theirs.push(m));
      const stopOurs = await b.subscribe('ride:1', (m) => ours.push(m));
      await a.publish('ride:1', 'ours only');
      await fixture.otherPrefix.publish('ride:1', 'theirs');
      await waitUntil('both messages arrived', () => ours.length === 1 && theirs.length === 1);
      assert.deepEqual(ours, ['ours only']);
      assert.deepEqual(theirs, ['theirs']);
      await stopTheirs();
      await stopOurs();
    });

    it('ends a pending waitFor with null when the store closes', async () => {
      const subscribed = deferred();
      const waiting = b.waitFor('on_confirm:txn', 15_000, { onSubscribed: () => subscribed.resolve() });
      await subscribed.promise;
      const started = Date.now();
      await b.close();
      assert.equal(await waiting, null);
      assert.ok(Date.now() - started < 5_000, 'close did not wait for the timeout');
      await assert.rejects(b.subscribe('x', () => undefined), /closed/);
    });

    it('answers ping while the backend is up', async () => {
      await a.ping();
    });
  });
}
