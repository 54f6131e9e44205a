import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { decodeEntryBundle, encodeEntryBundle } from '../server/log/entry-bundle.ts';
import { TileError } from '../server/log/errors.ts';

const vectorDir = path.resolve(import.meta.dirname, '../../shared/vectors/tlog-tiles');
const leaves: Uint8Array[] = JSON.parse(
  readFileSync(path.join(vectorDir, 'tessera-testdata-log.json'), 'utf8'),
).leaves_utf8.map((leaf: string) => new TextEncoder().encode(leaf));

function bundleFile(width: number): Uint8Array {
  return new Uint8Array(
    readFileSync(path.join(vectorDir, `tessera-log/tile/entries/000.p/${width}`)),
  );
}

/** The TileError code `fn` throws; anything else (no throw, another error) fails the comparison. */
function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return err instanceof TileError ? err.code : `not a TileError: ${err}`;
  }
  return 'did not throw';
}

t.test('encodes the Tessera log bundles byte for byte and decodes them back', async (t) => {
  t.equal(leaves.length, 15);
  for (let n = 1; n <= 15; n++) {
    const file = bundleFile(n);
    t.same(encodeEntryBundle(leaves.slice(0, n)), file, `000.p/${n} encodes`);
    t.same(decodeEntryBundle(file), leaves.slice(0, n), `000.p/${n} decodes`);
  }
});

t.test('truncation is rejected unless cut exactly at an entry boundary', async (t) => {
  const bundle = bundleFile(15);
  // boundaries[k] = byte offset just after the first k entries.
  const boundaries = [0];
  for (const leaf of leaves) boundaries.push(boundaries[boundaries.length - 1] + 2 + leaf.length);
  t.equal(boundaries[15], bundle.length);
  for (let cut = 0; cut <= bundle.length; cut++) {
    const prefix = bundle.subarray(0, cut);
    const k = boundaries.indexOf(cut);
    if (k >= 0) {
      t.same(decodeEntryBundle(prefix), leaves.slice(0, k), `cut at ${cut}: ${k} entries`);
    } else {
      t.equal(
        codeOf(() => decodeEntryBundle(prefix)),
        'bad-entry-bundle',
        `cut at ${cut}`,
      );
    }
  }
});

t.test('empty and zero-length entries', async (t) => {
  t.same(encodeEntryBundle([]), new Uint8Array(0));
  t.same(decodeEntryBundle(new Uint8Array(0)), []);
  const empties = [new Uint8Array(0), new Uint8Array(0)];
  t.same(encodeEntryBundle(empties), new Uint8Array([0, 0, 0, 0]));
  t.same(decodeEntryBundle(new Uint8Array([0, 0, 0, 0])), empties);
});

t.test('entry size limit is 65535 bytes, big-endian length', async (t) => {
  const max = new Uint8Array(65535).fill(7);
  const bundle = encodeEntryBundle([max, new Uint8Array([1])]);
  t.same(bundle.subarray(0, 2), new Uint8Array([0xff, 0xff]));
  t.same(bundle.subarray(65537), new Uint8Array([0, 1, 1]));
  t.same(decodeEntryBundle(bundle), [max, new Uint8Array([1])]);
  const long = new Uint8Array(300);
  t.same(encodeEntryBundle([long]).subarray(0, 2), new Uint8Array([1, 44]));
  t.equal(
    codeOf(() => encodeEntryBundle([new Uint8Array(65536)])),
    'entry-too-large',
  );
});

t.test('at most 256 entries', async (t) => {
  const full = Array.from({ length: 256 }, (_, i) => new Uint8Array([i]));
  const bundle = encodeEntryBundle(full);
  t.same(decodeEntryBundle(bundle), full);
  t.equal(
    codeOf(() => encodeEntryBundle([...full, new Uint8Array(0)])),
    'too-many-entries',
  );
  const extra = new Uint8Array(bundle.length + 2);
  extra.set(bundle);
  t.equal(
    codeOf(() => decodeEntryBundle(extra)),
    'bad-entry-bundle',
    '257th entry',
  );
});

t.test('decoded entries are copies, not views of the input', async (t) => {
  const bundle = encodeEntryBundle([new Uint8Array([1, 2, 3])]);
  const [entry] = decodeEntryBundle(bundle);
  bundle.fill(0);
  t.same(entry, new Uint8Array([1, 2, 3]));
});
