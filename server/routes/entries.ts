// Publishing and reading attestations: POST /api/v1/entries checks a signed bundle and appends its
// canonical Rekor dsse body to the log; GET answers an entry with a proof, or searches the exact
// indexes.
import type { FastifyPluginAsync } from 'fastify';
import entriesSchema from '../../schemas/api/entries.json' with { type: 'json' };
import { entryRecord } from '../entries/entry-record.ts';
import { checkSubmission } from '../entries/submission.ts';
import { ApiError } from '../http/api-error.ts';
import { decimalIntegers } from '../http/decimal-integers.ts';
import {
  errorResponses,
  PARAMETER_TOO_LONG,
  PUBLISHING_ERRORS,
  STORAGE_UNAVAILABLE,
} from '../http/error-responses.ts';
import { type Publishing, publish, publishingRoute } from '../http/publishing.ts';
import { checked } from '../http/submit.ts';
import { toBase64 } from '../log/encoding.ts';
import type { Acknowledgement } from '../log/sequencer.ts';
import type { LogService } from '../log-service.ts';
import type { EntryFilter, StoredRecord } from '../storage/storage.ts';
import { entryJson, entryTimestamp, proofJson, seconds } from './proof-json.ts';

const MAX_SUBJECTS_PER_HIT = 32;

const ref = (name: string) => ({ $ref: `${entriesSchema.$id}#/$defs/${name}` });

interface SearchQuery extends EntryFilter {
  cursor?: string;
  limit: number;
}

export interface EntriesRoutesOptions {
  log: LogService;
  publishing: Publishing;
}

export const entriesRoutes: FastifyPluginAsync<EntriesRoutesOptions> = async (app, options) => {
  const { log, publishing } = options;
  app.addSchema(entriesSchema);
  // On the reads that take integers only: not a hook more on the submissions' path.
  const integers = decimalIntegers(['index', 'limit']);

  const submitted = (ack: Acknowledgement, leaf: Uint8Array) => ({
    logIndex: ack.index,
    logId: log.keys.logId,
    integratedTime: seconds(ack.integratedAt),
    canonicalizedBody: toBase64(leaf),
    inclusionProof: proofJson(ack.index, ack.checkpoint, ack.inclusionProof),
    inclusionPromise: {
      signedEntryTimestamp: entryTimestamp(log, ack.index, ack.integratedAt, leaf),
    },
  });

  app.post(
    '/api/v1/entries',
    {
      ...publishingRoute(publishing),
      schema: {
        summary: 'Publish a signed attestation',
        security: [{ bearer: [] }],
        body: ref('SubmitRequest'),
        response: {
          201: ref('SubmitResponse'),
          ...PUBLISHING_ERRORS,
          409: {
            description: 'Conflict: the log already holds this entry, which the answer carries',
            ...ref('DuplicateResponse'),
          },
        },
      },
    },
    async (request, reply) => {
      const submission = await checked(publishing.checks, checkSubmission(request.body));
      const record = entryRecord(
        submission.statement,
        submission.envelopeBytes,
        submission.verifier,
        submission.identities,
      );
      const ack = await publish(publishing, request, submission.leaf, record);
      const body = submitted(ack, submission.leaf);
      if (ack.duplicate) {
        reply.code(409).header('location', `/api/v1/entries/${ack.index}`);
        return {
          error: {
            code: 'duplicate-entry',
            message: `the log already holds this entry, at index ${ack.index}`,
          },
          entry: body,
        };
      }
      reply.code(201).header('location', `/api/v1/entries/${ack.index}`);
      return body;
    },
  );

  app.get<{ Params: { index: number } }>(
    '/api/v1/entries/:index',
    {
      preValidation: integers,
      schema: {
        summary: 'An entry, its envelope and an inclusion proof to the latest checkpoint',
        params: ref('EntryParams'),
        response: {
          200: ref('Entry'),
          ...errorResponses(400, 404, PARAMETER_TOO_LONG, STORAGE_UNAVAILABLE),
        },
      },
    },
    async (request) => {
      const entry = entryJson(log, request.params.index);
      if (entry === undefined) {
        throw new ApiError(404, 'entry-not-found', `the log has no entry ${request.params.index}`);
      }
      return entry;
    },
  );

  app.get<{ Querystring: SearchQuery }>(
    '/api/v1/entries',
    {
      preValidation: integers,
      schema: {
        summary: 'Search entries by subject digest, name, signer identity or predicate type',
        querystring: ref('SearchQuery'),
        response: { 200: ref('SearchResponse'), ...errorResponses(400, STORAGE_UNAVAILABLE) },
      },
    },
    async (request) => {
      const { cursor, limit, ...filter } = request.query;
      if (Object.keys(filter).length === 0) {
        throw new ApiError(
          400,
          'missing-filter',
          'search needs at least one of digest, name, identity, predicateType',
        );
      }
      // ajv coerces 'Infinity' to a number and then skips minimum and maximum (found by fuzzing).
      if (!Number.isSafeInteger(limit)) {
        throw new ApiError(
          400,
          'bad-request',
          'querystring/limit must be an integer from 1 to 500',
        );
      }
      const indices = log.storage.searchEntries(
        filter,
        cursor === undefined ? -1 : Number(cursor),
        limit,
      );
      const entries = indices.map((index) => {
        const record = log.storage.readRecord(index) as StoredRecord;
        return {
          logIndex: index,
          integratedTime: seconds(record.integratedAt),
          predicateType: record.predicateType,
          // A statement may name up to 1024 subjects: a page of hits stays small.
          subjects: record.subjects.slice(0, MAX_SUBJECTS_PER_HIT),
          subjectCount: record.subjects.length,
          identities: record.identities,
        };
      });
      return {
        entries,
        ...(indices.length === limit && { nextCursor: String(indices[indices.length - 1]) }),
      };
    },
  );
};
