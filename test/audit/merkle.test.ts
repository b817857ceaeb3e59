import assert from 'node:assert/strict';
import { consistencyProof, inclusionProof, leafHash, treeRoot, verifyConsistency, verifyInclusion } from '../../src/audit/transparency/index.js';

// The eight leaves and expected hashes of the RFC 6962 test data used by certificate-transparency implementations.
const leaves = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((hex) =>
  leafHash(Buffer.from(hex, 'hex')),
);
const roots = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const h = {
  leaf1: '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
  pair23: '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
  right4: '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
  leaf4: 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
  pair67: 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
  leaf5: '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
};
const inclusions: { index: number; size: number; path: string[] }[] = [
  { index: 0, size: 1, path: [] },
  { index: 0, size: 8, path: [h.leaf1, h.pair23, h.right4] },
  { index: 5, size: 8, path: [h.leaf4, h.pair67, roots[4] as string] },
  { index: 2, size: 3, path: [roots[2] as string] },
  { index: 1, size: 5, path: [roots[1] as string, h.pair23, h.leaf4] },
];
const consistencies: { first: number; second: number; proof: string[] }[] = [
  { first: 1, second: 1, proof: [] },
  { first: 1, second: 8, proof: [h.leaf1, h.pair23, h.right4] },
  { first: 6, second: 8, proof: [h.leaf5, h.pair67, roots[4] as string] },
  { first: 2, second: 5, proof: [h.pair23, h.leaf4] },
];
const hex = (hashes: Buffer[]) => hashes.map((hash) => hash.toString('hex'));
const bytes = (hashes: string[]) => hashes.map((hash) => Buffer.from(hash, 'hex'));
const root = (size: number) => Buffer.from(roots[size] as string, 'hex');

describe('Merkle trees (RFC 6962 test vectors)', () => {
  it('computes the root of every tree of 0 to 8 leaves', () => {
    assert.deepEqual(roots.map((_, size) => treeRoot(leaves, size).toString('hex')), roots);
  });

  it('builds the known audit paths, and each verifies against its root', () => {
    for (const { index, size, path } of inclusions) {
      assert.deepEqual(hex(inclusionProof(leaves, index, size)), path, `leaf ${index} of ${size}`);
      assert.equal(verifyInclusion(leaves[index] as Buffer, index, size, bytes(path), root(size)), true, `leaf ${index} of ${size}`);
    }
  });

  it('builds the known consistency proofs, and each verifies between its roots', () => {
    for (const { first, second, proof } of consistencies) {
      assert.deepEqual(hex(consistencyProof(leaves, first, second)), proof, `${first} to ${second}`);
      assert.equal(verifyConsistency(first, second, bytes(proof), root(first), root(second)), true, `${first} to ${second}`);
    }
  });

  it('verifies every inclusion and consistency proof of trees up to 8 leaves, and refuses each altered one', () => {
    for (let size = 1; size <= 8; size += 1) {
      for (let index = 0; index < size; index += 1) {
        const path = inclusionProof(leaves, index, size);
        const leaf = leaves[index] as Buffer;
        assert.equal(verifyInclusion(leaf, index, size, path, root(size)), true);
        assert.equal(verifyInclusion(leaves[(index + 1) % 8] as Buffer, index, size, path, root(size)), false, 'another leaf');
        if (size > 1) assert.equal(verifyInclusion(leaf, (index + 1) % size, size, path, root(size)), false, 'another index');
        assert.equal(verifyInclusion(leaf, index, size, path, root(size - 1)), false, 'another root');
        if (path.length > 0) assert.equal(verifyInclusion(leaf, index, size, path.slice(1), root(size)), false, 'a shorter path');
      }
      for (let first = 1; first < size; first += 1) {
        const proof = consistencyProof(leaves, first, size);
        assert.equal(verifyConsistency(first, size, proof, root(first), root(size)), true, `${first} to ${size}`);
        assert.equal(verifyConsistency(first, size, proof, root(first - 1), root(size)), false, 'another first root');
        assert.equal(verifyConsistency(first, size, proof, root(first), root(size - 1)), false, 'another second root');
        const altered = proof.map((hash, i) => (i === proof.length - 1 ? leafHash(hash) : hash));
        assert.equal(verifyConsistency(first, size, altered, root(first), root(size)), false, 'an altered proof');
      }
    }
  });
});
