// The header of a safetensors file, read without its tensor data: 8 bytes of little-endian u64
// header length N, then N bytes of UTF-8 JSON `{name: {dtype, shape, data_offsets}}` (plus an
// optional `__metadata__`, ignored here). Checked as the safetensors crate checks it
// (safetensors/src/tensor.rs): a known dtype, whole-byte sizes, data offsets that tile the data
// buffer from 0 with no gap or overlap, and a buffer that ends where the file ends. Only the
// header bytes are read, and no more than the cap.
import { type FileHandle, open } from 'node:fs/promises';
import { BomError } from './errors.ts';

/** The safetensors crate's own limit on N (`HeaderTooLarge`). */
export const MAX_SAFETENSORS_HEADER_BYTES = 100_000_000;

/** Bits per element of each safetensors dtype. */
const DTYPE_BITS: Readonly<Record<string, number>> = {
  BOOL: 8,
  F4: 4,
  F6_E2M3: 6,
  F6_E3M2: 6,
  U8: 8,
  I8: 8,
  F8_E5M2: 8,
  F8_E4M3: 8,
  F8_E8M0: 8,
  F8_E4M3FNUZ: 8,
  F8_E5M2FNUZ: 8,
  I16: 16,
  U16: 16,
  F16: 16,
  BF16: 16,
  I32: 32,
  U32: 32,
  F32: 32,
  C64: 64,
  F64: 64,
  I64: 64,
  U64: 64,
};

export interface SafetensorsHeader {
  tensorCount: number;
  /** Elements over all tensors (a scalar counts 1, a zero-size tensor 0). */
  parameterCount: number;
  /** Elements per dtype, dtypes in code point order. */
  dtypes: Record<string, number>;
  /** N: the length of the JSON header in bytes. */
  headerBytes: number;
}

export interface SafetensorsOptions {
  /** Refuse a header longer than this; default 100,000,000 bytes. */
  maxHeaderBytes?: number;
}

interface Tensor {
  name: string;
  begin: number;
  end: number;
}

export async function readSafetensorsHeader(
  path: string,
  options: SafetensorsOptions = {},
): Promise<SafetensorsHeader> {
  const cap = options.maxHeaderBytes ?? MAX_SAFETENSORS_HEADER_BYTES;
  if (!Number.isSafeInteger(cap) || cap < 2) {
    throw new BomError(
      'invalid-option',
      `maxHeaderBytes must be an integer of at least 2, not ${cap}`,
    );
  }
  let file: FileHandle;
  try {
    file = await open(path, 'r');
  } catch (error) {
    throw readFailed(path, error);
  }
  return headerOf(file, path, cap)
    .catch((error: unknown) => {
      throw error instanceof BomError ? error : readFailed(path, error);
    })
    .finally(() => file.close());
}

async function headerOf(file: FileHandle, path: string, cap: number): Promise<SafetensorsHeader> {
  const { size } = await file.stat();
  const prefix = await readAt(file, size, 0, 8);
  if (prefix.length < 8) {
    throw new BomError(
      'safetensors-header-too-small',
      `${path}: ${prefix.length} bytes, shorter than the 8-byte header length of a safetensors file`,
    );
  }
  const length = prefix.readBigUInt64LE(0);
  if (length > BigInt(cap)) {
    throw new BomError(
      'safetensors-header-too-large',
      `${path}: header of ${length} bytes, over the limit of ${cap}`,
    );
  }
  const headerBytes = Number(length);
  const header = await readAt(file, size, 8, headerBytes);
  if (header.length < headerBytes) {
    throw new BomError(
      'safetensors-truncated',
      `${path}: header of ${headerBytes} bytes runs past the end of the ${8 + header.length}-byte file`,
    );
  }
  return summarize(path, parseHeader(path, header), size - 8 - headerBytes, headerBytes);
}

function readFailed(path: string, cause: unknown): BomError {
  return new BomError('read-failed', `cannot read ${path}: ${(cause as Error).message}`, { cause });
}

/**
 * Up to `length` bytes from `position`, fewer where the file ends; never a buffer larger than
 * what the file (of `size` bytes when opened) holds there. One read: a regular file gives all it
 * has (a file that shrank meanwhile reads short, and is then reported truncated).
 */
async function readAt(
  file: FileHandle,
  size: number,
  position: number,
  length: number,
): Promise<Buffer> {
  const buffer = Buffer.alloc(Math.max(0, Math.min(length, size - position)));
  const { bytesRead } = await file.read(buffer, 0, buffer.length, position);
  return buffer.subarray(0, bytesRead);
}

function parseHeader(path: string, bytes: Buffer): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new BomError('safetensors-bad-header', `${path}: the header is not valid UTF-8`, {
      cause,
    });
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (cause) {
    throw new BomError(
      'safetensors-bad-header',
      `${path}: the header is not JSON: ${(cause as Error).message}`,
      { cause },
    );
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new BomError('safetensors-bad-header', `${path}: the header is not a JSON object`);
  }
  return header as Record<string, unknown>;
}

function summarize(
  path: string,
  header: Record<string, unknown>,
  dataBytes: number,
  headerBytes: number,
): SafetensorsHeader {
  const bad = (name: string, what: string) =>
    new BomError('safetensors-bad-tensor', `${path}: tensor "${name}": ${what}`);
  const tensors: Tensor[] = [];
  const perDtype = new Map<string, bigint>();
  let parameters = 0n;
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw bad(name, 'not an object');
    }
    const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
    if (typeof dtype !== 'string' || !Object.hasOwn(DTYPE_BITS, dtype)) {
      throw bad(name, `unknown dtype ${JSON.stringify(dtype)}`);
    }
    if (!Array.isArray(shape) || !shape.every((n) => Number.isSafeInteger(n) && n >= 0)) {
      throw bad(name, 'shape is not a list of non-negative integers');
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((n) => Number.isSafeInteger(n) && n >= 0) ||
      offsets[0] > offsets[1]
    ) {
      throw bad(name, 'data_offsets is not a [begin, end] pair with begin <= end');
    }
    const elements = shape.reduce((product: bigint, n: number) => product * BigInt(n), 1n);
    const bits = elements * BigInt(DTYPE_BITS[dtype]);
    if (bits % 8n !== 0n) throw bad(name, `${elements} ${dtype} elements do not fill whole bytes`);
    if (BigInt(offsets[1] - offsets[0]) !== bits / 8n) {
      throw bad(
        name,
        `data_offsets span ${offsets[1] - offsets[0]} bytes, but ${elements} ${dtype} elements take ${bits / 8n}`,
      );
    }
    tensors.push({ name, begin: offsets[0], end: offsets[1] });
    perDtype.set(dtype, (perDtype.get(dtype) ?? 0n) + elements);
    parameters += elements;
  }
  // The tensors tile the data buffer: each starts where the one before ends.
  tensors.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let next = 0;
  for (const tensor of tensors) {
    if (tensor.begin !== next) {
      throw bad(tensor.name, `starts at byte ${tensor.begin} of the data, not ${next}`);
    }
    next = tensor.end;
  }
  if (next !== dataBytes) {
    throw new BomError(
      'safetensors-bad-tensor',
      `${path}: the tensors take ${next} bytes of data, but ${dataBytes} follow the header`,
    );
  }
  const dtypes: Record<string, number> = {};
  for (const dtype of [...perDtype.keys()].sort()) dtypes[dtype] = Number(perDtype.get(dtype));
  return { tensorCount: tensors.length, parameterCount: Number(parameters), dtypes, headerBytes };
}
