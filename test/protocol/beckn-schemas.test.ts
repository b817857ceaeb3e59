import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  becknActions,
  callbackActions,
  callbackOf,
  createBecknValidator,
  defaultSchemasDir,
  isBecknAction,
  profileOf,
  requestActions,
  requestOf,
  type BecknAction,
  type BecknValidator,
} from '../../src/protocol/schemas/index.js';
import { knownDeviations } from './beckn-example-deviations.js';
import { example, exampleSets, examplesRoot, jsonFiles, mobilityOnStatus, ondcExamples, ondcSelect, type Json } from './beckn-examples.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('Beckn schemas and validator', function () {
  this.timeout(60_000);
  let validator: BecknValidator;

  before(() => {
    validator = createBecknValidator();
  });

  describe('actions and profiles', () => {
    it('lists the twenty actions, requests then callbacks, and pairs each request with its callback', () => {
      assert.equal(becknActions.length, 20);
      assert.deepEqual(becknActions, [...requestActions, ...callbackActions]);
      for (const request of requestActions) {
        assert.equal(callbackOf(request), `on_${request}`);
        assert.equal(requestOf(callbackOf(request)), request);
      }
      assert.equal(isBecknAction('on_search'), true);
      assert.equal(isBecknAction('discover'), false);
    });

    it('recognises a profile by domain and version, with core_version standing in for version', () => {
      assert.equal(profileOf({ domain: 'ONDC:TRV10', version: '2.0.1' })?.id, 'ONDC:TRV10@2.0.1');
      assert.equal(profileOf({ domain: 'nic2004:60221', core_version: '1.1.0' })?.id, 'nic2004:60221@1.1.0');
      assert.equal(profileOf({ domain: 'ONDC:TRV10', version: '1.1.0' }), undefined);
      assert.equal(profileOf({ domain: 'ONDC:RET10', version: '2.0.1' }), undefined);
    });

    it('loads the core schema of every action and a layer per profile and action, each under its $id', () => {
      for (const action of becknActions) {
        assert.ok(validator.schemaIds.includes(`https://beckn-ride.dev/schemas/core/1.1.0/${action}.json`), action);
        assert.ok(validator.schemaIds.includes(`https://beckn-ride.dev/schemas/profiles/ondc-trv10-2.0.1/${action}.json`), action);
        assert.ok(validator.schemaIds.includes(`https://beckn-ride.dev/schemas/profiles/nic2004-60221-1.1.0/${action}.json`), action);
      }
    });
  });

  describe('official examples', () => {
    it('every example passes its core schema and profile layer, except the documented deviations', () => {
      const failures: string[] = [];
      const files = exampleSets.flatMap((set) => jsonFiles(join(examplesRoot, set)).map((file) => relative(examplesRoot, file)));
      for (const set of exampleSets) assert.ok(files.some((file) => file.startsWith(`${set}/`)), `no examples found under ${join(examplesRoot, set)}`);

      for (const file of files) {
        const body = example(file);
        const action: unknown = body.context?.action;
        if (!isBecknAction(action)) {
          failures.push(`${file}: context.action ${String(action)} is not a Beckn action`);
          continue;
        }
        // ONDC files sit in a folder per action; the Beckn mobility ones in the folder of the request a callback answers.
        const folder = dirname(file).split('/')[1];
        if (folder !== action && folder !== requestOf(action)) failures.push(`${file}: folder ${folder} does not match context.action ${action}`);

        const deviations = knownDeviations.filter((deviation) => deviation.files.includes(file));
        const issues = validator.validate(action, body);
        for (const issue of issues) {
          if (!deviations.some((deviation) => deviation.keyword === issue.keyword && deviation.path.test(issue.path))) {
            failures.push(`${file}: ${issue.path} ${issue.message} (${issue.keyword})`);
          }
        }
        for (const deviation of deviations) {
          if (!issues.some((issue) => deviation.keyword === issue.keyword && deviation.path.test(issue.path))) {
            failures.push(`${file}: listed deviation no longer occurs: ${deviation.reason}`);
          }
        }
      }
      assert.deepEqual(failures, [], `example failures:\n${failures.join('\n')}`);
    });
  });

  describe('construction', () => {
    let dir: string;

    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'beckn-schemas-'));
      cpSync(defaultSchemasDir, dir, { recursive: true });
      mkdirSync(join(dir, 'extra'));
    });

    afterEach(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it('loads a faithful copy of the schemas folder', () => {
      assert.deepEqual(createBecknValidator({ schemasDir: dir }).schemaIds, validator.schemaIds);
    });

    it('stops at a schema without $id, naming the file', () => {
      writeFileSync(join(dir, 'extra/anonymous.json'), JSON.stringify({ type: 'object' }));
      assert.throws(() => createBecknValidator({ schemasDir: dir }), /extra\/anonymous\.json has no \$id/);
    });

    it('stops at a second schema with the same $id, naming both files', () => {
      const selectId = 'https://beckn-ride.dev/schemas/core/1.1.0/select.json';
      writeFileSync(join(dir, 'extra/select-again.json'), JSON.stringify({ $id: selectId, type: 'object' }));
      assert.throws(
        () => createBecknValidator({ schemasDir: dir }),
        (error: Error) => error.message.includes('extra/select-again.json') && error.message.includes(selectId) && error.message.includes('core/select.json'),
      );
    });

    it('stops at a schema strict mode rejects, naming the file', () => {
      writeFileSync(join(dir, 'extra/loose.json'), JSON.stringify({ $id: 'https://beckn-ride.dev/schemas/test/loose.json', type: 'object', example: {} }));
      assert.throws(() => createBecknValidator({ schemasDir: dir }), /extra\/loose\.json does not compile: strict mode: unknown keyword: "example"/);
    });

    it('stops when an action has no core schema', () => {
      rmSync(join(dir, 'core/on_support.json'));
      assert.throws(() => createBecknValidator({ schemasDir: dir }), /lack the core schema of on_support/);
    });
  });

  describe('generated core schemas', () => {
    const generator = join(root, 'scripts/generate-beckn-schemas.ts');
    const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', generator, ...args], { cwd: root, encoding: 'utf8' });

    it('--check finds the committed files up to date with the spec', () => {
      const result = run('--check');
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, /21 schema files .* are up to date/);
    });

    it('--check fails on an edited, a missing or a stray file', () => {
      const dir = mkdtempSync(join(tmpdir(), 'beckn-core-'));
      try {
        cpSync(join(defaultSchemasDir, 'core'), dir, { recursive: true });
        writeFileSync(join(dir, 'select.json'), '{}\n');
        rmSync(join(dir, 'track.json'));
        writeFileSync(join(dir, 'stray.json'), '{}\n');
        const result = run('--check', '--out', dir);
        assert.equal(result.status, 1);
        assert.match(result.stderr, /out of date: .*select\.json/);
        assert.match(result.stderr, /out of date: .*track\.json/);
        assert.match(result.stderr, /not generated from the spec: .*stray\.json/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('compilation', () => {
    it('compiles every schema at construction and none while validating 1,000 messages', () => {
      const fresh = createBecknValidator();
      const atBoot = fresh.compilations;
      assert.ok(atBoot >= fresh.schemaIds.length, `${atBoot} compilations for ${fresh.schemaIds.length} schemas`);

      const bodies: [BecknAction, Json][] = [
        ['search', example(ondcExamples.search)],
        ['on_search', example(ondcExamples.onSearch)],
        ['select', ondcSelect()],
        ['on_status', mobilityOnStatus()],
        ['status', { context: { domain: 'unknown' }, message: {} }],
      ];
      for (let i = 0; i < 1_000; i++) {
        const [action, body] = bodies[i % bodies.length] as [BecknAction, Json];
        fresh.validate(action, body);
      }
      assert.equal(fresh.compilations, atBoot);
    });
  });
});
