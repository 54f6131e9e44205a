import { Command, InvalidArgumentError } from 'commander';
import {
  DEFAULT_ANONYMOUS_PER_MINUTE,
  DEFAULT_CONNECTION_TIMEOUT_MS,
  DEFAULT_DB_PATH,
  DEFAULT_HOST,
  DEFAULT_MAX_QUEUED_ENTRIES,
  DEFAULT_PORT,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_TOKEN_PER_MINUTE,
} from '../../../server/defaults.ts';
import { LogError } from '../../../server/log/errors.ts';
import { parseCount } from '../options.ts';

export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) {
    throw new InvalidArgumentError('a port is a whole number from 0 to 65535.');
  }
  return port;
}

/** An address to listen on; an empty one would listen on every interface. */
export function parseHost(value: string): string {
  if (value.trim() === '') {
    throw new InvalidArgumentError('a host is an address or name (0.0.0.0 for every interface).');
  }
  return value;
}

/** A limit of at least 1. */
export function parseLimit(value: string): number {
  const limit = parseCount(value);
  if (limit < 1) throw new InvalidArgumentError('a limit is a whole number, at least 1.');
  return limit;
}

/** Whole seconds up to a day (Node's timers overflow past 24 days, and fire at once). */
export function parseSeconds(value: string): number {
  const seconds = parseCount(value);
  if (seconds > 86_400) {
    throw new InvalidArgumentError('whole seconds are expected, from 0 to 86400 (a day).');
  }
  return seconds;
}

export function serverCommand(): Command {
  return new Command('server')
    .description('Run the log service on an SQLite file (keys are created on first start).')
    .option('--db <file>', 'SQLite database file', DEFAULT_DB_PATH)
    .option('--host <host>', 'address to listen on', parseHost, DEFAULT_HOST)
    .option('--port <n>', 'port to listen on', parsePort, DEFAULT_PORT)
    .option(
      '--origin <name>',
      "the log's origin (default: the one it was created with, else this host's name)",
    )
    .option('--keys <dir>', 'key directory (default: keys/ beside the database)')
    .option(
      '--oidc-issuers <file>',
      "a JSON file of OIDC issuers whose tokens may publish (issuer, audience, keys, claim mapping), beside the log's own (attestry token)",
    )
    .option(
      '--allow-anonymous',
      'take submissions without a token, as Rekor clients (sigstore-js, cosign) send them; name ownership still applies',
    )
    .option(
      '--anonymous-rate-limit <n>',
      'with --allow-anonymous: submissions without a token per client address and minute',
      parseCount,
      DEFAULT_ANONYMOUS_PER_MINUTE,
    )
    .option(
      '--token-rate-limit <n>',
      'submissions per token subject and minute',
      parseCount,
      DEFAULT_TOKEN_PER_MINUTE,
    )
    .option(
      '--max-queued-entries <n>',
      'refuse submissions (503 log-saturated) while this many entries wait to be sequenced',
      parseLimit,
      DEFAULT_MAX_QUEUED_ENTRIES,
    )
    .option(
      '--request-timeout <seconds>',
      'time to receive a whole request, 408 beyond (0: no limit)',
      parseSeconds,
      DEFAULT_REQUEST_TIMEOUT_MS / 1000,
    )
    .option(
      '--connection-timeout <seconds>',
      'close a connection idle this long (0: never)',
      parseSeconds,
      DEFAULT_CONNECTION_TIMEOUT_MS / 1000,
    )
    .action(async (options) => {
      // Loaded here, not at start-up: the other commands do not need the server.
      const { startServer } = await import('../../../server/server.ts');
      try {
        await startServer({
          dbPath: options.db,
          host: options.host,
          port: options.port,
          origin: options.origin,
          keysDir: options.keys,
          allowAnonymous: options.allowAnonymous === true,
          anonymousPerMinute: options.anonymousRateLimit,
          tokenPerMinute: options.tokenRateLimit,
          oidcIssuersFile: options.oidcIssuers,
          maxQueuedEntries: options.maxQueuedEntries,
          requestTimeoutMs: options.requestTimeout * 1000,
          connectionTimeoutMs: options.connectionTimeout * 1000,
        });
      } catch (error) {
        const { code, message } = error as { code?: unknown; message: string };
        // Bad options and an address the system will not give are the user's to fix, not crashes.
        const listenFailure = ['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL', 'ENOTFOUND'].includes(
          code as string,
        );
        if (!(error instanceof LogError) && !listenFailure) throw error;
        console.error(`attestry server: ${message}`);
        process.exitCode = 1;
      }
    });
}
