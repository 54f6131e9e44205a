// The shared test vectors (../shared/vectors, beside the repository), read as JSON.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const VECTORS = join(import.meta.dirname, '../../../shared/vectors');

/** A JSON vector file, by its path under ../shared/vectors; callers type what they read. */
// biome-ignore lint/suspicious/noExplicitAny: vector files are JSON of any shape, as JSON.parse gives
export function readVectors<T = any>(file: string): T {
  return JSON.parse(readFileSync(join(VECTORS, file), 'utf8'));
}
