// The C2SP tlog-tiles read API: the latest checkpoint, hash tiles and entry bundles. Only tiles
// implied by the latest checkpoint are served, so a client never sees a tree no checkpoint signs.
import { hash } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import tileParams from '../../schemas/api/tile-params.json' with { type: 'json' };
import { ApiError } from '../http/api-error.ts';
import { errorResponses, STORAGE_UNAVAILABLE } from '../http/error-responses.ts';
import { encodeEntryBundle } from '../log/entry-bundle.ts';
import { HASH_SIZE } from '../log/hash.ts';
import { parseTilePath, TILE_WIDTH, tileForSize } from '../log/tile.ts';
import type { LogService } from '../log-service.ts';

// A full tile never changes; a partial one is replaced by a wider one as the log grows.
export const FULL_TILE_CACHE = 'public, max-age=31536000, immutable';
export const PARTIAL_TILE_CACHE = 'public, max-age=10';
export const CHECKPOINT_CACHE = 'no-cache';

const errors = errorResponses(400, 404, STORAGE_UNAVAILABLE);
const notModified = { 304: { description: 'Not modified (If-None-Match)', type: 'null' } };

/** If-None-Match uses the weak comparison (RFC 9110 13.1.2). */
function matchesEtag(header: string | undefined, etag: string): boolean {
  return (
    header?.split(',').some((tag) => {
      const t = tag.trim();
      return t === '*' || t.replace(/^W\//, '') === etag;
    }) ?? false
  );
}

/** Sends `payload` with a strong ETag of its bytes, or 304 when the client holds it already. */
function sendCached(
  request: FastifyRequest,
  reply: FastifyReply,
  payload: Uint8Array | string,
  contentType: string,
  cacheControl: string,
): FastifyReply {
  const etag = `"${hash('sha256', payload, 'base64url')}"`;
  reply.header('etag', etag).header('cache-control', cacheControl);
  if (matchesEtag(request.headers['if-none-match'], etag)) return reply.code(304).send();
  return reply.header('content-type', contentType).send(payload);
}

export const tilesRoutes: FastifyPluginAsync<{ log: LogService }> = async (app, { log }) => {
  app.get(
    '/checkpoint',
    {
      schema: {
        description: 'The latest signed checkpoint (C2SP tlog-checkpoint signed note).',
        response: {
          200: { content: { 'text/plain': { schema: { type: 'string' } } } },
          ...notModified,
        },
      },
    },
    (request, reply) =>
      sendCached(
        request,
        reply,
        log.sequencer.checkpoint.note,
        'text/plain; charset=utf-8',
        CHECKPOINT_CACHE,
      ),
  );

  app.get<{ Params: { '*': string } }>(
    '/tile/*',
    {
      schema: {
        description:
          'A C2SP tlog-tiles hash tile (tile/<L>/<N>[.p/<W>]) or entry bundle (tile/entries/<N>[.p/<W>]) of the latest checkpoint.',
        params: tileParams,
        response: {
          200: {
            content: {
              'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
            },
          },
          ...notModified,
          ...errors,
        },
      },
    },
    (request, reply) => {
      const tile = parseTilePath(`tile/${request.params['*']}`);
      const { size } = log.sequencer.checkpoint;
      // A partial request is served from any tile at least that wide: its prefix is the same.
      const width = tileForSize(tile.level, tile.index, size);
      if (width === undefined || width < tile.width) {
        throw new ApiError(
          404,
          'tile-not-found',
          `tile/${request.params['*']} is not in the tree of the latest checkpoint (size ${size})`,
        );
      }
      let payload: Uint8Array;
      if (tile.kind === 'entries') {
        const first = tile.index * TILE_WIDTH;
        const entries = log.storage.readEntries(first, first + tile.width);
        if (entries.length !== tile.width) throw new Error(`entries of tile ${tile.index} missing`);
        payload = encodeEntryBundle(entries.map((entry) => entry.body));
      } else {
        const stored = log.storage.readTile(tile.level, tile.index);
        const length = tile.width * HASH_SIZE;
        if (stored === undefined || stored.length < length) {
          throw new Error(
            `tile ${tile.level}/${tile.index} is shorter than the checkpoint implies`,
          );
        }
        payload = stored.subarray(0, length);
      }
      const cache = tile.width === TILE_WIDTH ? FULL_TILE_CACHE : PARTIAL_TILE_CACHE;
      return sendCached(request, reply, payload, 'application/octet-stream', cache);
    },
  );
};
