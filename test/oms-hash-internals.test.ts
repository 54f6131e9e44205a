// The pieces under hashModel: a worker's task (byte ranges, progress, failures as data), the pool
// that runs tasks on every thread, the reference's JSON layout, and its resource order.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { HashError } from '../client-sdk/hash/errors.ts';
import hashTask from '../client-sdk/hash/hash-worker.ts';
import { messageToJson } from '../client-sdk/hash/message-to-json.ts';
import { type ByteRange, hashRanges } from '../client-sdk/hash/parallel-hash.ts';
import { compareModelPaths } from '../client-sdk/hash/resource-order.ts';
import { tempDir } from './support/temp-log.ts';

const MiB = 1 << 20;
const dir = tempDir(t, 'attestry-oms-internals-');
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const counter = () => new BigInt64Array(new SharedArrayBuffer(8));

function file(name: string, bytes: number): { path: string; data: Buffer } {
  const path = join(dir, name);
  const data = randomBytes(bytes);
  writeFileSync(path, data);
  return { path, data };
}

const big = file('big.bin', 3 * MiB + 5);
const whole = (f: { path: string; data: Buffer }): ByteRange => ({
  path: f.path,
  start: 0,
  end: f.data.length,
  fileSize: f.data.length,
});

t.test('a worker task hashes its ranges in order and counts the bytes', async (t) => {
  const progress = counter();
  const size = big.data.length;
  const result = hashTask({
    ranges: [
      whole(big),
      { path: big.path, start: 1, end: 2 * MiB + 3, fileSize: size },
      { path: big.path, start: size, end: size, fileSize: size },
    ],
    progress,
  });
  t.same(result, {
    digests: [sha256(big.data), sha256(big.data.subarray(1, 2 * MiB + 3)), sha256(Buffer.alloc(0))],
  });
  t.equal(Number(progress[0]), size + 2 * MiB + 2, 'every byte hashed is counted');
});

t.test('a file whose size is not the listed one has changed', async (t) => {
  const result = hashTask({
    ranges: [whole(big), { ...whole(big), fileSize: big.data.length + 1 }],
    progress: counter(),
  });
  t.same(result, {
    failure: {
      code: 'file-changed',
      message: `${big.path} changed while the model was being hashed`,
    },
  });
});

t.test('a file that ends before its range does has changed', async (t) => {
  const result = hashTask({
    ranges: [{ ...whole(big), end: big.data.length + 10 }],
    progress: counter(),
  });
  t.match(result, { failure: { code: 'file-changed' } });
});

t.test('a missing file, or a directory, cannot be read', async (t) => {
  const missing = join(dir, 'missing.bin');
  t.match(
    hashTask({ ranges: [{ path: missing, start: 0, end: 1, fileSize: 1 }], progress: counter() }),
    {
      failure: { code: 'read-failed', message: new RegExp(`^cannot read ${missing}: ENOENT`) },
    },
  );
  const sub = join(dir, 'sub');
  mkdirSync(sub);
  const size = statSync(sub).size;
  t.match(
    hashTask({ ranges: [{ path: sub, start: 0, end: size, fileSize: size }], progress: counter() }),
    {
      failure: { code: 'read-failed', message: /EISDIR/ },
    },
  );
});

t.test('the pool hashes like one thread, whatever the worker count', async (t) => {
  // One range over 8 MiB, and enough small ones to fill several packed tasks.
  const files = [
    file('large.bin', 9 * MiB),
    ...Array.from({ length: 150 }, (_, i) => file(`small-${i}`, 1000 + i)),
  ];
  files.push(file('mid.bin', 5 * MiB), file('empty.bin', 0));
  const expected = files.map((f) => sha256(f.data));
  for (const workers of [1, 2, 3]) {
    const seen: [number, number][] = [];
    const digests = await hashRanges(files.map(whole), {
      workers,
      onProgress: (done, total) => seen.push([done, total]),
    });
    t.same(digests, expected, `${workers} worker(s)`);
    const total = files.reduce((sum, f) => sum + f.data.length, 0);
    t.same(seen.at(-1), [total, total], 'progress ends at the total');
  }
  // One range, however large, is one SHA-256 stream: this thread hashes it, no pool starts.
  t.same(await hashRanges([whole(files[0])], { workers: 2 }), [expected[0]]);
});

t.test('the first failure, here or on a worker, ends the run and is thrown', async (t) => {
  // Tasks go largest first: this thread takes the 9 MiB one, the worker the 6 MiB one.
  const large = whole(file('large-2.bin', 9 * MiB));
  const medium = whole(file('medium.bin', 6 * MiB));
  const small = Array.from({ length: 3 }, (_, i) => whole(file(`s-${i}`, 10)));
  for (const [where, ranges] of [
    ['on a worker', [large, { ...medium, fileSize: 1 }, ...small]],
    ['here', [{ ...large, fileSize: 1 }, medium, ...small]],
  ] as const) {
    await t.rejects(
      hashRanges(ranges, { workers: 2 }),
      { constructor: HashError, code: 'file-changed' },
      where,
    );
  }
});

t.test('JSON in the layout of Python json.dumps(indent=2, ensure_ascii=True)', async (t) => {
  // json.dumps({"a": [], "b": {}, "c": [8.0, True, False], "d": "é\"\\\n\x7f😀/"}, indent=2)
  t.equal(
    messageToJson({ a: [], b: {}, c: [8, true, false], d: 'é"\\\n\x7f😀/' }),
    '{\n  "a": [],\n  "b": {},\n  "c": [\n    8.0,\n    true,\n    false\n  ],\n  "d": "\\u00e9\\"\\\\\\n\\u007f\\ud83d\\ude00/"\n}',
  );
  t.equal(messageToJson('\u0001\t'), '"\\u0001\\t"');
  t.throws(() => messageToJson(1.5), RangeError);
  t.throws(() => messageToJson(2 ** 53), RangeError);
});

t.test('paths sort as Python PurePosixPath: by component, by code point', async (t) => {
  const names = ['😀', 'a.txt', '～', 'a/b', 'é', 'B', 'a-b/c', 'a/b/c/d', 'a/a', 'a'];
  t.same(names.toSorted(compareModelPaths), [
    'B',
    'a',
    'a/a',
    'a/b',
    'a/b/c/d',
    'a-b/c',
    'a.txt',
    'é',
    '～',
    '😀',
  ]);
  t.equal(compareModelPaths('x/y', 'x/y'), 0);
});
