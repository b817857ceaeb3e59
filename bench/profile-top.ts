/**
 * The top frames of a V8 CPU profile (`node --cpu-prof` writes one
 * `.cpuprofile` per thread): self time per function, summed over the call
 * tree, and the share of the sampled time it is, printed as a Markdown table.
 * Frames of our code are named by their path under the repository; idle and
 * garbage collection are listed as V8 names them.
 *
 *   node --import tsx bench/profile-top.ts <file.cpuprofile> [top] [--by-package] [--from S] [--to S]
 *
 * `--by-package` sums self time by where the code lives instead: a package
 * under node_modules, a node: module, a folder of ours (src/protocol/inbound),
 * or a V8 entry such as (garbage collector) or a native call. `--from` and
 * `--to` keep the samples between those seconds of the profile (one phase
 * of a benchmark).
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { markdownTable } from './report.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const root = fileURLToPath(new URL('../', import.meta.url));

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName || '(anonymous)';
  if (!url) return name;
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const shown = path.startsWith(root) ? relative(root, path) : path.replace(/^.*node_modules\//, '');
  return `${name} ${shown}:${lineNumber + 1}`;
}

/** Where a frame's code lives: `pg`, `node:internal/crypto`, `src/protocol/inbound`, or the V8 name. */
function packageOf(node: ProfileNode): string {
  const { functionName, url } = node.callFrame;
  if (!url) return functionName.startsWith('(') ? functionName : `native ${functionName || '(anonymous)'}`;
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (modules?.[1]) return modules[1];
  if (path.startsWith('node:')) return path.split('/').slice(0, 2).join('/');
  const shown = path.startsWith(root) ? relative(root, path) : path;
  return shown.split('/').slice(0, Math.min(3, shown.split('/').length - 1)).join('/') || shown;
}

export function topFrames(
  profile: CpuProfile,
  top: number,
  group: (node: ProfileNode) => string = frameName,
  window: { fromS: number; toS: number } = { fromS: 0, toS: Number.POSITIVE_INFINITY },
): { frame: string; selfMs: number; share: number }[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  let atUs = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    atUs += delta;
    if (atUs < window.fromS * 1e6 || atUs >= window.toS * 1e6) return;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  });
  const byFrame = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    total += us;
    const name = group(node);
    byFrame.set(name, (byFrame.get(name) ?? 0) + us);
  }
  return [...byFrame.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([frame, us]) => ({ frame, selfMs: us / 1000, share: total > 0 ? us / total : 0 }));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { 'by-package': { type: 'boolean' }, from: { type: 'string' }, to: { type: 'string' } } });
  const byPackage = values['by-package'] === true;
  const [file, topArg] = positionals;
  const window = { fromS: Number(values.from ?? 0), toS: values.to === undefined ? Number.POSITIVE_INFINITY : Number(values.to) };
  if (!file) {
    console.error('usage: node --import tsx bench/profile-top.ts <file.cpuprofile> [top] [--by-package] [--from S] [--to S]');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const rows = topFrames(profile, Number(topArg ?? 25), byPackage ? packageOf : frameName, window);
  console.log(markdownTable(['self ms', 'share', byPackage ? 'where' : 'frame'], rows.map((r) => [r.selfMs.toFixed(0), `${(r.share * 100).toFixed(1)}%`, `\`${r.frame}\``]), [true, true, false]));
}
