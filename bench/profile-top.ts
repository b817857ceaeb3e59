/**
 * The top frames of a V8 CPU profile (`node --cpu-prof` writes one
 * `.cpuprofile` per thread): self time per function, summed over the call
 * tree, and the share of the sampled time it is, printed as a Markdown table.
 * Frames of our code are named by their path under the repository; idle and
 * garbage collection are listed as V8 names them.
 *
 *   node --import tsx bench/profile-top.ts <file.cpuprofile> [top]
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
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

export function topFrames(profile: CpuProfile, top: number): { frame: string; selfMs: number; share: number }[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, index) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));
  const byFrame = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    total += us;
    const name = frameName(node);
    byFrame.set(name, (byFrame.get(name) ?? 0) + us);
  }
  return [...byFrame.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([frame, us]) => ({ frame, selfMs: us / 1000, share: total > 0 ? us / total : 0 }));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, topArg] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node --import tsx bench/profile-top.ts <file.cpuprofile> [top]');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const rows = topFrames(profile, Number(topArg ?? 25));
  console.log(markdownTable(['self ms', 'share', 'frame'], rows.map((r) => [r.selfMs.toFixed(0), `${(r.share * 100).toFixed(1)}%`, `\`${r.frame}\``]), [true, true, false]));
}
