import assert from 'node:assert/strict';
import { createInsertCoalescer, type InsertPart } from '../../src/audit/sink/insert-coalescer.js';
import type { MessageRow } from '../../src/audit/message-row.js';
import { waitFor } from './sink-support.js';

/** A part of `rows` placeholder rows tagged with `label`, enough to count and tell apart. */
function part(label: string, rows: number): InsertPart {
  return { rows: Array.from({ length: rows }, (_, index) => ({ id: `${label}-${index}` }) as MessageRow), rejects: [] };
}

function labelsOf(merged: InsertPart): string[] {
  return [...new Set(merged.rows.map((row) => row.id.split('-')[0] as string))];
}

describe('insert coalescer (chunks of concurrently consumed partitions into shared inserts)', () => {
  it('merges chunks handed in together into one insert, never above maxRows and never splitting a chunk', async () => {
    const inserts: string[][] = [];
    const coalescer = createInsertCoalescer({ maxRows: 100, lingerMs: 20, insert: async (merged) => void inserts.push(labelsOf(merged)) });

    await Promise.all([coalescer.add(part('a', 40)), coalescer.add(part('b', 40)), coalescer.add(part('c', 40)), coalescer.add(part('d', 10))]);

    assert.deepEqual(inserts, [['a', 'b'], ['c', 'd']]);
  });

  it('runs one insert at a time; what arrives meanwhile goes in the next insert, together', async () => {
    const inserts: string[][] = [];
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const coalescer = createInsertCoalescer({
      maxRows: 1_000,
      lingerMs: 5,
      insert: async (merged) => {
        inserts.push(labelsOf(merged));
        if (inserts.length === 1) await held;
      },
    });

    const first = coalescer.add(part('a', 10));
    await waitFor('the first insert started', () => inserts.length === 1);
    const later = [coalescer.add(part('b', 10)), coalescer.add(part('c', 10))];
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(inserts.length, 1, 'nothing else started while an insert is in flight');
    release();
    await Promise.all([first, ...later]);

    assert.deepEqual(inserts, [['a'], ['b', 'c']]);
  });

  it('with maxInFlight 2 runs two inserts at once, never a third, and the third chunk goes in once one finishes', async () => {
    const inserts: string[][] = [];
    let running = 0;
    let mostRunning = 0;
    const releases: (() => void)[] = [];
    const coalescer = createInsertCoalescer({
      maxRows: 10,
      lingerMs: 5,
      maxInFlight: 2,
      insert: async (merged) => {
        inserts.push(labelsOf(merged));
        running += 1;
        mostRunning = Math.max(mostRunning, running);
        await new Promise<void>((resolve) => releases.push(resolve));
        running -= 1;
      },
    });

    const added = [coalescer.add(part('a', 10)), coalescer.add(part('b', 10)), coalescer.add(part('c', 10))];
    await waitFor('two inserts started', () => inserts.length === 2);
    assert.deepEqual(inserts, [['a'], ['b']]);
    releases[0]?.();
    await waitFor('the third insert started', () => inserts.length === 3);
    releases[1]?.();
    releases[2]?.();
    await Promise.all(added);

    assert.deepEqual(inserts, [['a'], ['b'], ['c']]);
    assert.equal(mostRunning, 2);
  });

  it('fails every chunk of a failed insert with its error, and only those', async () => {
    let calls = 0;
    const coalescer = createInsertCoalescer({
      maxRows: 20,
      lingerMs: 5,
      insert: async () => {
        calls += 1;
        if (calls === 1) throw new Error('ClickHouse said no');
      },
    });

    const outcomes = await Promise.allSettled([coalescer.add(part('a', 10)), coalescer.add(part('b', 10)), coalescer.add(part('c', 10))]);

    assert.deepEqual(
      outcomes.map((outcome) => outcome.status === 'rejected' ? (outcome.reason as Error).message : 'inserted'),
      ['ClickHouse said no', 'ClickHouse said no', 'inserted'],
    );
  });
});
