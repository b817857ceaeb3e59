import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { LockBusyError, type LockHandle, type LockManager } from '../../src/infra/lock/index.js';
import { waitUntil } from '../support/wait-until.js';

export interface LockFixture {
  /** Managers on one shared backend, as replicas share one Redis. */
  replicas: LockManager[];
  cleanup(): Promise<void>;
}

export type MakeLockFixture = (replicas: number) => Promise<LockFixture>;

/** The behaviour every LockManager adapter must show. */
export function runLockContract(adapterName: string, makeFixture: MakeLockFixture): void {
  describe(`LockManager contract: ${adapterName}`, function () {
    this.timeout(20_000);
    let fixture: LockFixture;
    let a: LockManager;
    let b: LockManager;

    beforeEach(async () => {
      fixture = await makeFixture(2);
      [a, b] = fixture.replicas as [LockManager, LockManager];
    });
    afterEach(() => fixture.cleanup());

    it('runs 20 concurrent withLock callers across two replicas one at a time, all of them', async () => {
      let inside = 0;
      let maxInside = 0;
      const ran: number[] = [];
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 === 0 ? a : b).withLock('ride:assign:42', { ttlMs: 5_000, waitMs: 15_000 }, async () => {
            inside += 1;
            maxInside = Math.max(maxInside, inside);
            await sleep(5);
            inside -= 1;
            ran.push(i);
          }),
        ),
      );
      assert.equal(maxInside, 1, 'never two holders at once');
      assert.deepEqual([...ran].sort((x, y) => x - y), Array.from({ length: 20 }, (_, i) => i));
    });

    it('returns null at once when the lock is held and waitMs is 0', async () => {
      const held = await a.acquire('offer:1', { ttlMs: 5_000 });
      assert.ok(held);
      assert.equal(await b.acquire('offer:1', { ttlMs: 5_000 }), null);
      assert.equal(await a.acquire('offer:1', { ttlMs: 5_000 }), null, 'not re-entrant, even on the same replica');
      assert.equal(await held.release(), true);
      const next = await b.acquire('offer:1', { ttlMs: 5_000 });
      assert.ok(next, 'free again after release');
      assert.equal(next.key, 'offer:1');
      await next.release();
    });

    it('hands the lock to a waiting caller once the holder releases it', async () => {
      const held = await a.acquire('offer:2', { ttlMs: 5_000 });
      assert.ok(held);
      const waiting = b.acquire('offer:2', { ttlMs: 5_000, waitMs: 10_000 });
      await sleep(100);
      await held.release();
      const handle = await waiting;
      assert.ok(handle, 'the waiter got the lock');
      await handle.release();
    });

    it('lets another owner in after the lease expires, and a stale handle cannot disturb the new owner', async () => {
      const stale = await a.acquire('driver:7', { ttlMs: 400 });
      assert.ok(stale);
      assert.equal(await b.acquire('driver:7', { ttlMs: 10_000 }), null, 'held while the lease lasts');
      const taken: LockHandle[] = [];
      await waitUntil('the lease expires and b takes the lock', async () => {
        const handle = await b.acquire('driver:7', { ttlMs: 10_000 });
        if (handle) taken.push(handle);
        return handle !== null;
      });
      const owner = taken[0] as LockHandle;
      assert.equal(await stale.extend(10_000), false, 'a stale handle cannot extend');
      assert.equal(await stale.release(), false, 'a stale handle cannot release');
      assert.equal(await a.acquire('driver:7', { ttlMs: 1_000 }), null, 'the new owner still holds it');
      assert.equal(await owner.release(), true);
      assert.equal(await owner.release(), false, 'a second release reports the lock already gone');
    });

    it('keeps a lock past its first lease when extended', async () => {
      const held = await a.acquire('ride:9', { ttlMs: 500 });
      assert.ok(held);
      // Taken after it with the same lease and never extended: once this one is free, the first lease has ended on the store's clock.
      assert.ok(await a.acquire('ride:9:alongside', { ttlMs: 500 }));
      assert.equal(await held.extend(10_000), true);
      await waitUntil('the lease taken alongside has ended', async () => (await b.acquire('ride:9:alongside', { ttlMs: 10_000 })) !== null);
      assert.equal(await b.acquire('ride:9', { ttlMs: 1_000 }), null, 'still held after the first lease would have ended');
      assert.equal(await held.release(), true);
    });

    it('throws LockBusyError from withLock when the lock stays busy beyond waitMs', async () => {
      const held = await a.acquire('ride:busy', { ttlMs: 10_000 });
      assert.ok(held);
      let ran = false;
      const started = Date.now();
      await assert.rejects(
        b.withLock('ride:busy', { ttlMs: 1_000, waitMs: 200 }, async () => {
          ran = true;
        }),
        (error: unknown) => error instanceof LockBusyError && error.code === 'LOCK_BUSY' && error.key === 'ride:busy',
      );
      assert.ok(Date.now() - started >= 190, 'kept trying for waitMs');
      assert.equal(ran, false);
      await held.release();
    });

    it('releases the lock when the withLock body throws, and passes the error on', async () => {
      await assert.rejects(
        a.withLock('ride:throws', { ttlMs: 5_000 }, async () => {
          throw new Error('allocation failed');
        }),
        /allocation failed/,
      );
      assert.equal(await b.withLock('ride:throws', { ttlMs: 5_000 }, async () => 'second'), 'second');
    });

    it('keeps locks on different keys independent', async () => {
      const first = await a.acquire('ride:x', { ttlMs: 5_000 });
      const second = await b.acquire('ride:y', { ttlMs: 5_000 });
      assert.ok(first && second);
      await first.release();
      await second.release();
    });

    it('ends a waiting acquire when the manager closes', async () => {
      const held = await a.acquire('ride:closing', { ttlMs: 10_000 });
      assert.ok(held);
      const waiting = b.acquire('ride:closing', { ttlMs: 1_000, waitMs: 15_000 });
      await sleep(50);
      const started = Date.now();
      await b.close();
      await assert.rejects(waiting, /closed/);
      assert.ok(Date.now() - started < 5_000);
      await held.release();
    });
  });
}
