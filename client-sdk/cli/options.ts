// Option parsers shared by the commands.
import { InvalidArgumentError } from 'commander';

/** Accumulates a repeatable option's values. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function parseShardSize(value: string): number {
  const size = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(size) || size < 1) {
    throw new InvalidArgumentError('a shard size is a whole number of bytes, at least 1.');
  }
  return size;
}
