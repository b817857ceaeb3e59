import assert from 'node:assert/strict';
import { BaseResolver, createConfig, lintDocument, makeDocumentFromString, type NormalizedProblem } from '@redocly/openapi-core';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** Lints an OpenAPI document as text under Redocly's `recommended` ruleset, offline. */
export async function lintOpenApi(text: string): Promise<NormalizedProblem[]> {
  const config = await createConfig({ extends: ['recommended'] });
  const document = makeDocumentFromString(text, '/openapi.json');
  return lintDocument({ document, config, externalRefResolver: new BaseResolver() });
}

function describeProblem(problem: NormalizedProblem): string {
  const where = problem.location.map((location) => location.pointer).join(', ');
  return `${problem.severity} ${problem.ruleId}: ${problem.message} at ${where}`;
}

describe('the /openapi.json contract under Redocly recommended rules (real app over HTTP)', function () {
  this.timeout(60_000);
  let app: TestApp;

  before(async () => {
    app = await startTestApp();
  });
  after(async () => {
    await app?.close();
  });

  it('has no errors and no warnings', async () => {
    const response = await fetch(`${app.baseUrl}/openapi.json`);
    assert.equal(response.status, 200);
    const problems = await lintOpenApi(await response.text());
    for (const problem of problems) console.log(`    ${describeProblem(problem)}`);
    const count = (severity: string) => problems.filter((problem) => problem.severity === severity).length;
    assert.deepEqual({ errors: count('error'), warnings: count('warn') }, { errors: 0, warnings: 0 });
    assert.equal(problems.length, 0, 'no problem of any severity');
  });
});
