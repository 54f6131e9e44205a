// Proof generation, RFC 9162 sections 2.1.3.1 (PATH) and 2.1.4.1 (SUBPROOF), over stored
// perfect-subtree hashes, so the server can back it by tiles. Sizes are plain numbers (logs stay
// below 2^53), so no 32-bit bitwise operators are used on them.
import { ProofError } from './errors.ts';
import { EMPTY_ROOT, nodeHash } from './hash.ts';

/**
 * Returns the hash of the perfect subtree of 2^height leaves starting at leaf index * 2^height
 * (height 0: leaf hashes). Only nodes inside the tree being proven are requested.
 */
export type NodeReader = (height: number, index: number) => Uint8Array;

function checkCount(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new ProofError('bad-size', `${what} ${value} is not a non-negative safe integer`);
  }
}

/** The largest power of two below n, for n >= 2: where MTH splits D[n]. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The hash of [start, end), a perfect subtree (a power-of-two width, aligned). */
function perfectHash(start: number, end: number, read: NodeReader): Uint8Array {
  let height = 0;
  for (let width = end - start; width > 1; width /= 2) height++;
  return read(height, start / (end - start));
}

/**
 * The hashes of the ranges a proof in the tree of `size` needs: [start, end) is either perfect
 * or on the right edge (end === size), whose hashes are memoised.
 */
function subtreeHasher(size: number, read: NodeReader): (start: number, end: number) => Uint8Array {
  const rightEdge = rangeHasher(size, read);
  return (start, end) => (end === size ? rightEdge(start) : perfectHash(start, end, read));
}

/**
 * MTH(D[start:end]) for a subtree range (start a multiple of BIT_CEIL(end - start)), such as a
 * node or a right edge. Such a range splits into perfect subtrees of decreasing size, one per
 * set bit of end - start; each is read once and they are folded from the right, as MTH's
 * recursion would.
 */
export function rangeHash(start: number, end: number, read: NodeReader): Uint8Array {
  checkCount(start, 'range start');
  checkCount(end, 'range end');
  let ceil = 1;
  while (ceil < end - start) ceil *= 2;
  if (start >= end || start % ceil !== 0) {
    throw new ProofError('invalid-range', `[${start}, ${end}) is no subtree`);
  }
  return rangeHasher(end, read)(start);
}

/**
 * Hashes of subtree ranges [start, end) for one end, memoised by start. The right-edge ranges
 * of one tree are suffixes of each other, so with the memo each costs one hash, not a refold.
 */
function rangeHasher(end: number, read: NodeReader): (start: number) => Uint8Array {
  const memo = new Map<number, Uint8Array>();
  const hashFrom = (start: number): Uint8Array => {
    let hash = memo.get(start);
    if (hash === undefined) {
      let width = 1;
      let height = 0;
      while (start + width * 2 <= end) {
        width *= 2;
        height++;
      }
      const head = read(height, start / width);
      hash = start + width === end ? head : nodeHash(head, hashFrom(start + width));
      memo.set(start, hash);
    }
    return hash;
  };
  return hashFrom;
}

/** MTH(D[size]): the root of the tree of the first `size` leaves. */
export function treeHash(size: number, read: NodeReader): Uint8Array {
  checkCount(size, 'tree size');
  return size === 0 ? EMPTY_ROOT : rangeHash(0, size, read);
}

/** PATH(index, D[size]), leaf sibling first. */
export function inclusionProof(index: number, size: number, read: NodeReader): Uint8Array[] {
  checkCount(index, 'index');
  checkCount(size, 'tree size');
  if (index >= size) throw new ProofError('index-out-of-range', `index ${index} >= size ${size}`);
  // Walk down from the root; each step adds the hash of the half not holding the leaf.
  const subtree = subtreeHasher(size, read);
  const proof: Uint8Array[] = [];
  let lo = 0;
  let hi = size;
  while (hi - lo > 1) {
    const mid = lo + splitPoint(hi - lo);
    if (index < mid) {
      proof.push(subtree(mid, hi));
      hi = mid;
    } else {
      proof.push(subtree(lo, mid));
      lo = mid;
    }
  }
  return proof.reverse();
}

/** PROOF(size1, D[size2]); empty when size1 is 0 or equals size2. */
export function consistencyProof(size1: number, size2: number, read: NodeReader): Uint8Array[] {
  checkCount(size1, 'size1');
  checkCount(size2, 'size2');
  if (size1 > size2) throw new ProofError('sizes-out-of-order', `size1 ${size1} > ${size2}`);
  if (size1 === 0 || size1 === size2) return [];
  // SUBPROOF(size1, D[lo:hi], b) unrolled: walk down towards the node ending at size1.
  const subtree = subtreeHasher(size2, read);
  const proof: Uint8Array[] = [];
  let lo = 0;
  let hi = size2;
  while (size1 !== hi) {
    const mid = lo + splitPoint(hi - lo);
    if (size1 <= mid) {
      proof.push(subtree(mid, hi));
      hi = mid;
    } else {
      proof.push(subtree(lo, mid));
      lo = mid;
    }
  }
  // The RFC's flag b is lo === 0: then D[lo:hi] is the old tree, whose root the verifier has.
  if (lo !== 0) proof.push(subtree(lo, hi));
  return proof.reverse();
}
