import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from '../logging/logger.js';

/**
 * MergeTree with the ORDER BY clause is the table syntax shared by ClickHouse
 * 18.16 and current releases; a name is recorded only after its file applied.
 */
const CREATE_MIGRATIONS_TABLE = `
  CREATE TABLE IF NOT EXISTS schema_migrations (
    name String,
    applied_at DateTime DEFAULT now()
  ) ENGINE = MergeTree() ORDER BY name`;

async function appliedNames(client: ClickHouseClient): Promise<Set<string>> {
  const result = await client.query({ query: 'SELECT name FROM schema_migrations', format: 'JSONEachRow' });
  const rows = await result.json<{ name: string }>();
  return new Set(rows.map((row) => row.name));
}

/** Drops a trailing semicolon, so each file reaches the server as exactly one statement. */
function statementOf(sql: string): string {
  return sql.trim().replace(/;\s*$/, '');
}

/**
 * Applies the `*.sql` files of `dir` that have not been applied yet, in name
 * order, one statement per file, and returns the names it applied. A failing
 * file stops the run with its name in the error and stays unrecorded.
 */
export async function runClickHouseMigrations(client: ClickHouseClient, dir: string, logger: Logger): Promise<string[]> {
  await client.command({ query: CREATE_MIGRATIONS_TABLE });
  const done = await appliedNames(client);
  const pending = (await readdir(dir)).filter((name) => name.endsWith('.sql') && !done.has(name)).sort();

  const applied: string[] = [];
  for (const name of pending) {
    const statement = statementOf(await readFile(join(dir, name), 'utf8'));
    try {
      await client.command({ query: statement });
    } catch (error) {
      const reason = (error instanceof Error ? error.message : String(error)).trim();
      throw new Error(`ClickHouse migration ${name} failed: ${reason}`, { cause: error });
    }
    // Naming the column makes ClickHouse 18.16 fill applied_at from its DEFAULT, not with zero.
    await client.insert({ table: 'schema_migrations', values: [{ name }], columns: ['name'], format: 'JSONEachRow' });
    logger.info({ migration: name }, 'clickhouse migration applied');
    applied.push(name);
  }
  return applied;
}
