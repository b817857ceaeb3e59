import { readFileSync } from 'node:fs';
import { sourceTreePath } from './source-tree.js';

/** The package version, reported by /openapi.json and at start. */
export const version: string = (
  JSON.parse(readFileSync(sourceTreePath(new URL('../package.json', import.meta.url)), 'utf8')) as { version: string }
).version;
