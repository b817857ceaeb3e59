import { randomBytes } from 'node:crypto';

/**
 * Where the test suite finds the real services `scripts/services.sh up` starts.
 * Every name the suite writes to contains "test", so a suite pointed at a
 * production store by mistake refuses to run instead of writing to it.
 */
export const testServices = {
  databaseUrl: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/beckn_ride_test',
  redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0',
  kafkaBrokers: (process.env.TEST_KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
  clickhouseUrl: process.env.TEST_CLICKHOUSE_URL ?? 'http://127.0.0.1:8123',
  clickhouseDatabase: process.env.TEST_CLICKHOUSE_DATABASE ?? 'beckn_ride_test',
};

function requireTestName(what: string, name: string): void {
  if (!name.toLowerCase().includes('test')) {
    throw new Error(`refusing to run: ${what} "${name}" does not contain "test"`);
  }
}

requireTestName('Postgres database', new URL(testServices.databaseUrl).pathname.slice(1));
requireTestName('ClickHouse database', testServices.clickhouseDatabase);

/** A key/topic prefix unique to one suite run, so suites never see each other's data. */
export function uniqueTestPrefix(label: string): string {
  const prefix = `test:${label}:${randomBytes(4).toString('hex')}:`;
  requireTestName('prefix', prefix);
  return prefix;
}

/** A lowercase identifier unique to one suite run (topics, consumer groups, table names). */
export function uniqueTestName(label: string): string {
  return `test_${label}_${randomBytes(4).toString('hex')}`;
}
