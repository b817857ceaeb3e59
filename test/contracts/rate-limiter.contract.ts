import assert from 'node:assert/strict';
import type { RateLimiter } from '../../src/infra/rate-limit/index.js';

export interface RateLimiterFixture {
  /** Two limiters on one backend, as two replicas. */
  replicas: [RateLimiter, RateLimiter];
  /** Lets `ms` pass on the limiter's clock: an injected clock moved on where the adapter takes one, real time otherwise. */
  passTime(ms: number): Promise<void>;
  cleanup(): Promise<void>;
}

export function runRateLimiterContract(adapter: string, makeFixture: () => Promise<RateLimiterFixture>): void {
  describe(`RateLimiter contract: ${adapter}`, function () {
    this.timeout(20_000);
    let fixture: RateLimiterFixture;
    beforeEach(async () => {
      fixture = await makeFixture();
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('allows up to the limit across replicas and refuses the rest of the window', async () => {
      const [a, b] = fixture.replicas;
      const decisions = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).hit('sub-1', 6, 10_000)));
      assert.equal(decisions.filter((d) => d.allowed).length, 6);
      assert.deepEqual(decisions.map((d) => d.count).sort((x, y) => x - y), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      assert.ok(decisions.every((d) => d.resetMs > 0 && d.resetMs <= 10_000));
    });

    it('counts keys separately', async () => {
      const [a] = fixture.replicas;
      assert.equal((await a.hit('one', 1, 10_000)).allowed, true);
      assert.equal((await a.hit('two', 1, 10_000)).allowed, true);
      assert.equal((await a.hit('one', 1, 10_000)).allowed, false);
    });

    it('opens a new window once the old one has passed', async () => {
      const [a] = fixture.replicas;
      assert.equal((await a.hit('w', 1, 150)).allowed, true);
      assert.equal((await a.hit('w', 1, 150)).allowed, false);
      await fixture.passTime(150);
      const again = await a.hit('w', 1, 150);
      assert.equal(again.allowed, true);
      assert.equal(again.count, 1);
    });
  });
}
