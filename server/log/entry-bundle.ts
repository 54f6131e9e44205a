// C2SP tlog-tiles entry bundles: the entries of one level-0 tile, each as uint16 BE length ‖ entry.
import { TileError } from './errors.ts';
import { TILE_WIDTH } from './tile.ts';

/** Entry bundles prefix each entry with a uint16 length: the largest entry a log can hold. */
export const MAX_ENTRY_SIZE = 0xffff;

export function encodeEntryBundle(entries: Uint8Array[]): Uint8Array {
  if (entries.length > TILE_WIDTH) {
    throw new TileError('too-many-entries', `${entries.length} entries exceed ${TILE_WIDTH}`);
  }
  let total = 0;
  for (const entry of entries) {
    if (entry.length > MAX_ENTRY_SIZE) {
      throw new TileError('entry-too-large', `entry of ${entry.length} bytes exceeds 65535`);
    }
    total += 2 + entry.length;
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const entry of entries) {
    out[offset] = entry.length >> 8;
    out[offset + 1] = entry.length & 0xff;
    out.set(entry, offset + 2);
    offset += 2 + entry.length;
  }
  return out;
}

/** Splits a bundle into copies of its entries; any trailing partial entry is an error. */
export function decodeEntryBundle(bytes: Uint8Array): Uint8Array[] {
  const entries: Uint8Array[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (entries.length === TILE_WIDTH) {
      throw new TileError('bad-entry-bundle', `entry bundle has more than ${TILE_WIDTH} entries`);
    }
    if (offset + 2 > bytes.length) {
      throw new TileError('bad-entry-bundle', `entry bundle truncated in a length at ${offset}`);
    }
    const length = (bytes[offset] << 8) | bytes[offset + 1];
    const end = offset + 2 + length;
    if (end > bytes.length) {
      throw new TileError('bad-entry-bundle', `entry bundle truncated in an entry at ${offset}`);
    }
    // Copies, so entries do not pin or alias the caller's (possibly pooled) buffer.
    entries.push(bytes.slice(offset + 2, end));
    offset = end;
  }
  return entries;
}
