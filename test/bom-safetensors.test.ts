// safetensors headers read without the tensor data: the format's own golden files, files the test
// writes, and every way a header can be wrong, each a typed BomError.
import { closeSync, openSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import {
  BomError,
  MAX_SAFETENSORS_HEADER_BYTES,
  readSafetensorsHeader,
} from '../client-sdk/bom/index.ts';
import { SHARD_1, SHARD_2, safetensorsBytes } from './fixtures/bom-model.ts';
import { VECTORS } from './support/bom-schemas.ts';
import { tempDir } from './support/temp-log.ts';

const dir = tempDir(t, 'attestry-safetensors-');
let count = 0;
/** Writes `bytes` to a new file; returns its path. */
function file(bytes: Buffer | string): string {
  const path = join(dir, `f${count++}.safetensors`);
  writeFileSync(path, bytes);
  return path;
}
/** A file of an 8-byte length `n` then `header` (and `data`). */
function withHeader(header: string, data = Buffer.alloc(0), n = Buffer.byteLength(header)): string {
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(n));
  return file(Buffer.concat([prefix, Buffer.from(header), data]));
}
const tensor = (entry: Record<string, unknown>) => JSON.stringify({ t: entry });

t.test("the format's golden files", async (t) => {
  t.same(await readSafetensorsHeader(join(VECTORS, 'safetensors/i32_2x2_zeros.safetensors')), {
    tensorCount: 1,
    parameterCount: 4,
    dtypes: { I32: 4 },
    headerBytes: 60,
  });
  t.same(await readSafetensorsHeader(join(VECTORS, 'safetensors/i32_scalar_zero.safetensors')), {
    tensorCount: 1,
    parameterCount: 1,
    dtypes: { I32: 1 },
    headerBytes: 56,
  });
});

t.test('files written here: counts, dtypes, metadata ignored, sub-byte dtypes', async (t) => {
  const bytes = safetensorsBytes(SHARD_1, { format: 'pt' });
  t.same(await readSafetensorsHeader(file(bytes)), {
    tensorCount: 2,
    parameterCount: 192,
    dtypes: { BF16: 64, F32: 128 },
    headerBytes: Number(bytes.readBigUInt64LE(0)),
  });
  const shard2 = await readSafetensorsHeader(file(safetensorsBytes(SHARD_2)));
  t.same(shard2.dtypes, { BF16: 32, F16: 8, F32: 1 });
  t.equal(shard2.parameterCount, 41);
  t.equal(shard2.headerBytes % 8, 0, 'padded with spaces, as writers pad');
  const empty = await readSafetensorsHeader(file(safetensorsBytes([])));
  t.same(empty, { tensorCount: 0, parameterCount: 0, dtypes: {}, headerBytes: 8 });
  const zero = await readSafetensorsHeader(
    file(
      safetensorsBytes([
        { name: 'a', dtype: 'F32', shape: [1], bits: 32 },
        { name: 'z', dtype: 'F32', shape: [0, 3], bits: 32 },
      ]),
    ),
  );
  t.same([zero.tensorCount, zero.parameterCount], [2, 1], 'a zero-size tensor counts no element');
  const first = await readSafetensorsHeader(
    withHeader(
      JSON.stringify({
        a: { dtype: 'U8', shape: [4], data_offsets: [0, 4] },
        z: { dtype: 'U8', shape: [0], data_offsets: [0, 0] },
      }),
      Buffer.alloc(4),
    ),
  );
  t.equal(first.tensorCount, 2, 'an empty tensor at the offset of another');
  const f4 = await readSafetensorsHeader(
    file(
      safetensorsBytes([
        { name: 'q', dtype: 'F4', shape: [3, 2], bits: 4 },
        { name: 'r', dtype: 'F6_E2M3', shape: [4], bits: 6 },
      ]),
    ),
  );
  t.same(f4.dtypes, { F4: 6, F6_E2M3: 4 });
});

t.test('only the header is read', async (t) => {
  // 4 GiB of tensor data in a sparse file: reading it would take seconds (and Node cannot read
  // it into one buffer); the header alone takes a moment.
  const big = join(dir, 'big.safetensors');
  const size = 2 ** 32;
  const json = JSON.stringify({
    w: { dtype: 'U8', shape: [4, 1024, 1024, 1024], data_offsets: [0, size] },
  });
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.length));
  const fd = openSync(big, 'w');
  writeSync(fd, Buffer.concat([prefix, Buffer.from(json)]));
  writeSync(fd, Buffer.alloc(1), 0, 1, 8 + json.length + size - 1);
  closeSync(fd);
  t.equal(statSync(big).size, 8 + json.length + size);
  const started = performance.now();
  t.same(await readSafetensorsHeader(big), {
    tensorCount: 1,
    parameterCount: size,
    dtypes: { U8: size },
    headerBytes: json.length,
  });
  t.ok(performance.now() - started < 2000, 'in a moment');
});

t.test('errors are typed', async (t) => {
  const fails = async (path: string, code: string, message: RegExp, options = {}) => {
    const error = await readSafetensorsHeader(path, options).then(
      () => undefined,
      (e: unknown) => e,
    );
    t.ok(error instanceof BomError, `${code}: a BomError`);
    t.match(error, { code, message }, code);
  };
  await fails(file(''), 'safetensors-header-too-small', /0 bytes, shorter than the 8-byte/);
  await fails(file('<\0\0\0'), 'safetensors-header-too-small', /4 bytes/);
  await fails(
    withHeader('{}', undefined, 100),
    'safetensors-truncated',
    /header of 100 bytes runs past/,
  );
  const huge = Buffer.alloc(8);
  huge.writeBigUInt64LE(2n ** 64n - 1n);
  await fails(
    file(huge),
    'safetensors-header-too-large',
    /18446744073709551615 bytes, over the limit of 100000000/,
  );
  await fails(
    withHeader(`{"a":"${'x'.repeat(200)}"}`),
    'safetensors-header-too-large',
    /over the limit of 64/,
    { maxHeaderBytes: 64 },
  );
  t.equal(MAX_SAFETENSORS_HEADER_BYTES, 100_000_000);
  await fails(withHeader('{"t": {"dtype": '), 'safetensors-bad-header', /not JSON/);
  await fails(
    file(
      Buffer.concat([Buffer.from([4, 0, 0, 0, 0, 0, 0, 0]), Buffer.from([0x22, 0xff, 0xfe, 0x22])]),
    ),
    'safetensors-bad-header',
    /not valid UTF-8/,
  );
  await fails(withHeader('[1,2]'), 'safetensors-bad-header', /not a JSON object/);
  await fails(withHeader('null'), 'safetensors-bad-header', /not a JSON object/);
  await fails(
    withHeader(tensor({ dtype: 'F128', shape: [1], data_offsets: [0, 16] }), Buffer.alloc(16)),
    'safetensors-bad-tensor',
    /tensor "t": unknown dtype "F128"/,
  );
  await fails(
    withHeader(tensor({ dtype: 'F32', shape: [-1], data_offsets: [0, 4] }), Buffer.alloc(4)),
    'safetensors-bad-tensor',
    /shape is not a list of non-negative integers/,
  );
  await fails(
    withHeader(tensor({ dtype: 'F32', shape: [1], data_offsets: [4, 0] }), Buffer.alloc(4)),
    'safetensors-bad-tensor',
    /data_offsets is not a \[begin, end\] pair/,
  );
  await fails(
    withHeader(tensor({ dtype: 'F32', shape: [2], data_offsets: [0, 4] }), Buffer.alloc(4)),
    'safetensors-bad-tensor',
    /span 4 bytes, but 2 F32 elements take 8/,
  );
  await fails(
    withHeader(tensor({ dtype: 'F4', shape: [3], data_offsets: [0, 2] }), Buffer.alloc(2)),
    'safetensors-bad-tensor',
    /do not fill whole bytes/,
  );
  await fails(
    withHeader(tensor({ dtype: 'U8', shape: [2], data_offsets: [0, 2] }), Buffer.alloc(3)),
    'safetensors-bad-tensor',
    /take 2 bytes of data, but 3 follow the header/,
  );
  await fails(
    withHeader(
      JSON.stringify({
        a: { dtype: 'U8', shape: [2], data_offsets: [0, 2] },
        b: { dtype: 'U8', shape: [2], data_offsets: [3, 5] },
      }),
      Buffer.alloc(5),
    ),
    'safetensors-bad-tensor',
    /tensor "b": starts at byte 3 of the data, not 2/,
  );
  await fails(withHeader(JSON.stringify({ t: 5 })), 'safetensors-bad-tensor', /not an object/);
  await fails(join(dir, 'missing.safetensors'), 'read-failed', /cannot read .*missing/);
  await fails(dir, 'read-failed', /cannot read/);
  await t.rejects(readSafetensorsHeader(file(safetensorsBytes([])), { maxHeaderBytes: 0 }), {
    code: 'invalid-option',
  });
});
