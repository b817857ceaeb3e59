import { createHash } from 'node:crypto';

/**
 * Merkle hash trees as RFC 6962 section 2.1 defines them (unchanged in
 * RFC 9162 section 2.1): a leaf hashes as SHA-256(0x00 || bytes), an inner
 * node as SHA-256(0x01 || left || right), and a tree of n leaves splits at
 * the largest power of two below n. Trees here are given by their leaf
 * hashes, in order.
 */

const leafPrefix = Buffer.from([0x00]);
const nodePrefix = Buffer.from([0x01]);

export function leafHash(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(leafPrefix).update(bytes).digest();
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(nodePrefix).update(left).update(right).digest();
}

/** The largest power of two smaller than n (n > 1). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[n]) over leaves[from, to). */
function subtreeRoot(leaves: readonly Buffer[], from: number, to: number): Buffer {
  const n = to - from;
  if (n === 0) return createHash('sha256').digest();
  if (n === 1) return leaves[from] as Buffer;
  const k = splitPoint(n);
  return nodeHash(subtreeRoot(leaves, from, from + k), subtreeRoot(leaves, from + k, to));
}

/** The root of the tree made of the first `size` leaves (all of them unless given). */
export function treeRoot(leaves: readonly Buffer[], size = leaves.length): Buffer {
  assertSize(leaves, size);
  return subtreeRoot(leaves, 0, size);
}

function assertSize(leaves: readonly Buffer[], size: number): void {
  if (!Number.isInteger(size) || size < 0 || size > leaves.length) throw new RangeError(`tree size ${size} is not within 0..${leaves.length}`);
}

/** PATH(m, D[n]): the audit path of leaf `index` in the tree of the first `size` leaves. */
export function inclusionProof(leaves: readonly Buffer[], index: number, size: number): Buffer[] {
  assertSize(leaves, size);
  if (!Number.isInteger(index) || index < 0 || index >= size) throw new RangeError(`leaf ${index} is not in a tree of ${size}`);
  const path = (m: number, from: number, to: number): Buffer[] => {
    const n = to - from;
    if (n === 1) return [];
    const k = splitPoint(n);
    return m < k
      ? [...path(m, from, from + k), subtreeRoot(leaves, from + k, to)]
      : [...path(m - k, from + k, to), subtreeRoot(leaves, from, from + k)];
  };
  return path(index, 0, size);
}

/** PROOF(m, D[n]): the consistency proof from the tree of the first `first` leaves to that of the first `second`. */
export function consistencyProof(leaves: readonly Buffer[], first: number, second: number): Buffer[] {
  assertSize(leaves, second);
  if (!Number.isInteger(first) || first < 0 || first > second) throw new RangeError(`tree size ${first} is not within 0..${second}`);
  if (first === 0 || first === second) return [];
  const subproof = (m: number, from: number, to: number, whole: boolean): Buffer[] => {
    const n = to - from;
    if (m === n) return whole ? [] : [subtreeRoot(leaves, from, to)];
    const k = splitPoint(n);
    return m <= k
      ? [...subproof(m, from, from + k, whole), subtreeRoot(leaves, from + k, to)]
      : [...subproof(m - k, from + k, to, false), subtreeRoot(leaves, from, from + k)];
  };
  return subproof(first, 0, second, true);
}

const odd = (n: number) => n % 2 === 1;
const half = (n: number) => Math.floor(n / 2);

/** RFC 9162 2.1.3.2: does `path` prove leaf `index` with hash `leaf` is in the tree of `size` with root `root`? */
export function verifyInclusion(leaf: Uint8Array, index: number, size: number, path: readonly Uint8Array[], root: Uint8Array): boolean {
  if (!Number.isInteger(index) || !Number.isInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r: Uint8Array = leaf;
  for (const p of path) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r);
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && Buffer.from(r).equals(Buffer.from(root));
}

/** RFC 9162 2.1.4.2: does `proof` show the tree of `first` (root `firstRoot`) is a prefix of the tree of `second` (root `secondRoot`)? */
export function verifyConsistency(
  first: number,
  second: number,
  proof: readonly Uint8Array[],
  firstRoot: Uint8Array,
  secondRoot: Uint8Array,
): boolean {
  if (!Number.isInteger(first) || !Number.isInteger(second) || first < 0 || first > second) return false;
  const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
  if (first === second) return proof.length === 0 && same(firstRoot, secondRoot);
  // Every tree extends the empty one.
  if (first === 0) return proof.length === 0;
  if (proof.length === 0) return false;
  // A first tree that is a complete subtree is not repeated in the proof: it starts the walk itself.
  const path = isPowerOfTwo(first) ? [firstRoot, ...proof] : [...proof];
  let fn = first - 1;
  let sn = second - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr: Uint8Array = path[0] as Uint8Array;
  let sr: Uint8Array = fr;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && same(fr, firstRoot) && same(sr, secondRoot);
}

function isPowerOfTwo(n: number): boolean {
  let value = n;
  while (value > 1 && value % 2 === 0) value /= 2;
  return value === 1;
}
