import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const fixture = fileURLToPath(new URL('./fixtures/spool-read-ahead.ts', import.meta.url));

describe('message log spool: reading ahead while appends rotate segments', function () {
  this.timeout(120_000);

  it('never spins on a segment not written yet, and ships every record once, in order', async () => {
    // In a process of its own: a read that never yields would block this process's timers too.
    const child = spawn(process.execPath, ['--import', 'tsx', fixture], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const boundMs = 90_000;
    const timer = setTimeout(() => child.kill('SIGKILL'), boundMs);
    // 'close', not 'exit': the child's stdout may still hold its last line when it exits.
    const code = await new Promise<number | null>((resolve) => child.once('close', (exitCode) => resolve(exitCode)));
    clearTimeout(timer);
    assert.equal(code, 0, `the spool reader did not finish within ${boundMs} ms (exit ${code}):\n${output}`);
    assert.deepEqual(JSON.parse(output.trim().split('\n').at(-1) ?? '{}'), { shipped: 300, inOrder: true });
  });
});
