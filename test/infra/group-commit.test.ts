import assert from 'node:assert/strict';
import { createGroupCommit } from '../../src/infra/group-commit/index.js';
import { deferred, waitUntil } from '../support/wait-until.js';

describe('group commit', () => {
  it('commits a lone item at once and everything added during a commit together in the next one', async () => {
    const batches: number[][] = [];
    let release = deferred();
    const group = createGroupCommit<number>(async (items) => {
      batches.push(items);
      await release.promise;
    });

    const first = group.add(1);
    await waitUntil('the first commit started', () => batches.length === 1);
    const settled: number[] = [];
    const later = [2, 3, 4].map((item) => group.add(item).then(() => void settled.push(item)));
    assert.deepEqual(batches, [[1]]);

    release.resolve();
    release = deferred();
    await first;
    await waitUntil('the second commit started', () => batches.length === 2);
    assert.deepEqual(batches, [[1], [2, 3, 4]]);
    assert.deepEqual(settled, [], 'nothing resolves before its commit finished');
    release.resolve();
    await Promise.all(later);
    assert.deepEqual(settled, [2, 3, 4]);
  });

  it('rejects exactly the items of a failed commit and goes on with the next', async () => {
    const group = createGroupCommit<string>(async (items) => {
      if (items.includes('bad')) throw new Error('disk full');
    });
    const results = await Promise.allSettled([group.add('bad'), group.add('good')]);
    // 'bad' went alone into the first commit; 'good' arrived while it ran.
    assert.equal(results[0]?.status, 'rejected');
    assert.equal(results[1]?.status, 'fulfilled');
    await group.add('after');
  });

  it('idle waits until every item added so far is settled', async () => {
    const committed: number[] = [];
    const group = createGroupCommit<number>(async (items) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      committed.push(...items);
    });
    for (let i = 0; i < 5; i++) void group.add(i);
    await group.idle();
    assert.deepEqual(committed, [0, 1, 2, 3, 4]);
  });
});
