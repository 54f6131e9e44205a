// merkletreejs as an independent oracle: configured for RFC 6962 hashing, its roots and inclusion
// paths must equal proof-builder's for every tree size 1..300 and a few seeded random sizes up to
// 100,000, and every one of our paths must pass verifyInclusion.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MerkleTree } from 'merkletreejs';
import t from 'tap';
import { equalBytes, leafHash, nodeHash } from '../server/log/hash.ts';
import { verifyInclusion } from '../server/log/inclusion-proof.ts';
import { inclusionProof, type NodeReader, treeHash } from '../server/log/proof-builder.ts';

// merkletreejs hashes the concatenated children; RFC 6962 prefixes them with 0x01. Leaves are
// given already hashed (our leafHash), so merkletreejs never hashes them itself.
const rfc6962Node = (data: Buffer): Buffer =>
  createHash('sha256').update(Uint8Array.of(1)).update(data).digest();

const oracle = (leaves: readonly Buffer[]) =>
  new MerkleTree([...leaves], rfc6962Node, { hashLeaves: false });

/** In-memory NodeReader: perfect-subtree hashes, one memoized level at a time. */
function memoryReader(leaves: readonly Uint8Array[]): NodeReader {
  const levels: Uint8Array[][] = [[...leaves]];
  return (height, index) => {
    while (levels.length <= height) {
      const below = levels[levels.length - 1];
      const level: Uint8Array[] = [];
      for (let i = 0; i + 1 < below.length; i += 2) level.push(nodeHash(below[i], below[i + 1]));
      levels.push(level);
    }
    return levels[height][index];
  };
}

/** mulberry32: a tiny seeded PRNG, so the random sizes are the same on every run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const MAX = 100_000;
const leaves = Array.from({ length: MAX }, (_, i) => leafHash(new TextEncoder().encode(`e${i}`)));
const leafBuffers = leaves.map((leaf) => Buffer.from(leaf));
// Perfect subtrees do not depend on the tree size, so one reader serves every size.
const read = memoryReader(leaves);

/**
 * Compares the root and every inclusion path of one size with the oracle, and runs
 * verifyInclusion on every `verifyEvery`-th path and on the last 64 (the right edge, where the
 * RFC's inner shift loop matters). Returns the mismatches found.
 */
function compare(size: number, verifyEvery = 1): string[] {
  const tree = oracle(leafBuffers.slice(0, size));
  const root = treeHash(size, read);
  const problems: string[] = [];
  if (!equalBytes(tree.getRoot(), root)) problems.push(`root of ${size}`);
  for (let i = 0; i < size; i++) {
    const theirs = tree.getProof(leafBuffers[i], i).map((step) => step.data);
    const ours = inclusionProof(i, size, read);
    if (theirs.length !== ours.length || !ours.every((h, j) => equalBytes(h, theirs[j]))) {
      problems.push(`path of ${i} in ${size}`);
    }
    if (i % verifyEvery !== 0 && i < size - 64) continue;
    try {
      verifyInclusion(i, size, leaves[i], ours, root);
    } catch (err) {
      problems.push(`verify ${i} in ${size}: ${String(err)}`);
    }
  }
  return problems;
}

t.test('merkletreejs, so configured, is RFC 6962: the 8-leaf reference', async (t) => {
  const ref = JSON.parse(
    readFileSync(
      path.resolve(import.meta.dirname, '../../shared/vectors/merkle/rfc6962-8leaf-reference.json'),
      'utf8',
    ),
  );
  const refLeaves: Buffer[] = ref.leaf_hashes_hex.map((h: string) => Buffer.from(h, 'hex'));
  for (let size = 1; size <= 8; size++) {
    const tree = oracle(refLeaves.slice(0, size));
    t.equal(tree.getRoot().toString('hex'), ref.roots_hex_by_size[size], `root of size ${size}`);
  }
  for (const { leafIndex, treeSize, proof_hex } of ref.inclusion) {
    const tree = oracle(refLeaves.slice(0, treeSize));
    const proof = tree.getProof(refLeaves[leafIndex], leafIndex).map((s) => s.data.toString('hex'));
    t.same(proof, proof_hex, `PATH(${leafIndex}, D[${treeSize}])`);
  }
  // An odd last node is promoted unchanged, not paired with a duplicate of itself.
  const layers = oracle(refLeaves.slice(0, 3)).getLayers();
  t.same(layers[1][1], refLeaves[2], 'odd node promoted');
});

t.test('every size 1..300: roots and all inclusion paths agree', async (t) => {
  const problems: string[] = [];
  for (let size = 1; size <= 300; size++) problems.push(...compare(size));
  t.same(problems, []);
});

// SHA-256 in pure JS makes verifying 10^5 paths per size cost seconds, so large sizes verify
// every 16th path (plus the right edge); every path is still compared with the oracle.
t.test('seeded random sizes up to 100,000: roots and all inclusion paths agree', async (t) => {
  const random = prng(0x6d65726b);
  const sizes = Array.from({ length: 3 }, () => 301 + Math.floor(random() * (MAX - 300)));
  for (const size of sizes) t.same(compare(size, 16), [], `size ${size}`);
});
