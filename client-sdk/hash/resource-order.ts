// The reference implementation sorts its manifest keys as Python objects: a file key compares as a
// PurePosixPath, that is component by component (`a/b` < `a-b/c` < `a.txt`, where a plain string
// sort puts `a-b/c` first), each component by Unicode code point; a shard key compares as
// (path, start, end) with numeric offsets. The spec and the Go implementation sort plain strings;
// the root digests then differ, and the reference's goldens follow the Python order.

/** Orders model-relative POSIX paths as Python's PurePosixPath does. */
export function compareModelPaths(a: string, b: string): number {
  const left = a.split('/');
  const right = b.split('/');
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const order = compareCodePoints(left[i], right[i]);
    if (order !== 0) return order;
  }
  return left.length - right.length;
}

/**
 * Compares by code point, as Python compares str. JavaScript compares UTF-16 code units, which
 * differs only where a surrogate (U+D800..U+DFFF, half of a character above U+FFFF) meets a unit at
 * U+E000 or above: shifting those two ranges past each other restores code point order.
 */
function compareCodePoints(a: string, b: string): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}
