import { readdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RunnableMigration } from 'umzug';
import type { MigrationContext, MigrationModule, MigrationParams } from './migration-context.js';

// .ts in the source tree (run through tsx), .js in the production build (dist/migrations/postgres/).
const MIGRATION_FILE = /^(\d{4})-[a-z0-9]+(?:-[a-z0-9]+)*\.[tj]s$/;
const isMigrationSource = (name: string) => /\.[tj]s$/.test(name) && !name.endsWith('.d.ts');

/**
 * Lists the migrations in `dir`, ordered by their four-digit version. A `.ts`
 * or `.js` file with any other name, or two files sharing a version, is refused rather
 * than skipped, so a misnamed migration never silently goes unapplied.
 */
export async function loadMigrationFiles(dir: string): Promise<RunnableMigration<MigrationContext>[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile() && isMigrationSource(entry.name))
    .map((entry) => entry.name)
    .sort();

  const versions = new Set<string>();
  for (const file of files) {
    const version = MIGRATION_FILE.exec(file)?.[1];
    if (version === undefined) {
      throw new Error(`${join(dir, file)} is not named NNNN-description.ts (or .js)`);
    }
    if (versions.has(version)) throw new Error(`two migrations in ${dir} share version ${version}`);
    versions.add(version);
  }

  return files.map((file) => {
    const path = join(dir, file);
    // Recorded without the extension, so a database migrated from source and from the build agree.
    const name = basename(file, extname(file));
    return {
      name,
      path,
      up: async ({ context }) => (await importMigration(path)).up({ context }),
      down: async ({ context }) => (await importMigration(path)).down({ context }),
    };
  });
}

async function importMigration(path: string): Promise<MigrationModule> {
  const module: Partial<Record<keyof MigrationModule, unknown>> = await import(pathToFileURL(path).href);
  const { up, down } = module;
  if (typeof up !== 'function' || typeof down !== 'function') {
    throw new Error(`${path} must export async functions up and down`);
  }
  return {
    up: (params: MigrationParams) => up(params),
    down: (params: MigrationParams) => down(params),
  };
}
