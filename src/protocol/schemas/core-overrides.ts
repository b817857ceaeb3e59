import type { BecknSchemaIssue } from './schema-issues.js';
import type { SchemaFile } from './schema-files.js';

/**
 * Annotation by which a profile layer takes over one core constraint, where
 * core 1.1.0 leaves the values to the network policy (e.g. order status). Each
 * entry names the issue it replaces (JSON pointer and keyword) and why; the
 * layer must check that field itself.
 */
export const coreOverridesKeyword = 'x-beckn-core-overrides';

export interface CoreOverride {
  path: string;
  keyword: string;
  reason: string;
}

function isOverride(value: unknown): value is CoreOverride {
  if (typeof value !== 'object' || value === null) return false;
  const { path, keyword, reason } = value as Record<string, unknown>;
  return typeof path === 'string' && path.startsWith('/') && typeof keyword === 'string' && keyword !== '' && typeof reason === 'string' && reason !== '';
}

/** The (path, keyword) pairs a layer file takes over from the core schema. */
export function readCoreOverrides({ file, schema }: SchemaFile): ReadonlySet<string> {
  const declared = schema[coreOverridesKeyword];
  if (declared === undefined) return new Set();
  if (!Array.isArray(declared) || !declared.every(isOverride)) {
    throw new Error(`beckn schema ${file}: ${coreOverridesKeyword} must list {path, keyword, reason} entries`);
  }
  return new Set(declared.map(({ path, keyword }) => overrideKey(path, keyword)));
}

export function overrideKey(path: string, keyword: string): string {
  return `${keyword} ${path}`;
}

export function withoutOverridden(issues: BecknSchemaIssue[], overrides: ReadonlySet<string>): BecknSchemaIssue[] {
  return overrides.size === 0 ? issues : issues.filter((issue) => !overrides.has(overrideKey(issue.path, issue.keyword)));
}
