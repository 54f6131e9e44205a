import type { FastifyPluginAsync } from 'fastify';
import type { LogService } from '../log-service.ts';

export const healthRoutes: FastifyPluginAsync<{ log: LogService }> = async (app, { log }) => {
  app.get(
    '/healthz',
    {
      schema: {
        response: {
          200: {
            type: 'object',
            required: ['status', 'origin', 'treeSize'],
            properties: {
              status: { type: 'string', const: 'ok' },
              origin: { type: 'string' },
              treeSize: { type: 'integer' },
            },
          },
        },
      },
    },
    async () => ({ status: 'ok', origin: log.origin, treeSize: log.sequencer.checkpoint.size }),
  );
};
