import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sequelize } from 'sequelize';
import { loadConfig } from '../../src/config/index.js';
import { createEventRelay, openFileEventPublisher, type BusinessEvent, type EventRelay } from '../../src/events/index.js';
import { createLogger } from '../../src/infra/logging/logger.js';
import { createSequelize, runMigrations, startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/infra/postgres/index.js';
import { fullProfileEnv } from '../support/test-app.js';
import { waitUntil } from '../support/wait-until.js';
import { driverOnline, outboxRows, recordEvents, subjectsOf } from './event-relay-support.js';

const quiet = createLogger('silent');

async function linesOf(file: string): Promise<BusinessEvent[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  if (text === '') return [];
  assert.ok(text.endsWith('\n'), 'the file ends with a whole line');
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as BusinessEvent);
}

function eventsFor(count: number, subject: string): BusinessEvent[] {
  return Array.from({ length: count }, (_, i) => driverOnline('bpp', subject).expected(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`));
}

describe('business event file publisher', function () {
  const dirs: string[] = [];
  async function tempDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'beckn-ride-test-events-'));
    dirs.push(dir);
    return dir;
  }
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('creates the folder and appends one JSON line per event, keeping earlier lines across a reopen', async () => {
    const file = join(await tempDir(), 'nested', 'deeper', 'business-events.jsonl');
    const [a, b, c] = [eventsFor(3, 'file-a'), eventsFor(2, 'file-b'), eventsFor(4, 'file-c')] as [BusinessEvent[], BusinessEvent[], BusinessEvent[]];

    const first = await openFileEventPublisher(file);
    assert.equal(first.target, `file ${file}`);
    await first.connect();
    await first.publish(a);
    // Durable when publish resolves: read back through another descriptor before anything else happens.
    assert.deepEqual(await linesOf(file), a);
    await Promise.all([first.publish(b), first.publish([])]);
    await first.close();
    await assert.rejects(first.publish(c), /is closed/);

    const second = await openFileEventPublisher(file);
    await second.publish(c);
    await second.close();
    assert.deepEqual(await linesOf(file), [...a, ...b, ...c]);
  });

  it('defaults to DATA_DIR/business-events.jsonl, polls embedded Postgres every second and a server every 200 ms', async () => {
    const dataDir = await tempDir();
    const embedded = loadConfig({ DATA_DIR: dataDir }).config.events;
    assert.equal(embedded.file, join(dataDir, 'business-events.jsonl'));
    assert.equal(embedded.relayPollIntervalMs, 1_000);
    assert.equal(embedded.retentionMs, 24 * 3_600_000);
    assert.equal(embedded.topic, 'beckn-ride.business-events');
    const full = loadConfig(fullProfileEnv({ EVENTS_FILE: join(dataDir, 'x.jsonl'), EVENTS_RETENTION_HOURS: '2', EVENTS_TOPIC_PARTITIONS: '12' })).config.events;
    assert.equal(full.relayPollIntervalMs, 200);
    assert.equal(full.retentionMs, 2 * 3_600_000);
    assert.equal(full.topicPartitions, 12);
    assert.equal(full.file, join(dataDir, 'x.jsonl'));
    assert.throws(() => loadConfig({ DATA_DIR: dataDir, EVENTS_RELAY_POLL_MS: '5' }), /EVENTS_RELAY_POLL_MS/);
    assert.throws(() => loadConfig({ DATA_DIR: dataDir, EVENTS_TOPIC: 'has space' }), /EVENTS_TOPIC/);
  });
});

describe('business event relay to a file over embedded Postgres (one connection)', function () {
  this.timeout(180_000);
  let dataDir: string;
  let embedded: EmbeddedPostgres | undefined;
  let sequelize: Sequelize | undefined;
  let relay: EventRelay | undefined;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'beckn-ride-test-events-pglite-'));
    embedded = await startEmbeddedPostgres({ dataDir: join(dataDir, 'pglite'), logger: quiet });
    // As the service does: migrations on a second connection first, then one connection for everything.
    const migrator = createSequelize({ url: embedded.url, logger: quiet, poolMax: 2 });
    try {
      await runMigrations({ sequelize: migrator, logger: quiet });
    } finally {
      await migrator.close();
    }
    sequelize = createSequelize({ url: embedded.url, logger: quiet, poolMax: 1 });
  });

  after(async () => {
    await relay?.stop();
    await sequelize?.close();
    await embedded?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('appends every event committed while it runs once, in seq order per subject, sharing the one connection with the writers', async () => {
    const db = sequelize as Sequelize;
    const file = join(dataDir, 'events', 'business-events.jsonl');
    const publisher = await openFileEventPublisher(file);
    relay = createEventRelay({ sequelize: db, publisher, schemas: ['atlas_app', 'atlas_driver_offer_bpp'], batchSize: 16, pollIntervalMs: 30, logger: quiet });
    relay.start();

    const subjects = subjectsOf('pglite', 3);
    const events: BusinessEvent[] = [];
    for (let wave = 0; wave < 6; wave++) events.push(...(await recordEvents(db, 20, subjects, 4)));

    await waitUntil('the file holds every event', async () => (await linesOf(file)).length >= events.length, { timeoutMs: 60_000, intervalMs: 50 });
    const lines = await linesOf(file);
    assert.equal(lines.length, events.length, 'each event once');
    assert.equal(new Set(lines.map((l) => l.event_id)).size, events.length, 'distinct events');
    const expected = new Map(events.map((e) => [e.event_id, e]));
    for (const line of lines) assert.deepEqual(line, expected.get(line.event_id));
    for (const subject of subjects) {
      assert.deepEqual(
        lines.filter((l) => l.subject_id === subject.id).map((l) => l.event_id),
        events.filter((e) => e.subject_id === subject.id).map((e) => e.event_id),
        `order of ${subject.id}`,
      );
    }
    await waitUntil('every row is stamped relayed', async () => (await outboxRows(db, 'bap')).every((r) => r.relayed_at !== null) && (await outboxRows(db, 'bpp')).every((r) => r.relayed_at !== null));
    await relay.check();
    assert.deepEqual(await relay.pending(), { atlas_app: 0, atlas_driver_offer_bpp: 0 });
    await relay.stop();
    await publisher.close();
  });
});
