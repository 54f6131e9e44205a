// Consistency proof verification, RFC 9162 section 2.1.4.2, plus the subtree consistency proofs
// of draft-ietf-plants-merkle-tree-certs. Sizes are uint64, handled as bigint (see
// inclusion-proof.ts).
import { ProofError } from './errors.ts';
import { EMPTY_ROOT, equalBytes, nodeHash } from './hash.ts';
import {
  checkHashLength,
  checkProofLengths,
  isValidSubtree,
  rootFromInclusionProof,
  type TreeIndex,
  toUint64,
} from './inclusion-proof.ts';

/** Number of bits needed to write x (0 for 0): the height at which two leaf paths meet. */
function bitLength(x: bigint): bigint {
  let bits = 0n;
  while (x >> bits !== 0n) bits++;
  return bits;
}

/** Throws a ProofError unless `proof` shows the tree (size2, root2) extends (size1, root1). */
export function verifyConsistency(
  size1: TreeIndex,
  size2: TreeIndex,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): void {
  const m = toUint64(size1, 'bad-size');
  const n = toUint64(size2, 'bad-size');
  checkHashLength(root1, 'first root');
  checkHashLength(root2, 'second root');
  checkProofLengths(proof);
  if (m > n) throw new ProofError('sizes-out-of-order', `size1 ${m} > size2 ${n}`);
  // The empty tree has exactly one root; C2SP tlog-witness rejects size-0 checkpoints without it.
  if (m === 0n && !equalBytes(root1, EMPTY_ROOT)) {
    throw new ProofError('root-mismatch', 'a tree of size 0 must have the empty root');
  }
  // Both cases are outside the RFC. Equal sizes: nothing to prove, the roots must match.
  // size1 == 0: every tree extends the empty tree. This project's API follows C2SP tlog-witness,
  // which accepts "old 0" with an empty proof; transparency-dev/merkle rejects size1 == 0 instead.
  if (m === n || m === 0n) {
    if (proof.length !== 0) throw new ProofError('proof-too-long', 'expected an empty proof');
    if (m === n && !equalBytes(root1, root2)) {
      throw new ProofError('root-mismatch', 'equal sizes, roots differ');
    }
    return;
  }
  if (proof.length === 0) throw new ProofError('proof-too-short', 'empty consistency proof');
  // The proof omits the first tree's root when it is itself a node of the second tree.
  const path = (m & (m - 1n)) === 0n ? [root1, ...proof] : proof;
  let fn = m - 1n;
  let sn = n - 1n;
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0n) throw new ProofError('proof-too-long', 'consistency proof has too many hashes');
    if ((fn & 1n) === 1n || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) throw new ProofError('proof-too-short', 'consistency proof has too few hashes');
  if (!equalBytes(fr, root1)) throw new ProofError('root-mismatch', 'proof misses the first root');
  if (!equalBytes(sr, root2)) throw new ProofError('root-mismatch', 'proof misses the second root');
}

/**
 * Subtree consistency (MTC draft): shows that the valid subtree [start, end) with `subtreeRoot`
 * is part of the tree of `size` leaves with `root`. Let N be the node of height `height` holding
 * the subtree. If the subtree ends before the tree, the proof first rebuilds N as of `size` and
 * checks the subtree root on the way; the rest is an inclusion proof of N in the tree viewed at
 * N's level. With start = 0 and end = size this demands an empty proof and equal roots.
 */
export function verifySubtreeConsistency(
  start: TreeIndex,
  end: TreeIndex,
  size: TreeIndex,
  proof: readonly Uint8Array[],
  subtreeRoot: Uint8Array,
  root: Uint8Array,
): void {
  const s = toUint64(start, 'bad-size');
  const e = toUint64(end, 'bad-size');
  const n = toUint64(size, 'bad-size');
  checkHashLength(subtreeRoot, 'subtree root');
  checkHashLength(root, 'root');
  checkProofLengths(proof);
  if (!isValidSubtree(s, e)) throw new ProofError('invalid-subtree', `[${s}, ${e}) is no subtree`);
  if (e > n) throw new ProofError('subtree-out-of-range', `subtree end ${e} > tree size ${n}`);
  const height = bitLength((e - 1n) ^ s);
  const { node, rest } =
    e === n ? { node: subtreeRoot, rest: proof } : growSubtree(s, e, n, height, proof, subtreeRoot);
  const computed = rootFromInclusionProof(s >> height, ((n - 1n) >> height) + 1n, node, rest);
  if (!equalBytes(computed, root)) {
    throw new ProofError('root-mismatch', 'subtree consistency proof does not lead to the root');
  }
}

/**
 * Rebuilds the subtree's node both as of `end` (left siblings only: must give the subtree root)
 * and as of `size` (right siblings too, below the level where the paths to end - 1 and
 * size - 1 part). Returns the latter and the unused rest of the proof.
 */
function growSubtree(
  s: bigint,
  e: bigint,
  n: bigint,
  height: bigint,
  proof: readonly Uint8Array[],
  subtreeRoot: Uint8Array,
): { node: Uint8Array; rest: readonly Uint8Array[] } {
  let used = 0;
  const next = (): Uint8Array => {
    if (used === proof.length) throw new ProofError('proof-too-short', 'proof ends in subtree');
    return proof[used++];
  };
  const fork = bitLength((e - 1n) ^ (n - 1n));
  // The rightmost perfect subtree inside [s, e) has height `low`. Its hash leads the proof,
  // unless it is the whole subtree, whose root the verifier already holds.
  let low = 0n;
  while ((((e - s) >> low) & 1n) === 0n) low++;
  let sub = e - s === 1n << low ? subtreeRoot : next();
  let grown = sub;
  for (let level = low; level < height; level++) {
    if ((((e - 1n) >> level) & 1n) === 1n) {
      const left = next();
      sub = nodeHash(left, sub);
      grown = nodeHash(left, grown);
    } else if (level < fork) {
      grown = nodeHash(grown, next());
    }
  }
  if (!equalBytes(sub, subtreeRoot)) {
    throw new ProofError('root-mismatch', 'proof does not lead to the subtree root');
  }
  return { node: grown, rest: proof.slice(used) };
}
