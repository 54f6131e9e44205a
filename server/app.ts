// Builds the Fastify application around an open log. Routes come as plugins, one per API area.
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { LogService } from './log-service.ts';
import { healthRoutes } from './routes/health.ts';

export function buildApp(log: LogService, options: FastifyServerOptions = {}): FastifyInstance {
  const app = Fastify(options);
  app.register(healthRoutes, { log });
  return app;
}
