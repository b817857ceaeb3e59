import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

function cruise(path: string): Violation[] {
  const result = spawnSync('node_modules/.bin/depcruise', ['--config', '.dependency-cruiser.cjs', '--output-type', 'json', path], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.ok(result.stdout, result.stderr);
  return (JSON.parse(result.stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

describe('module boundaries', function () {
  this.timeout(60_000);

  it('hold in src', () => {
    assert.deepEqual(cruise('src'), []);
  });

  it('are enforced: a fixture tree breaking each rule is reported rule by rule', () => {
    const violations = cruise('test/fixtures/module-boundaries/src');
    const found = violations.map((v) => `${v.rule.name}: ${v.from.replace(/^.*\/src\//, '')} -> ${v.to.replace(/^.*\/src\//, '')}`).sort();
    assert.deepEqual(found, [
      'bap-not-to-bpp: bap/quote.ts -> bpp/fare.ts',
      'infra-not-to-domains: infra/cache.ts -> protocol/context.ts',
      // Past another top-level folder's index.ts; the same imports through
      // bpp/booking/index.ts and protocol/index.ts, and bpp/aftercare/status.ts
      // reaching into its sibling bpp/booking/, are not reported.
      'only-through-index: analytics/answers.ts -> bpp/booking/cancel-store.ts',
      'only-through-index: audit/read/facts.ts -> protocol/handlers.ts',
      'only-through-index: bap/quote.ts -> bpp/fare.ts',
      'only-through-index: infra/cache.ts -> protocol/context.ts',
      'only-through-index: protocol/context.ts -> bap/quote.ts',
      'protocol-is-generic: protocol/context.ts -> bap/quote.ts',
    ]);
  });
});
