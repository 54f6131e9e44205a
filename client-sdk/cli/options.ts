// Option parsers shared by the commands.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { InvalidArgumentError, Option } from 'commander';
import { publishedNameProblem } from '../../server/auth/name-pattern.ts';
import { LogError } from '../../server/log/errors.ts';
import { parseVerifierKey } from '../../server/log/note-keys.ts';
import { LogClient } from '../log-client/log-client.ts';

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
  const exists = existsSync(value);
  if (exists && statSync(value).isDirectory()) {
    throw new InvalidArgumentError(
      `${value} is a directory: pass the note.pub file in it, or the key itself.`,
    );
  }
  // A key string is NAME+KEYID+KEY: what has no "+", or ends in .pub, was meant as a file.
  if (!exists && (!value.includes('+') || value.endsWith('.pub'))) {
    throw new InvalidArgumentError(
      `no file ${value}: pass the log's note.pub, or the key it holds (NAME+KEYID+KEY).`,
    );
  }
  const key = exists ? readFileSync(value, 'utf8').trim() : value;
  try {
    parseVerifierKey(key);
  } catch (error) {
    throw new InvalidArgumentError(
      `not a C2SP note verifier key (NAME+KEYID+KEY, the content of the log's note.pub) nor a file holding one: ${(error as Error).message}.`,
    );
  }
  return key;
}

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** A log's URL: http or https. */
export function parseLogUrl(value: string): string {
  if (!/^https?:$/.test(URL.parse(value)?.protocol ?? '')) {
    throw new InvalidArgumentError('the log URL must be an http:// or https:// URL.');
  }
  return value;
}

/** A duration such as 90s, 30m, 1h or 7d, in seconds. */
export function parseDuration(value: string): number {
  const match = /^([1-9][0-9]{0,8})([smhd])$/.exec(value);
  if (match === null) {
    throw new InvalidArgumentError('a duration is a whole number with s, m, h or d (30m, 1h, 7d).');
  }
  return Number(match[1]) * DURATION_UNITS[match[2]];
}

/**
 * A publish token as given: a "Bearer " prefix is dropped; an empty one (ATTESTRY_TOKEN set from
 * a failed `attestry token`) is refused here rather than sent.
 */
export function parseToken(value: string): string {
  const token = value.trim().replace(/^Bearer(?:\s+|$)/i, '');
  if (token === '') {
    throw new InvalidArgumentError(
      'the token is empty: set ATTESTRY_TOKEN (or --token) to what attestry token prints.',
    );
  }
  return token;
}

/** --token, by default from ATTESTRY_TOKEN (kept out of shell history and process lists). */
export function tokenOption(): Option {
  return new Option(
    '--token <jwt>',
    'with --log: the bearer token that allows publishing (from attestry token, or an OIDC token the log trusts)',
  )
    .env('ATTESTRY_TOKEN')
    .argParser(parseToken);
}

/** The log to publish to: pinned to --log-key, else trusted on first use (with --token then). */
export function publishTarget(flags: {
  log: string;
  logKey?: string;
  token?: string;
}): LogClient | string {
  return flags.logKey === undefined
    ? flags.log
    : new LogClient({ url: flags.log, noteVerifierKey: flags.logKey, token: flags.token });
}

/** A model's name as a log will take it (server/auth/name-pattern.ts). */
export function parseModelName(value: string): string {
  const problem = publishedNameProblem(value);
  if (problem !== undefined) throw new InvalidArgumentError(`${problem}.`);
  return value;
}
