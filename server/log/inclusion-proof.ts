// Inclusion proof verification, RFC 9162 section 2.1.3.2, plus the subtree inclusion proofs of
// draft-ietf-plants-merkle-tree-certs. Indices are uint64 on the wire, so they are handled as
// bigint here: JS bitwise operators on numbers are 32-bit and would silently wrap.
import { ProofError } from './errors.ts';
import { equalBytes, HASH_SIZE, nodeHash } from './hash.ts';

/** A tree size or leaf index: a safe integer, or a bigint for the full uint64 range. */
export type TreeIndex = number | bigint;

const MAX_UINT64 = (1n << 64n) - 1n;

// The helpers below are shared with consistency-proof.ts.

/** Validates a uint64 input; `code` names what was wrong ('bad-index', 'bad-size'). */
export function toUint64(value: TreeIndex, code: string): bigint {
  const v = typeof value === 'bigint' ? value : Number.isSafeInteger(value) ? BigInt(value) : -1n;
  if (v < 0n || v > MAX_UINT64) throw new ProofError(code, `${value} is not a uint64`);
  return v;
}

/** nodeHash assumes 32-byte children: any other length must fail here, not hash to garbage. */
export function checkHashLength(hash: Uint8Array, what: string): void {
  if (hash.length !== HASH_SIZE) {
    throw new ProofError('bad-hash-length', `${what} is ${hash.length} bytes, want ${HASH_SIZE}`);
  }
}

export function checkProofLengths(proof: readonly Uint8Array[]): void {
  proof.forEach((p, i) => {
    checkHashLength(p, `proof[${i}]`);
  });
}

/** [start, end) is a subtree iff start < end and start is a multiple of BIT_CEIL(end - start). */
export function isValidSubtree(start: bigint, end: bigint): boolean {
  if (start >= end) return false;
  let ceil = 1n;
  while (ceil < end - start) ceil <<= 1n;
  return start % ceil === 0n;
}

/** Computes the root implied by an inclusion proof (RFC 9162 section 2.1.3.2, steps 1-3). */
export function rootFromInclusionProof(
  index: TreeIndex,
  size: TreeIndex,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
): Uint8Array {
  let fn = toUint64(index, 'bad-index');
  let sn = toUint64(size, 'bad-size');
  if (fn >= sn) throw new ProofError('index-out-of-range', `index ${fn} >= tree size ${sn}`);
  checkHashLength(leafHash, 'leaf hash');
  checkProofLengths(proof);
  sn -= 1n;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0n) throw new ProofError('proof-too-long', 'inclusion proof has too many hashes');
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      // A last node without a right sibling is promoted: skip the levels until it is a right child.
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) throw new ProofError('proof-too-short', 'inclusion proof has too few hashes');
  return r;
}

/** Throws a ProofError unless `proof` shows the leaf at `index` is in the tree with `root`. */
export function verifyInclusion(
  index: TreeIndex,
  size: TreeIndex,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  checkHashLength(root, 'root');
  const computed = rootFromInclusionProof(index, size, leafHash, proof);
  if (!equalBytes(computed, root)) {
    throw new ProofError('root-mismatch', 'inclusion proof does not lead to the root');
  }
}

/**
 * Subtree inclusion (MTC draft): within a valid subtree [start, end) the proof is an ordinary
 * inclusion proof of index - start in a tree of end - start leaves whose root is the subtree's.
 */
export function verifySubtreeInclusion(
  index: TreeIndex,
  start: TreeIndex,
  end: TreeIndex,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  subtreeRoot: Uint8Array,
): void {
  const i = toUint64(index, 'bad-index');
  const s = toUint64(start, 'bad-size');
  const e = toUint64(end, 'bad-size');
  if (!isValidSubtree(s, e)) throw new ProofError('invalid-subtree', `[${s}, ${e}) is no subtree`);
  if (i < s || i >= e) throw new ProofError('index-out-of-range', `${i} not in [${s}, ${e})`);
  verifyInclusion(i - s, e - s, leafHash, proof, subtreeRoot);
}
