// An in-toto statement as a log holds it, with who signed it and where: what the AI-BOM is
// assembled from. A LogClient source checks everything it is told (inclusion proof to a
// checkpoint signed by the pinned key, envelope to leaf, and the signature with the signer the
// log names); the server's own source reads its storage, which it trusts.

import { parseCertificateChain } from '../../server/entries/certificate.ts';
import { parseEnvelope, verifyEnvelope } from '../../server/entries/dsse.ts';
import { isObject } from '../../server/entries/is-object.ts';
import { parsePublicKeyPem } from '../../server/entries/signer-key.ts';
import { IN_TOTO_PAYLOAD_TYPE, MAX_PAYLOAD_BYTES } from '../../server/entries/submission.ts';
import { fromUtf8, toHex } from '../../server/log/encoding.ts';
import type { FetchedEntry, LogClient, SearchFilter } from '../log-client/log-client.ts';
import type { LogReference } from './log-facts.ts';

export interface LoggedStatement {
  predicateType: string;
  subjects: { name?: string; digest: Record<string, string> }[];
  predicate: Record<string, unknown>;
  ref: LogReference;
}

/** Where statements are found: by subject digest and predicate type, in log order. */
export interface StatementSource {
  logUrl: string;
  find(filter: SearchFilter, limit: number): Promise<LoggedStatement[]>;
}

/** A statement's parts from envelope JSON bytes, or undefined for anything else. */
export function statementOf(envelopeBytes: Uint8Array | undefined) {
  try {
    return statementOfEnvelope(JSON.parse(fromUtf8(envelopeBytes ?? new Uint8Array()) ?? ''));
  } catch {
    return undefined;
  }
}

/** A statement's parts from a parsed DSSE envelope, or undefined for anything else. */
export function statementOfEnvelope(value: unknown) {
  try {
    const envelope = parseEnvelope(value, MAX_PAYLOAD_BYTES);
    if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) return undefined;
    const statement = JSON.parse(fromUtf8(envelope.payload) ?? '');
    if (
      !isObject(statement) ||
      typeof statement.predicateType !== 'string' ||
      !Array.isArray(statement.subject) ||
      !isObject(statement.predicate)
    ) {
      return undefined;
    }
    return { envelope, statement };
  } catch {
    return undefined;
  }
}

/** The signer a verifier record names, once the envelope's signature is checked with it. */
async function checkedSigner(entry: FetchedEntry, envelope: ReturnType<typeof parseEnvelope>) {
  const verifier = entry.verifier;
  if (!isObject(verifier)) return undefined;
  try {
    if (verifier.kind === 'publicKey' && typeof verifier.pem === 'string') {
      const key = parsePublicKeyPem(verifier.pem);
      await verifyEnvelope(envelope, key.key, key.type);
      return key.identity;
    }
    if (verifier.kind === 'certificate' && Array.isArray(verifier.pemChain)) {
      const ders = verifier.pemChain.map((pem: string) => {
        const body = pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
        return new Uint8Array(Buffer.from(body, 'base64'));
      });
      const chain = parseCertificateChain(ders);
      await verifyEnvelope(envelope, chain.leaf.publicKey, chain.type);
      return chain.identity?.san;
    }
  } catch {
    // a signature that does not verify with the signer named: not a statement of that signer
  }
  return undefined;
}

/** Statements through a LogClient, every one checked before it counts. */
export function logClientSource(client: LogClient): StatementSource {
  return {
    logUrl: client.url,
    async find(filter, limit) {
      const found: LoggedStatement[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.search(filter, { cursor, limit: Math.min(limit, 100) });
        for (const hit of page.entries) {
          const entry = await client.entry(hit.logIndex);
          const parts = statementOf(entry.envelope);
          const signer = parts && (await checkedSigner(entry, parts.envelope));
          if (parts === undefined || signer === undefined) continue;
          const { checkpoint } = entry.inclusion;
          found.push({
            predicateType: parts.statement.predicateType as string,
            subjects: parts.statement.subject as LoggedStatement['subjects'],
            predicate: parts.statement.predicate as Record<string, unknown>,
            ref: {
              logUrl: client.url,
              logIndex: entry.logIndex,
              integratedTime: entry.integratedTime,
              checkpoint: {
                origin: checkpoint.origin,
                size: checkpoint.size,
                rootHash: toHex(checkpoint.rootHash),
              },
              signer,
            },
          });
          if (found.length >= limit) return found;
        }
        cursor = page.nextCursor;
      } while (cursor !== undefined);
      return found;
    },
  };
}
