// Builds the Fastify application around an open log. Routes come as plugins, one per API area.
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import { DEFAULT_ANONYMOUS_PER_MINUTE } from './defaults.ts';
import { errorBodySchema } from './http/api-error.ts';
import { errorServerOptions, installErrorHandling } from './http/error-handler.ts';
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
  /** Let Rekor clients, which send no token, publish (rate limited per address). */
  allowAnonymous?: boolean;
  anonymousPerMinute?: number;
}

export function buildApp(
  log: LogService,
  options: FastifyServerOptions = {},
  publishing: PublishingOptions = {},
): FastifyInstance {
  // The log's own registry, which its sequencer reports batches into.
  const { metrics } = log;
  const app = Fastify({
    bodyLimit: DEFAULT_BODY_LIMIT,
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
  app.register(swagger, openApiOptions);

  app.register(healthRoutes, { log });
  app.register(tilesRoutes, { log });
  app.register(proofRoutes, { log });
  app.register(entriesRoutes, { log });
  app.register(modelsRoutes, { log });
  app.register(rekorRoutes, {
    log,
    allowAnonymous: publishing.allowAnonymous ?? false,
    anonymousPerMinute: publishing.anonymousPerMinute ?? DEFAULT_ANONYMOUS_PER_MINUTE,
  });
  app.register(metricsRoutes, { metrics });
  app.register(docsRoutes);
  return app;
}
