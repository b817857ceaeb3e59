/**
 * Rule paths matched one key at a time. A path is its segments ('*' one key,
 * '**' any number of keys); the state after some keys is, per path, the set
 * of segment positions the keys so far can reach, as bits. Stepping one key
 * costs one pass over the segments, so matching a key at depth 20,000 costs
 * what it costs at depth 2, and nothing recurses.
 */
export type PathState = readonly number[];

/** Longest path a rule may give, so a path's positions fit in one 32-bit word. */
export const maxPathSegments = 30;

/** Positions reachable without consuming a key: '**' may match none. */
function closure(segments: readonly string[], bits: number): number {
  let reached = bits;
  for (let position = 0; position < segments.length; position += 1) {
    if (reached & (1 << position) && segments[position] === '**') reached |= 1 << (position + 1);
  }
  return reached;
}

export function startState(paths: readonly (readonly string[])[]): PathState {
  return paths.map((segments) => closure(segments, 1));
}

export function stepState(paths: readonly (readonly string[])[], state: PathState, key: string): PathState {
  return paths.map((segments, index) => {
    const bits = state[index] as number;
    let next = 0;
    for (let position = 0; position < segments.length; position += 1) {
      if (!(bits & (1 << position))) continue;
      const segment = segments[position];
      if (segment === '**') next |= 1 << position;
      else if (segment === '*' || segment === key) next |= 1 << (position + 1);
    }
    return closure(segments, next);
  });
}

/** Whether path `index` matches the keys the state was stepped with: all its segments consumed. */
export function matchesAt(paths: readonly (readonly string[])[], state: PathState, index: number): boolean {
  return ((state[index] as number) & (1 << (paths[index] as readonly string[]).length)) !== 0;
}
