import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder holding src/: the package root when run from source (tsx), the
 * build's outDir (dist/) when run compiled, since the build keeps the layout.
 */
const buildRoot = fileURLToPath(new URL('../', import.meta.url));

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}: beckn-ride's build output must stay inside its package`);
  }
}

/** The folder of beckn-ride's package.json, beckn-schemas/ and migrations/. */
export const packageRoot = findPackageRoot(buildRoot);

/**
 * The path of a file the build does not compile (JSON, SQL, dashboard assets),
 * named relative to the calling module: `sourceTreePath(new URL('./x.json', import.meta.url))`.
 * Compiled code runs from dist/, but those files stay where they are in the
 * source tree, so the same relative path is taken from the package root.
 */
export function sourceTreePath(url: URL): string {
  const path = fileURLToPath(url);
  // join keeps a folder's trailing slash, which callers may append file names to.
  return path.startsWith(buildRoot) ? join(packageRoot, path.slice(buildRoot.length)) : path;
}
