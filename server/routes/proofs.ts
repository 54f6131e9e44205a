// Merkle proofs over the stored tiles, and the keys that verify the log. Proofs are only given
// for trees no larger than the latest checkpoint: anything beyond it is not signed yet.
import type { FastifyPluginAsync } from 'fastify';
import consistencyProofSchema from '../../schemas/api/consistency-proof.json' with { type: 'json' };
import consistencyQuery from '../../schemas/api/consistency-query.json' with { type: 'json' };
import inclusionProofSchema from '../../schemas/api/inclusion-proof.json' with { type: 'json' };
import inclusionQuery from '../../schemas/api/inclusion-query.json' with { type: 'json' };
import logKeys from '../../schemas/api/log-keys.json' with { type: 'json' };
import { ApiError } from '../http/api-error.ts';
import { decimalIntegers } from '../http/decimal-integers.ts';
import { errorResponses, STORAGE_UNAVAILABLE } from '../http/error-responses.ts';
import { toHex } from '../log/encoding.ts';
import { signKeyStatement } from '../log/key-statement.ts';
import { consistencyProof, inclusionProof, treeHash } from '../log/proof-builder.ts';
import { tileNodeReader } from '../log/tile-node-reader.ts';
import type { LogService } from '../log-service.ts';

const errors = errorResponses(400, STORAGE_UNAVAILABLE);

function beyondLog(size: number, latest: number): ApiError {
  return new ApiError(
    400,
    'size-beyond-log',
    `tree size ${size} is beyond the latest checkpoint (size ${latest})`,
  );
}

export const proofRoutes: FastifyPluginAsync<{ log: LogService }> = async (app, { log }) => {
  app.addHook('preValidation', decimalIntegers(['index', 'size', 'from', 'to']));

  app.get<{ Querystring: { index: number; size: number } }>(
    '/api/v1/log/inclusion',
    {
      schema: {
        description: 'Inclusion proof for entry `index` in the tree of `size` entries.',
        querystring: inclusionQuery,
        response: { 200: inclusionProofSchema, ...errors },
      },
    },
    async (request) => {
      const { index, size } = request.query;
      const latest = log.sequencer.checkpoint;
      if (size > latest.size) throw beyondLog(size, latest.size);
      if (index >= size) {
        throw new ApiError(400, 'index-out-of-range', `index ${index} is not below size ${size}`);
      }
      // The storage is passed whole so the reader shares its node cache.
      const nodes = tileNodeReader(log.storage);
      return {
        logIndex: index,
        treeSize: size,
        rootHash: toHex(treeHash(size, nodes)),
        hashes: inclusionProof(index, size, nodes).map(toHex),
        ...(size === latest.size && { checkpoint: latest.note }),
      };
    },
  );

  app.get<{ Querystring: { from: number; to: number } }>(
    '/api/v1/log/consistency',
    {
      schema: {
        description:
          'Consistency proof from the tree of `from` entries to the tree of `to` entries (empty when from is 0 or equals to).',
        querystring: consistencyQuery,
        response: { 200: consistencyProofSchema, ...errors },
      },
    },
    async (request) => {
      const { from, to } = request.query;
      const latest = log.sequencer.checkpoint;
      if (to > latest.size) throw beyondLog(to, latest.size);
      if (from > to) {
        throw new ApiError(400, 'sizes-out-of-order', `from ${from} is greater than to ${to}`);
      }
      const hashes = consistencyProof(from, to, tileNodeReader(log.storage));
      return { from, to, hashes: hashes.map(toHex) };
    },
  );

  // Signed once: the keys are the log's for life.
  const answer = {
    origin: log.origin,
    noteVerifierKey: log.keys.noteVerifierKey,
    ecdsaPublicKey: log.keys.ecdsaPublicKeyPem,
    logId: log.keys.logId,
    keyStatement: signKeyStatement(log.keys.ecdsaPublicKeyDer, log.keys.noteSigner),
  };
  app.get(
    '/api/v1/log/keys',
    {
      schema: {
        description: "The log's origin and the keys that verify its checkpoints and entries.",
        response: { 200: logKeys },
      },
    },
    async () => answer,
  );
};
