import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface SchemaFile {
  /** Path relative to the schemas folder, for error messages. */
  file: string;
  id: string;
  schema: Record<string, unknown>;
}

function jsonFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? jsonFiles(join(dir, entry.name)) : entry.name.endsWith('.json') ? [join(dir, entry.name)] : []))
    .sort();
}

/**
 * Every `*.json` under `dir`, each with its `$id`. A file that is not a JSON
 * object, has no `$id` or repeats another file's `$id` stops the load, naming the file.
 */
export function readSchemaFiles(dir: string): SchemaFile[] {
  const byId = new Map<string, string>();
  return jsonFiles(dir).map((path) => {
    const file = relative(dir, path);
    let schema: unknown;
    try {
      schema = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new Error(`beckn schema ${file} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) throw new Error(`beckn schema ${file} is not a JSON object`);
    const id = (schema as { $id?: unknown }).$id;
    if (typeof id !== 'string' || id === '') throw new Error(`beckn schema ${file} has no $id`);
    const previous = byId.get(id);
    if (previous !== undefined) throw new Error(`beckn schema ${file} repeats $id ${id} of ${previous}`);
    byId.set(id, file);
    return { file, id, schema: schema as Record<string, unknown> };
  });
}
