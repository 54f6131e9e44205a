// Builds the Fastify application around an open log. Routes come as plugins, one per API area.
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import { Authenticator } from './auth/authenticator.ts';
import { localTokenIssuer } from './auth/local-token.ts';
import { NameOwnership } from './auth/name-ownership.ts';
import { type OidcIssuerConfig, oidcTokenIssuer } from './auth/oidc-issuer.ts';
import {
  DEFAULT_ANONYMOUS_PER_MINUTE,
  DEFAULT_CONNECTION_TIMEOUT_MS,
  DEFAULT_MAX_QUEUED_ENTRIES,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_TOKEN_PER_MINUTE,
} from './defaults.ts';
import { errorBodySchema } from './http/api-error.ts';
import { errorServerOptions, installErrorHandling } from './http/error-handler.ts';
import { publishingWith, rateLimitOptions } from './http/publishing.ts';
import { addSecurityHeaders } from './http/security-headers.ts';
import type { LogService } from './log-service.ts';
import { docsRoutes, openApiOptions } from './routes/docs.ts';
import { entriesRoutes } from './routes/entries.ts';
import { healthRoutes } from './routes/health.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { modelsRoutes } from './routes/models.ts';
import { proofRoutes } from './routes/proofs.ts';
import { rekorRoutes } from './routes/rekor.ts';
import { tilesRoutes } from './routes/tiles.ts';

/** Largest request body accepted by default (413 beyond). */
export const DEFAULT_BODY_LIMIT = 2 * 1024 * 1024;

export interface PublishingOptions {
  /** Take submissions without a token (rate limited per address): Rekor clients send none. */
  allowAnonymous?: boolean;
  anonymousPerMinute?: number;
  /** Submissions per token subject and minute. */
  tokenPerMinute?: number;
  /** The window the rate limits count in, in milliseconds (a minute; shorter in tests). */
  rateWindowMs?: number;
  /** OIDC issuers whose tokens may publish, beside the log's own token issuer. */
  oidcIssuers?: OidcIssuerConfig[];
  /** Submissions are refused (503 log-saturated) while this many entries wait to be sequenced. */
  maxQueuedEntries?: number;
}

/**
 * How often Node looks for requests past requestTimeout (its own default is every 30 s): a tenth
 * of it, so that a slow client overstays by 10% at most.
 */
export function timeoutCheckInterval(requestTimeout: number): number {
  return requestTimeout > 0
    ? Math.min(30_000, Math.max(10, Math.ceil(requestTimeout / 10)))
    : 30_000;
}

/**
 * The app serving `log`. `options` are Fastify's: among them requestTimeout (to receive a whole
 * request; 408 beyond) and connectionTimeout (idle connections are closed), in milliseconds, 0 for
 * none.
 */
export function buildApp(
  log: LogService,
  options: FastifyServerOptions = {},
  publishing: PublishingOptions = {},
): FastifyInstance {
  // The log's own registry, which its sequencer reports batches into.
  const { metrics } = log;
  const requestTimeout = options.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const app = Fastify({
    bodyLimit: DEFAULT_BODY_LIMIT,
    // Fastify's defaults are no limits at all: a client sending its request a byte at a time
    // would hold its connection for ever.
    requestTimeout,
    connectionTimeout: DEFAULT_CONNECTION_TIMEOUT_MS,
    // Node's header timeout follows from requestTimeout at construction (at most 60 s).
    http: { requestTimeout, connectionsCheckingInterval: timeoutCheckInterval(requestTimeout) },
    // Unknown fields and query parameters are errors, not silently dropped: a typo in a search
    // key must not widen the search.
    ajv: { customOptions: { removeAdditional: false } },
    // Two info lines per request would cost more than a signature check at thousands of appends
    // a second: each request is logged at debug instead (LOG_LEVEL=debug), faults at error.
    logController: new LogController({ disableRequestLogging: true }),
    ...errorServerOptions(metrics.recordRejection),
    ...options,
  });
  // Before any route: handlers, parsers, shared schemas and swagger's route hook are inherited.
  installErrorHandling(app, metrics.recordRejection);
  // Only where it will be written: a hook per request is itself a cost on the append path.
  if (app.log.level === 'debug' || app.log.level === 'trace') {
    app.addHook('onResponse', async (request, reply) => {
      request.log.debug(
        {
          method: request.method,
          url: request.url,
          status: reply.statusCode,
          ms: reply.elapsedTime,
        },
        'request completed',
      );
    });
  }
  app.addSchema(errorBodySchema);
  addSecurityHeaders(app);
  app.register(swagger, openApiOptions);

  const authenticator = new Authenticator([
    localTokenIssuer(log.keys.tokenIssuerPublicKey, log.origin),
    ...(publishing.oidcIssuers ?? []).map(oidcTokenIssuer),
  ]);
  const publish = publishingWith({
    log,
    authenticator,
    ownership: new NameOwnership(log.storage),
    allowAnonymous: publishing.allowAnonymous ?? false,
    anonymousPerMinute: publishing.anonymousPerMinute ?? DEFAULT_ANONYMOUS_PER_MINUTE,
    tokenPerMinute: publishing.tokenPerMinute ?? DEFAULT_TOKEN_PER_MINUTE,
    rateWindowMs: publishing.rateWindowMs ?? 60_000,
    maxQueuedEntries: publishing.maxQueuedEntries ?? DEFAULT_MAX_QUEUED_ENTRIES,
  });
  app.decorateRequest('publisher', undefined);
  // Before the routes: its route hook adds the limit to every publishing route after it.
  app.register(rateLimit, rateLimitOptions);
  app.register(healthRoutes, { log });
  app.register(tilesRoutes, { log });
  app.register(proofRoutes, { log });
  app.register(entriesRoutes, { log, publishing: publish });
  app.register(modelsRoutes, { log });
  app.register(rekorRoutes, { log, publishing: publish });
  app.register(metricsRoutes, { metrics });
  app.register(docsRoutes);
  return app;
}
