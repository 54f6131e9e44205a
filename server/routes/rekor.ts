// The Rekor-compatible subset that sigstore-js's RekorWitness and cosign use: Rekor v1 entries
// (POST and GET /api/v1/log/entries, /api/v1/log, its public key) and Rekor v2's create-entry
// call, plus the log's Sigstore trusted root. Entries from every API share the one log.
//
// Rekor clients (sigstore-js, cosign) send no token: publishing here takes a bearer token as
// everywhere, or none when the operator allows anonymous submissions (--allow-anonymous), which are
// then rate limited per client address.
import type { FastifyPluginAsync } from 'fastify';
import rekorSchema from '../../schemas/api/rekor.json' with { type: 'json' };
import { checkRekorV1Entry } from '../entries/rekor-v1-entry.ts';
import { checkRekorV2Request } from '../entries/rekor-v2-entry.ts';
import { ApiError } from '../http/api-error.ts';
import {
  errorResponses,
  PARAMETER_TOO_LONG,
  PUBLISHING_ERRORS,
  STORAGE_UNAVAILABLE,
} from '../http/error-responses.ts';
import { type Publishing, publish, publishingRoute } from '../http/publishing.ts';
import { checked } from '../http/submit.ts';
import { fromHex, toBase64, toHex } from '../log/encoding.ts';
import { leafHash } from '../log/hash.ts';
import { noteForSigner } from '../log/note-for-signer.ts';
import type { LogService } from '../log-service.ts';
import type { StoredCheckpoint } from '../storage/storage.ts';
import { logTrustedRoot } from '../trusted-root.ts';
import { entryTimestamp, proofJson, proofToLatest, seconds } from './proof-json.ts';

export interface RekorRoutesOptions {
  log: LogService;
  publishing: Publishing;
}

const ref = (name: string) => ({ $ref: `${rekorSchema.$id}#/$defs/${name}` });
const readErrors = errorResponses(400, 404, PARAMETER_TOO_LONG, STORAGE_UNAVAILABLE);
// Rekor v1 answers a resubmission 409 with an error body; v2 answers 200 with the entry.
const v1WriteErrors = { ...PUBLISHING_ERRORS, ...errorResponses(409) };

/** One entry as Rekor v1 answers it, keyed by its UUID (the hex leaf hash). */
function rekorV1Entry(
  log: LogService,
  index: number,
  body: Uint8Array,
  integratedAt: number,
  checkpoint: StoredCheckpoint,
  proof: Uint8Array[],
  note: string,
) {
  return {
    [toHex(leafHash(body))]: {
      body: toBase64(body),
      integratedTime: seconds(integratedAt),
      logID: log.keys.logId,
      logIndex: index,
      verification: {
        inclusionProof: proofJson(index, checkpoint, proof, note),
        signedEntryTimestamp: entryTimestamp(log, index, integratedAt, body),
      },
    },
  };
}

export const rekorRoutes: FastifyPluginAsync<RekorRoutesOptions> = async (app, options) => {
  const { log } = options;
  app.addSchema(rekorSchema);
  // Rekor v2 names the log by its ID in base64: computed once, not per answer.
  const logIdBase64 = toBase64(fromHex(log.keys.logId) as Uint8Array);

  // Every answer until the next batch carries the same checkpoint: it is parsed once.
  let lastNote = { note: '', forSigner: '' };
  /** The checkpoint as Rekor clients get it: signed by the log's ECDSA key alone. */
  const sigstoreNote = (checkpoint: StoredCheckpoint) => {
    if (lastNote.note !== checkpoint.note) {
      lastNote = {
        note: checkpoint.note,
        forSigner: noteForSigner(checkpoint.note, log.checkpointCosigner),
      };
    }
    return lastNote.forSigner;
  };

  app.post(
    '/api/v1/log/entries',
    {
      ...publishingRoute(options.publishing),
      schema: {
        summary: 'Rekor v1: log a dsse or hashedrekord 0.0.1 entry',
        security: [{ bearer: [] }],
        body: ref('ProposedEntry'),
        response: { 201: ref('LogEntry'), ...v1WriteErrors },
      },
    },
    async (request, reply) => {
      const entry = await checked(options.publishing.checks, checkRekorV1Entry(request.body));
      const ack = await publish(options.publishing, request, entry.leaf, entry.record);
      const uuid = toHex(ack.leafHash);
      if (ack.duplicate) {
        reply.header('location', `/api/v1/log/entries/${uuid}`);
        throw new ApiError(
          409,
          'duplicate-entry',
          `the log already holds this entry, at index ${ack.index}`,
        );
      }
      reply.code(201).header('location', `/api/v1/log/entries/${uuid}`);
      return rekorV1Entry(
        log,
        ack.index,
        entry.leaf,
        ack.integratedAt,
        ack.checkpoint,
        ack.inclusionProof,
        sigstoreNote(ack.checkpoint),
      );
    },
  );

  app.get<{ Params: { uuid: string } }>(
    '/api/v1/log/entries/:uuid',
    {
      schema: {
        summary: 'Rekor v1: an entry by UUID, with a proof to the latest checkpoint',
        params: ref('Uuid'),
        response: { 200: ref('LogEntry'), ...readErrors },
      },
    },
    async (request) => {
      const hash = fromHex(request.params.uuid.slice(-64)) as Uint8Array;
      const index = log.storage.findLeaf(hash);
      const entry =
        index !== undefined && index < log.sequencer.checkpoint.size
          ? log.storage.readEntry(index)
          : undefined;
      if (index === undefined || entry === undefined) {
        throw new ApiError(404, 'entry-not-found', `the log has no entry ${request.params.uuid}`);
      }
      const { checkpoint, hashes } = proofToLatest(log, index);
      return rekorV1Entry(
        log,
        index,
        entry.body,
        entry.integratedAt,
        checkpoint,
        hashes,
        sigstoreNote(checkpoint),
      );
    },
  );

  app.get(
    '/api/v1/log',
    {
      schema: {
        summary: 'Rekor v1: the latest signed tree head',
        response: { 200: ref('LogInfo') },
      },
    },
    async () => {
      const checkpoint = log.sequencer.checkpoint;
      return {
        rootHash: toHex(checkpoint.root),
        treeSize: checkpoint.size,
        signedTreeHead: sigstoreNote(checkpoint),
        // Rekor's tree IDs are positive int64 decimals; this one is taken from the log ID.
        treeID: BigInt(`0x${log.keys.logId.slice(0, 15)}`).toString(),
        inactiveShards: [],
      };
    },
  );

  app.get(
    '/api/v1/log/publicKey',
    {
      schema: {
        summary: "Rekor v1: the log's ECDSA P-256 public key (PEM)",
        produces: ['application/x-pem-file'],
        response: { 200: { type: 'string' } },
      },
    },
    async (_request, reply) => {
      reply.type('application/x-pem-file');
      return log.keys.ecdsaPublicKeyPem;
    },
  );

  app.post(
    '/api/v2/log/entries',
    {
      ...publishingRoute(options.publishing),
      schema: {
        summary: 'Rekor v2: log a dsse or hashedrekord 0.0.2 entry',
        security: [{ bearer: [] }],
        body: ref('CreateEntryRequest'),
        response: {
          200: ref('TransparencyLogEntry'),
          201: ref('TransparencyLogEntry'),
          ...PUBLISHING_ERRORS,
        },
      },
    },
    async (request, reply) => {
      const entry = await checked(options.publishing.checks, checkRekorV2Request(request.body));
      const ack = await publish(options.publishing, request, entry.leaf, entry.record);
      // Rekor v2 answers a resubmission with the entry it already holds.
      reply.code(ack.duplicate ? 200 : 201);
      const index = String(ack.index);
      return {
        logIndex: index,
        logId: { keyId: logIdBase64 },
        kindVersion: { kind: entry.kind, version: '0.0.2' },
        // Rekor v2 gives no integration time: a timestamp authority does.
        integratedTime: '0',
        inclusionProof: {
          logIndex: index,
          rootHash: toBase64(ack.checkpoint.root),
          treeSize: String(ack.checkpoint.size),
          hashes: ack.inclusionProof.map(toBase64),
          checkpoint: { envelope: sigstoreNote(ack.checkpoint) },
        },
        canonicalizedBody: toBase64(entry.leaf),
      };
    },
  );

  app.get(
    '/api/v1/trusted-root',
    {
      schema: {
        summary: 'A Sigstore TrustedRoot listing this log, for @sigstore/verify',
        response: { 200: ref('TrustedRoot'), ...errorResponses(STORAGE_UNAVAILABLE) },
      },
    },
    async () => logTrustedRoot(log),
  );
};
