// Runs the log service: opens the log, listens, and on SIGINT/SIGTERM stops taking requests,
// seals what is queued and closes the database.
import { buildApp, type PublishingOptions } from './app.ts';
import { localIssuerName } from './auth/local-token.ts';
import { loadOidcIssuers } from './auth/oidc-issuer.ts';
import {
  DEFAULT_CONNECTION_TIMEOUT_MS,
  DEFAULT_MAX_QUEUED_ENTRIES,
  DEFAULT_REQUEST_TIMEOUT_MS,
} from './defaults.ts';
import { type LogServiceOptions, openLogService } from './log-service.ts';
import { sizeThreadPool } from './thread-pool.ts';

export interface ServerOptions extends LogServiceOptions, PublishingOptions {
  host: string;
  port: number;
  /** Milliseconds to receive a whole request (408 beyond); 0 for no limit. */
  requestTimeoutMs?: number;
  /** Milliseconds after which an idle connection is closed; 0 for never. */
  connectionTimeoutMs?: number;
  /** A JSON file of the OIDC issuers whose tokens may publish (schemas/config/oidc-issuers.json). */
  oidcIssuersFile?: string;
}

/**
 * Opens the log and serves it until SIGINT or SIGTERM; answers a function that stops it. It sizes
 * libuv's thread pool first (thread-pool.ts), which only works if nothing in the process has used
 * the pool yet: embedders call it before anything else that could.
 */
export async function startServer(options: ServerOptions): Promise<() => Promise<void>> {
  const threadPoolSize = sizeThreadPool();
  // Read first: a bad file stops the start before the log is created.
  const oidcIssuers =
    options.oidcIssuersFile === undefined ? [] : loadOidcIssuers(options.oidcIssuersFile);
  const log = openLogService(options);
  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const connectionTimeout = options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS;
  const maxQueuedEntries = options.maxQueuedEntries ?? DEFAULT_MAX_QUEUED_ENTRIES;
  const app = buildApp(
    log,
    { logger: { level: process.env.LOG_LEVEL ?? 'info' }, requestTimeout, connectionTimeout },
    { ...options, maxQueuedEntries, oidcIssuers },
  );
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= app.close().then(() => log.close());
    return stopping;
  };
  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (error) {
    await stop();
    throw error;
  }
  app.log.info(
    {
      origin: log.origin,
      noteVerifierKey: log.keys.noteVerifierKey,
      logId: log.keys.logId,
      anonymousPublishing: options.allowAnonymous === true,
      tokenIssuers: [localIssuerName(log.origin), ...oidcIssuers.map((issuer) => issuer.issuer)],
      maxQueuedEntries,
      requestTimeoutMs: requestTimeout,
      connectionTimeoutMs: connectionTimeout,
      threadPoolSize,
      treeSize: log.sequencer.checkpoint.size,
    },
    'attestry log ready',
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      app.log.info({ signal }, 'shutting down: draining the queue');
      stop().then(() => process.exit(0));
    });
  }
  return stop;
}
