import assert from 'node:assert/strict';
import { backoffCeilingMs, fullJitterDelayMs } from '../../src/infra/backoff/index.js';

describe('backoff policy', () => {
  const options = { baseBackoffMs: 200, maxBackoffMs: 1_000 };

  it('doubles the ceiling per failed attempt from the base, up to the cap', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 60].map((attempt) => backoffCeilingMs(attempt, options)), [200, 400, 800, 1_000, 1_000, 1_000]);
    assert.equal(backoffCeilingMs(0, options), 200, 'attempt 0 is read as the first');
  });

  it('waits a full-jitter delay in [0, ceiling)', () => {
    assert.equal(fullJitterDelayMs(3, options, () => 0), 0);
    assert.equal(fullJitterDelayMs(3, options, () => 0.5), 400);
    assert.equal(fullJitterDelayMs(3, options, () => 0.999_999), 799);
    for (let i = 0; i < 200; i += 1) {
      const delay = fullJitterDelayMs(2, options);
      assert.ok(delay >= 0 && delay < 400, `delay ${delay}`);
    }
  });
});
