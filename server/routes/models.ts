// What the log knows about one model, by its digest: its revocations (the status a verifier
// checks before use, in one request), and its AI-BOM assembled from the log's attestations.
import type { FastifyPluginAsync } from 'fastify';
import { gatherLogFacts, writeBom } from '../../client-sdk/bom/index.ts';
import entriesSchema from '../../schemas/api/entries.json' with { type: 'json' };
import modelsSchema from '../../schemas/api/models.json' with { type: 'json' };
import { REVOCATION_PREDICATE_TYPE } from '../entries/predicate-types.ts';
import { ApiError } from '../http/api-error.ts';
import {
  errorResponses,
  PARAMETER_TOO_LONG,
  STORAGE_UNAVAILABLE,
} from '../http/error-responses.ts';
import type { LogService } from '../log-service.ts';
import { storageStatementSource } from '../statement-source.ts';
import { entryJson } from './proof-json.ts';

/** Revocations of one model beyond this many are a sign of abuse, not of care: cut, and said. */
const MAX_REVOCATIONS = 100;

const ref = (name: string) => ({ $ref: `${modelsSchema.$id}#/$defs/${name}` });

export const modelsRoutes: FastifyPluginAsync<{ log: LogService }> = async (app, { log }) => {
  app.addSchema(entriesSchema);
  app.addSchema(modelsSchema);

  app.get<{ Params: { digest: string }; Querystring: { signer?: string[] } }>(
    '/api/v1/models/:digest/status',
    {
      schema: {
        summary: "A model's revocations, proven, in one answer",
        params: ref('ModelParams'),
        querystring: ref('StatusQuery'),
        response: {
          200: ref('ModelStatus'),
          ...errorResponses(400, PARAMETER_TOO_LONG, STORAGE_UNAVAILABLE),
        },
      },
    },
    async (request) => {
      const { digest } = request.params;
      const filter = { digest, predicateType: REVOCATION_PREDICATE_TYPE };
      // By signer, when asked: a flood of revocations by others cannot hide the signer's own.
      const signers = request.query.signer;
      const found =
        signers === undefined
          ? log.storage.searchEntries(filter, -1, MAX_REVOCATIONS + 1)
          : [
              ...new Set(
                signers.flatMap((identity) =>
                  log.storage.searchEntries({ ...filter, identity }, -1, MAX_REVOCATIONS + 1),
                ),
              ),
            ].sort((a, b) => a - b);
      const revocations = found
        .slice(0, MAX_REVOCATIONS)
        .flatMap((index) => entryJson(log, index) ?? []);
      return {
        digest,
        revocations,
        ...(found.length > MAX_REVOCATIONS && { truncated: true }),
      };
    },
  );

  app.get<{
    Params: { digest: string };
    Querystring: { format: 'cyclonedx' | 'spdx'; specVersion?: '1.6' | '1.7'; signer: string[] };
  }>(
    '/api/v1/models/:digest/bom',
    {
      schema: {
        summary: "A model's AI-BOM (CycloneDX ML-BOM or SPDX 3 AI) from the log's attestations",
        params: ref('ModelParams'),
        querystring: ref('BomQuery'),
        response: {
          // Served as what it is (with CycloneDX's version parameter), not as plain JSON.
          200: {
            description: 'The AI-BOM, in the format asked for',
            content: {
              'application/vnd.cyclonedx+json': { schema: ref('Bom') },
              'application/spdx+json': { schema: ref('Bom') },
            },
          },
          ...errorResponses(400, 404, PARAMETER_TOO_LONG, STORAGE_UNAVAILABLE),
        },
      },
    },
    async (request, reply) => {
      const { format, specVersion, signer } = request.query;
      if (format === 'spdx' && specVersion !== undefined) {
        throw new ApiError(
          400,
          'bad-request',
          'specVersion applies to CycloneDX only (SPDX is 3.0.1)',
        );
      }
      const sha256 = request.params.digest.slice('sha256:'.length);
      const source = storageStatementSource(log, `${request.protocol}://${request.host}`);
      const facts = await gatherLogFacts(source, sha256, signer);
      const [first] = await source.find({ digest: request.params.digest }, 1);
      if (first === undefined) {
        throw new ApiError(
          404,
          'model-not-found',
          `the log holds no statement about ${request.params.digest}`,
        );
      }
      const name =
        first.subjects.find((s) => s.digest.sha256 === sha256)?.name ?? request.params.digest;
      reply.type(
        format === 'spdx'
          ? 'application/spdx+json'
          : `application/vnd.cyclonedx+json; version=${specVersion ?? '1.6'}`,
      );
      return writeBom({ name, rootDigest: sha256 }, { format, specVersion, logFacts: facts });
    },
  );
};
