import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClickHouse } from '../../src/infra/clickhouse/index.js';
import { runDemoProcess, stopServiceProcess } from '../support/embedded-demo.js';
import type { ServiceProcess } from '../support/service-process.js';
import { testServices, uniqueTestName } from '../support/services.js';
import { testSecrets } from '../support/test-app.js';
import { waitUntil } from '../support/wait-until.js';
import { buildPackage, devDependencies, filesUnder, importSpecifiers, packageOf, repoRoot, startNode } from './built-package.js';

/**
 * The production build (`npm run build`, run by `node dist/src/*.js` and by the
 * Docker image): compiled into a package laid out as the image is, with no .ts
 * file of ours, and run by plain node with no loader.
 */
describe('the production build', function () {
  this.timeout(600_000);
  let dir: string;

  before(() => {
    dir = buildPackage('build');
  });

  it('holds no TypeScript of ours, and its code imports no .ts file and no devDependency', () => {
    const ours = filesUnder(dir).filter((file) => !file.startsWith('node_modules'));
    assert.deepEqual(ours.filter((file) => file.endsWith('.ts')), []);
    for (const entry of ['dist/src/main.js', 'dist/src/audit-sink.js', 'dist/src/migrate.js', 'dist/migrations/postgres/0001-create-schemas.js']) {
      assert.ok(ours.includes(entry), `the build has ${entry}`);
    }
    const dev = new Set(devDependencies());
    assert.ok(dev.has('tsx') && dev.has('@noble/ed25519'), 'tsx and noble are development dependencies');
    let imports = 0;
    for (const file of ours.filter((name) => name.startsWith('dist/') && name.endsWith('.js'))) {
      for (const specifier of importSpecifiers(readFileSync(join(dir, file), 'utf8'))) {
        imports += 1;
        assert.ok(!specifier.endsWith('.ts'), `${file} imports ${specifier}`);
        const name = packageOf(specifier);
        assert.ok(name === null || !dev.has(name), `${file} imports the devDependency ${name}`);
      }
    }
    assert.ok(imports > 1000, `the scan read the imports (${imports})`);
  });

  describe('node dist/src/main.js on the embedded profile', () => {
    let service: ServiceProcess;
    const dataDir = mkdtempSync(join(tmpdir(), 'beckn-ride-test-build-data-'));

    before(async () => {
      service = await startNode([join(dir, 'dist/src/main.js')], { PORT: '0', DATA_DIR: dataDir, SHUTDOWN_TIMEOUT_MS: '10000' });
      await waitUntil('the demo network is seeded', () => service.output().includes('Demo operator and simulated drivers are ready'), { timeoutMs: 120_000, intervalMs: 200 }).catch(
        (error: Error) => {
          throw new Error(`${error.message}:\n${service.output()}`);
        },
      );
    });
    after(async () => {
      await stopServiceProcess(service);
    });

    it('runs without a loader and applies the compiled Postgres migrations', async () => {
      assert.deepEqual(service.child.spawnargs.slice(1), [join(dir, 'dist/src/main.js')]);
      const ready = await fetch(`${service.baseUrl}/health/ready`);
      assert.equal(ready.status, 200, await ready.text());
      const migrated = service
        .output()
        .split('\n')
        .filter((line) => line.includes('"msg":"postgres migrations up to date"'))
        .map((line) => (JSON.parse(line) as { applied: string[] }).applied);
      assert.equal(migrated.length, 1, service.output());
      assert.ok((migrated[0] ?? []).includes('0001-create-schemas'), `applied ${migrated[0]?.join(', ')}`);
    });

    it('serves the files it reads from the source tree: schemas, package version, dashboard', async () => {
      const openapi = (await (await fetch(`${service.baseUrl}/openapi.json`)).json()) as { info: { version: string } };
      const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
      assert.equal(openapi.info.version, version);
      const dashboard = await fetch(`${service.baseUrl}/dashboard`);
      assert.equal(dashboard.status, 200);
      assert.match(await dashboard.text(), /<html/i);
    });

    it('rides a whole demo ride over signed Beckn messages (search to rating)', async () => {
      const { code, stdout, stderr } = await runDemoProcess(service, dataDir);
      assert.equal(code, 0, `${stdout}\n${stderr}\n--- service ---\n${service.output().slice(-4000)}`);
      for (const action of ['search', 'on_search', 'select', 'confirm', 'on_confirm']) {
        assert.match(stdout, new RegExp(` ${action} +(inbound|outbound)`), `the timeline shows ${action}`);
      }
    });

    it('stops on SIGTERM with exit code 0', async () => {
      service.child.kill('SIGTERM');
      assert.equal(await service.exited, 0, service.output());
      assert.match(service.output(), /"msg":"shutdown complete"/);
    });
  });

  it('node dist/src/audit-sink.js applies the ClickHouse migrations from the source tree and is ready', async () => {
    const database = uniqueTestName('build_sink_db');
    const sink = await startNode([join(dir, 'dist/src/audit-sink.js')], {
      PORT: '0',
      LOG_LEVEL: 'warn',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'beckn-ride-test-build-sink-')),
      KAFKA_BROKERS: testServices.kafkaBrokers.join(','),
      CLICKHOUSE_URL: testServices.clickhouseUrl,
      CLICKHOUSE_DATABASE: database,
      KAFKA_MESSAGE_TOPIC: uniqueTestName('build_sink_topic'),
      AUDIT_SINK_GROUP: uniqueTestName('build_sink_group'),
      EVENTS_TOPIC: uniqueTestName('build_sink_events'),
      SHUTDOWN_TIMEOUT_MS: '10000',
      ...testSecrets(),
    });
    const clickhouse = createClickHouse({ url: testServices.clickhouseUrl, database: 'default' });
    try {
      const ready = await fetch(`${sink.baseUrl.replace('0.0.0.0', '127.0.0.1')}/health/ready`);
      assert.equal(ready.status, 200, await ready.text());
      const result = await clickhouse.query({ query: `SELECT name FROM system.tables WHERE database = '${database}' ORDER BY name`, format: 'JSONEachRow' });
      const tables = ((await result.json()) as { name: string }[]).map((row) => row.name);
      assert.ok(tables.includes('beckn_message_log') && tables.includes('business_events'), tables.join(', '));
    } finally {
      await stopServiceProcess(sink);
      await clickhouse.command({ query: `DROP DATABASE IF EXISTS ${database}` });
      await clickhouse.close();
    }
  });
});
