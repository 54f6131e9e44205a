// Option parsers shared by the commands.
import { existsSync, readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { LogError } from '../../server/log/errors.ts';
import { parseVerifierKey } from '../../server/log/note-keys.ts';

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

/** A whole number: 0, 1, 2 ... (no sign, no leading zeros, no fraction, within 2^53). */
export function parseCount(value: string): number {
  if (!/^(?:0|[1-9][0-9]*)$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError('a whole number is expected (0, 1, 2, ...).');
  }
  return Number(value);
}

/** A file named by an option, read as text; the error names the option and the file. */
export function readOptionFile(path: string, option: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw new LogError(
      'unreadable-file',
      `cannot read ${option} ${path}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
}

/**
 * A log's C2SP note verifier key, given as the key itself or as the file holding it (the log's
 * `keys/note.pub`); checked here, so that a mistyped key is a usage error, not a failed proof.
 */
export function parseLogKey(value: string): string {
  const key = existsSync(value) ? readFileSync(value, 'utf8').trim() : value;
  try {
    parseVerifierKey(key);
  } catch (error) {
    throw new InvalidArgumentError(
      `not a C2SP note verifier key (NAME+KEYID+KEY, the content of the log's note.pub) nor a file holding one: ${(error as Error).message}.`,
    );
  }
  return key;
}
