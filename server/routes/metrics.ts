import type { FastifyPluginAsync } from 'fastify';
import type { LogMetrics } from '../metrics.ts';

export const metricsRoutes: FastifyPluginAsync<{ metrics: LogMetrics }> = async (
  app,
  { metrics },
) => {
  app.get(
    '/metrics',
    {
      schema: {
        description: 'Prometheus metrics (text exposition format 0.0.4).',
        response: { 200: { content: { 'text/plain': { schema: { type: 'string' } } } } },
      },
    },
    async (_request, reply) => {
      reply.header('content-type', metrics.registry.contentType);
      return metrics.registry.metrics();
    },
  );
};
