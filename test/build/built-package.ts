import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServiceProcess } from '../support/service-process.js';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Every file under `dir`, as paths relative to it. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}

/**
 * A package laid out as the Docker image's run stage is: package.json, the
 * compiled dist/, src/ holding only its non-TypeScript files, the ClickHouse
 * migrations and beckn-schemas/, with this checkout's node_modules linked in.
 * Not one .ts file of ours is in it, so a process that imported one would fail.
 */
export function buildPackage(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `beckn-ride-test-${label}-`));
  cpSync(join(repoRoot, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
  cpSync(join(repoRoot, 'beckn-schemas'), join(dir, 'beckn-schemas'), { recursive: true });
  cpSync(join(repoRoot, 'migrations/clickhouse'), join(dir, 'migrations/clickhouse'), { recursive: true });
  for (const file of filesUnder(join(repoRoot, 'src')).filter((name) => !name.endsWith('.ts'))) {
    mkdirSync(dirname(join(dir, 'src', file)), { recursive: true });
    cpSync(join(repoRoot, 'src', file), join(dir, 'src', file));
  }
  // The build's own config, with the output redirected here (dist/ of the checkout is left alone).
  const tsc = spawnSync(
    process.execPath,
    [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', join(repoRoot, 'tsconfig.build.json'), '--outDir', join(dir, 'dist'), '--tsBuildInfoFile', join(dir, 'dist/.tsbuildinfo')],
    { cwd: repoRoot, encoding: 'utf8' },
  );
  if (tsc.status !== 0) throw new Error(`the build failed (${tsc.status}):\n${tsc.stdout}${tsc.stderr}`);
  return dir;
}

/** Module specifiers a compiled file imports, statically or with import(). */
export function importSpecifiers(source: string): string[] {
  return [...source.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)].map((match) => match[1] as string);
}

/** The npm package a bare specifier names ('@scope/name/deep' -> '@scope/name'), null for relative and node: ones. */
export function packageOf(specifier: string): string | null {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return null;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] as string);
}

export function devDependencies(): string[] {
  return Object.keys((JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies);
}

/**
 * `node <entry>` with no loader and no NODE_OPTIONS (only PATH and HOME come
 * from the caller), from a working directory outside any package; resolves
 * once it prints the address it listens on.
 */
export function startNode(args: string[], env: Record<string, string>, timeoutMs = 120_000): Promise<ServiceProcess> {
  const child = spawn(process.execPath, args, {
    cwd: tmpdir(),
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not listen in ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ child, baseUrl: match[1], output: () => output, exited });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited with ${code} before listening:\n${output}`));
    });
  });
}
